"""`clamp-mmpose export`: a trained CLAMP checkpoint as an inference checkpoint (supplementary 1.1).

The library is :mod:`clamp_mmpose.export` (``inference_model``, ``onnx_graph``); the old names
still import from here for one release, with a DeprecationWarning.

Writes ``<out>.pth`` and the matching config ``<out>.py``, usable with ``mim test``,
``mmpose.apis.init_model`` and ``MMPoseInferencer``. With ``--onnx`` it also writes
``<out>.onnx`` and ``<out>.deploy.json`` for :mod:`clamp_mmpose.deploy` (no torch needed to run
them); SimpleBaseline configs export that way too (their weights as they are).
"""
import argparse
import sys

from ..utils.deprecation import moved_names

__getattr__ = moved_names(__name__, 'clamp_mmpose.export.inference_model',
                          ['export_inference_model', 'inference_model_config'])


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog='clamp-mmpose export',
        description='Store the prompt embeddings of a trained CLAMP model and drop the text '
        'encoder and the training-only parts. Writes OUT.py (config) and OUT.pth (weights).')
    parser.add_argument('config', help='the CLAMP config the checkpoint was trained with')
    parser.add_argument('checkpoint', help='a checkpoint written by the training run')
    parser.add_argument('out', help='output path without extension, e.g. '
                        'work_dirs/clamp_rn50/clamp_rn50_inference')
    parser.add_argument('--onnx', action='store_true',
                        help='also write OUT.onnx (image -> heatmaps, dynamic batch) and '
                        'OUT.deploy.json for `clamp-mmpose infer` / clamp_mmpose.deploy; '
                        'SimpleBaseline configs are exported this way too')
    parser.add_argument('--int8', action='store_true',
                        help='with --onnx, also write an 8-bit copy, OUT.int8.onnx and '
                        'OUT.int8.deploy.json (faster on CPUs, less exact; calibrated on the '
                        'config\'s validation images)')
    args = parser.parse_args(argv)
    if args.int8 and not args.onnx:
        parser.error('--int8 quantises the ONNX graph: use it with --onnx')
    from ..export.inference_model import ExportError, export_inference_model
    try:
        cfg_path, ckpt_path = export_inference_model(args.config, args.checkpoint, args.out,
                                                     allow_baseline=args.onnx)
    except ExportError as err:
        print(f'error: {err}', file=sys.stderr)
        return 1
    print(f'inference config: {cfg_path}\ninference weights: {ckpt_path}')
    if args.onnx:
        from ..export.onnx_graph import export_onnx
        onnx_path, json_path = export_onnx(cfg_path, ckpt_path, args.out, int8=args.int8)
        print(f'ONNX model:       {onnx_path}\nruntime settings: {json_path}')
        if args.int8:
            print(f'int8 model:       {json_path.replace(".deploy.json", ".int8.deploy.json")}')
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
