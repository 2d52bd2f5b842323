"""`clamp-mmpose`: one command with a subcommand per tool."""
import argparse
import importlib
import sys
import warnings

from .. import WITH_TRAINING_STACK

# subcommand -> (module with main(argv), one-line help)
SUBCOMMANDS = {
    'generate-data': ('clamp_mmpose.datasets.synthetic',
                      'generate synthetic animal pose data in AP-10K\'s annotation format'),
    'subset': ('clamp_mmpose.datasets.subset',
               'write a family / species / few-shot / k% subset of an annotation file'),
    'results': ('clamp_mmpose.tools.results',
                'print the paper\'s tables (S1-S5, few-shot) from work directories as markdown'),
    'convert-official': ('clamp_mmpose.tools.convert_official',
                         'convert an authors\' CLAMP checkpoint (MMPose 0.x) into this plugin'),
    'prompts': ('clamp_mmpose.tools.prompts',
                'print each keypoint\'s name, the words the text encoder reads and their tokens'),
    'export': ('clamp_mmpose.tools.export',
               'store the prompt embeddings of a trained CLAMP model for inference'),
    'export-detector': ('clamp_mmpose.tools.export_detector',
                        'export an MMDetection RTMDet detector to ONNX for the torch-free runtime'),
    'infer': ('clamp_mmpose.tools.infer',
              'run an exported ONNX model on an image or video, without torch (pose drawn, JSON)'),
    'score-maps': ('clamp_mmpose.tools.score_maps',
                   'draw per-keypoint score maps over an instance (Figure S1)'),
    'compare': ('clamp_mmpose.tools.compare',
                'baseline vs CLAMP vs ground truth on dataset samples (Figures S2, S3)'),
    'complexity': ('clamp_mmpose.tools.complexity',
                   'parameters and GFLOPs of configs in inference form (Table S1)'),
    'demo': ('clamp_mmpose.tools.demo',
             'train and evaluate a small CLAMP on generated animals, with pictures (make demo)'),
}

# What runs on a deployment machine without torch and the OpenMMLab stack (clamp_mmpose.deploy).
WITHOUT_TRAINING_STACK = ('infer',)

# Third-party notices that say nothing about the command's work, kept off the terminal of the
# subcommands that have no work dir to log them to (`demo` writes them, and every other library
# warning, to its log file: clamp_mmpose.tools.demo.QuietConsole).
LIBRARY_NOISE = (
    # setuptools, when mmengine (and others) import pkg_resources
    r'pkg_resources is deprecated as an API',
    # MMPose, when a config names its metainfo file relative to MMPose's own configs
    r'The metainfo config file .* does not exist\. A matched config file .* will be used',
)


def quiet_library_noise() -> None:
    """Ignore the :data:`LIBRARY_NOISE` warnings in this process; every other warning shows."""
    for message in LIBRARY_NOISE:
        warnings.filterwarnings('ignore', message=message)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    listing = '\n'.join(f'  {name:<16} {text}' for name, (_, text) in SUBCOMMANDS.items())
    parser = argparse.ArgumentParser(
        prog='clamp-mmpose',
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description='CLAMP for MMPose: the tools around training. Training and testing '
        'themselves are\n`mim train mmpose <config>` and `mim test mmpose <config>`.\n\n'
        'subcommands:\n' + listing,
        epilog='Run `clamp-mmpose <subcommand> --help` for the options of each.' + (
            '' if WITH_TRAINING_STACK else '\nThis environment has the deployment runtime '
            'only (no torch or OpenMMLab stack): of these, only '
            + ', '.join(WITHOUT_TRAINING_STACK) + ' runs here.'))
    parser.add_argument('subcommand', choices=SUBCOMMANDS, metavar='subcommand')
    if not argv or argv[0] in ('-h', '--help'):
        parser.print_help()
        return 0 if argv else 2
    args = parser.parse_args(argv[:1])
    if not WITH_TRAINING_STACK and args.subcommand not in WITHOUT_TRAINING_STACK:
        runnable = ', '.join(f'`clamp-mmpose {name}`' for name in WITHOUT_TRAINING_STACK)
        print(f'error: `clamp-mmpose {args.subcommand}` needs torch, mmengine, mmcv and mmpose, '
              f'and this environment lacks at least one of them (it has the deployment runtime '
              f'only, where {runnable} runs exported models). Install the training stack as '
              f'docs/installation.md says.', file=sys.stderr)
        return 2
    if args.subcommand != 'demo':
        quiet_library_noise()
    module = importlib.import_module(SUBCOMMANDS[args.subcommand][0])
    return module.main(argv[1:])


if __name__ == '__main__':
    sys.exit(main())
