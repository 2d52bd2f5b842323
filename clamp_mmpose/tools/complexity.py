"""`clamp-mmpose complexity`: parameters and GFLOPs of configs in inference form (Table S1).

The library is :mod:`clamp_mmpose.export.complexity`; its names still import from here for one
release, with a DeprecationWarning.
"""
import argparse

from ..utils.deprecation import moved_names

__getattr__ = moved_names(__name__, 'clamp_mmpose.export.complexity',
                          ['complexity_table', 'inference_model_config', 'model_complexity'])


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog='clamp-mmpose complexity',
        description='Parameters and GFLOPs of pose configs in inference form (text encoder and '
        'training-only parts excluded), as a markdown table like the paper\'s Table S1.')
    parser.add_argument('configs', nargs='+', help='config files (CLAMP or baseline)')
    parser.add_argument('--input-size', type=int, nargs=2, metavar=('W', 'H'),
                        help='input size (default: the config codec\'s input_size)')
    args = parser.parse_args(argv)
    from ..export.complexity import complexity_table
    print(complexity_table(args.configs, args.input_size))


if __name__ == '__main__':
    main()
