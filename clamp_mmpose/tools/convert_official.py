"""`clamp-mmpose convert-official`: convert an authors' CLAMP checkpoint (MMPose 0.x) into a
checkpoint and a config of this plugin.

The library is :mod:`clamp_mmpose.converters.official`; its names still import from here for one
release, with a DeprecationWarning.
"""
import argparse

from ..converters.official import (PAPER_CONFIGS, OfficialCheckpointError,
                                   convert_official_checkpoint)
from ..utils.deprecation import moved_names

__getattr__ = moved_names(__name__, 'clamp_mmpose.converters.official', [
    'ATTENTION_POOL_HEADS', 'AUTHORS_KEYPOINT_WORDS', 'CONTEXT_DECODER_HEADS',
    'PROMPT_ENCODER_HEADS', 'TEXT_HEADS', 'UNUSED_OFFICIAL_KEYS', 'describe_official_model',
    'load_official_checkpoint', 'map_official_state_dict', 'official_codec', 'official_key',
    'official_model_config'])


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog='clamp-mmpose convert-official',
        description='Convert an authors\' CLAMP checkpoint (MMPose 0.x, e.g. epoch_210.pth) '
        'into a checkpoint and a config of this plugin.')
    parser.add_argument('checkpoint', help='the authors\' checkpoint file')
    parser.add_argument('--out', required=True, help='folder for the config and checkpoint')
    parser.add_argument('--arch', choices=sorted(PAPER_CONFIGS),
                        help='check the checkpoint against this architecture (default: read it '
                        'off the weights)')
    parser.add_argument('--name', help='file name stem (default: the checkpoint\'s)')
    args = parser.parse_args(argv)
    try:
        cfg_path, ckpt_path = convert_official_checkpoint(args.checkpoint, args.out, args.arch,
                                                          args.name)
    except OfficialCheckpointError as err:
        print(f'error: {err}')
        return 1
    print(f'config:     {cfg_path}\ncheckpoint: {ckpt_path}')
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
