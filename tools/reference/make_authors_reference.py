"""Record what the authors' CLAMP code computes, as test data for the parity tests.

Runs in the authors' own environment, never in this project's: their repository (an MMPose 0.21
fork with mmcv 1.4 bundled) installed in a venv of its own, see ``README.md`` beside this file.
It builds small, randomly initialised CLAMP models with the authors' classes (their real layouts,
narrow widths), re-draws the weights with larger scales so that every output is of order 1, and
writes, per architecture, one compressed ``.npz`` with:

* ``state_dict/<key>``: every tensor of the authors' model, under the authors' key (float16
  values, stored exactly);
* ``input/images`` (B, 3, H, W), ``input/center``, ``input/scale``: the test inputs;
* ``stage/*``: text-encoder output, prompt-encoder output, image-conditioned prompts, dense and
  global embeddings and the score maps of the test forward;
* ``test/heatmaps`` and ``test/heatmaps_flip`` (the test forward without / with flip test, shifted
  heatmaps), ``test/keypoints`` and ``test/keypoints_flip`` (the authors' decoded keypoints in
  image pixels, with the score, without / with flip test);
* ``decode/heatmaps`` (2, K, 64, 64), ``decode/center``, ``decode/scale`` and ``decode/keypoints``:
  crafted heatmaps whose peaks sit in every edge row and column, in the second row and column,
  in the corners and inside (one map without a positive value), decoded by the authors'
  ``keypoints_from_heatmaps`` (MMPose 0.x's border rule);
* ``loss_<case>_<mode>/*``: each training loss for fixed targets, for the cases ``visible`` (all
  keypoints visible) and ``mixed`` (invisible keypoints, keypoints off the feature grid and on its
  first cells), with the model in eval mode and in train mode (dropout and drop path off, so that
  BatchNorm's batch statistics are the only train-mode behaviour), with the targets
  (``target/*``), keypoints and visibility they were made from.

and, once, ``ap10k_boxes.json``: a small AP-10K-format annotation file with boxes at every edge
case of the box rule (fractional, at and past the image border, narrower than a pixel, zero
area), and for each instance the authors' ``AnimalAP10KDataset`` kept (test mode), its ``center``
and ``scale`` (pixel std 200, padding 1.25, 256x256 input).

Usage (from the authors' venv, their repository on PYTHONPATH)::

    python tools/reference/make_authors_reference.py --out tests/data/authors_reference
"""
import argparse
import copy
import math
import os
import os.path as osp

import numpy as np
import torch

import json

from mmpose.core.evaluation import keypoints_from_heatmaps
from mmpose.datasets import DATASETS
from mmpose.datasets.pipelines.top_down_transform import TopDownGenerateTarget
from mmpose.models import build_posenet

# The authors' prompt words (their configs; the same for RN50, ViT-B/16 and ViT-L/14).
CLASS_NAMES = ['left eye', 'right eye', 'nose', 'neck', 'tail root', 'left shoulder',
               'left elbow', 'left front paw', 'right shoulder', 'right elbow', 'right front paw',
               'left hip', 'left knee', 'left back paw', 'right hip', 'right knee',
               'right back paw']
FLIP_PAIRS = [[0, 1], [5, 8], [6, 9], [7, 10], [11, 14], [12, 15], [13, 16]]
K = len(CLASS_NAMES)
TEXT_WIDTH = 64
EMBED_DIM = 64


def clamp_model_cfg(backbone, grid, decoder_channels, decoder_in, spatial_channels,
                    spatial_weight):
    """The authors' model config (their ap10k CLAMP configs), narrowed."""
    head = dict(type='TopdownHeatmapSimpleHead', out_channels=K,
                loss_keypoint=dict(type='JointsMSELoss', use_target_weight=True,
                                   loss_weight=1.0))
    deconv = dict(num_deconv_layers=len(decoder_channels), num_deconv_filters=decoder_channels,
                  num_deconv_kernels=(4, ) * len(decoder_channels))
    spatial = dict(num_deconv_layers=len(spatial_channels),
                   num_deconv_filters=spatial_channels,
                   num_deconv_kernels=(4, ) * len(spatial_channels))
    spatial_loss = dict(type='JointsMSELoss', use_target_weight=True, loss_weight=spatial_weight)
    return dict(
        type='CLAMP',
        clip_pretrained=None,
        context_length=5,
        text_dim=EMBED_DIM,
        score_concat_index=3,
        visual_dim=EMBED_DIM,
        token_embed_dim=TEXT_WIDTH,
        CL_ratio=0.0005,
        class_names=CLASS_NAMES,
        text_encoder=dict(type='CLIPTextContextEncoder', context_length=13,
                          embed_dim=EMBED_DIM, transformer_width=TEXT_WIDTH,
                          transformer_heads=8, transformer_layers=3, pretrained=None,
                          style='pytorch'),
        prompt_encoder=dict(type='PromptEncoderWithoutPositionemb', prompt_num=K,
                            transformer_width=EMBED_DIM, transformer_heads=8,
                            transformer_layers=1, embed_dim=EMBED_DIM, style='pytorch'),
        context_decoder=dict(type='ContextDecoder', transformer_width=32, transformer_heads=4,
                             transformer_layers=3, visual_dim=EMBED_DIM, dropout=0.1,
                             outdim=EMBED_DIM, style='pytorch'),
        backbone=backbone,
        keypoint_head=dict(head, in_channels=decoder_in + K, **deconv),
        upconv_head=dict(head, in_channels=K, **spatial,
                         loss_keypoint=spatial_loss),
        identity_head=dict(type='IdentityHead', loss_keypoint=spatial_loss),
        train_cfg=dict(),
        test_cfg=dict(flip_test=True, post_process='default', shift_heatmap=True,
                      modulate_kernel=11))


ARCHS = {
    # Modified ResNet, [1, 1, 1, 1] bottlenecks of width 8: layer4 has 256 channels, the
    # attention pool 32 heads (hard-coded in the authors' class), as in RN50.
    'rn50': dict(
        input_size=256, grid=8,
        cfg=clamp_model_cfg(
            dict(type='CLIPResNetWithAttention', layers=[1, 1, 1, 1], width=8,
                 output_dim=EMBED_DIM, input_resolution=256, style='pytorch'),
            grid=8, decoder_channels=(32, 32, 32), decoder_in=256,
            spatial_channels=(32, 32, 32), spatial_weight=0.4)),
    # ViT, patch 16 at 256 x 256 (16 x 16 tokens), width 128 / 2 heads, 4 blocks, drop path 0.4.
    'vit_b16': dict(
        input_size=256, grid=16,
        cfg=clamp_model_cfg(
            dict(type='CLIPVisionTransformer', debug=False, use_fpn=False, patch_size=16,
                 width=128, heads=2, output_dim=EMBED_DIM, get_embeddings=True,
                 drop_path_rate=0.4, layers=4, out_indices=[0, 1, 2, 3],
                 input_resolution=256, style='pytorch'),
            grid=16, decoder_channels=(32, 32), decoder_in=128,
            spatial_channels=(K, K), spatial_weight=2.0)),
    # ViT, patch 14 at 224 x 224 (16 x 16 tokens), width 64 / 1 head, as the ViT-L/14 config.
    'vit_l14': dict(
        input_size=224, grid=16,
        cfg=clamp_model_cfg(
            dict(type='CLIPVisionTransformer', debug=False, use_fpn=False, patch_size=14,
                 width=64, heads=1, output_dim=EMBED_DIM, get_embeddings=True,
                 drop_path_rate=0.4, layers=4, out_indices=[0, 1, 2, 3],
                 input_resolution=224, style='pytorch'),
            grid=16, decoder_channels=(32, 32), decoder_in=64,
            spatial_channels=(K, K), spatial_weight=1.0)),
}


def redraw_weights(model, generator):
    """Values of order one everywhere (the authors' init gives heatmaps of about 1e-9).

    Shapes and layouts are untouched. Rows of the token embedding that no prompt uses are set to
    zero, so that the 49408 x 64 table compresses to almost nothing in the ``.npz``, and every
    value is one that float16 represents, so that the state dict is stored as float16 exactly.
    """
    used_tokens = set(model.texts.flatten().tolist())

    def normal(shape, std):
        return torch.randn(shape, generator=generator) * std

    with torch.no_grad():
        for name, p in list(model.named_parameters()) + list(model.named_buffers()):
            if name.endswith('num_batches_tracked'):
                continue
            if name.endswith('running_var'):
                p.copy_(torch.rand(p.shape, generator=generator) + 0.5)
            elif name.endswith('running_mean'):
                p.copy_(normal(p.shape, 0.1))
            elif name == 'logit_scale':
                p.fill_(math.log(1 / 0.07))
            elif name == 'gamma':  # the refined prompt must be visible at a 1e-4 tolerance
                p.copy_(normal(p.shape, 0.5))
            elif name == 'contexts':
                p.copy_(normal(p.shape, 1.0))
            elif name.endswith('token_embedding.weight'):
                p.zero_()
                for t in used_tokens:
                    p[t] = normal(p.shape[1:], 0.5)
            elif 'positional_embedding' in name or name.endswith('class_embedding'):
                p.copy_(normal(p.shape, 0.5))
            elif p.dim() == 1:  # norm weights, biases
                p.copy_((1.0 if name.endswith('.weight') else 0.0) + normal(p.shape, 0.2))
            elif name.endswith(('text_projection', '.proj')):  # x @ P
                p.copy_(normal(p.shape, p.shape[0] ** -0.5))
            elif isinstance(model.get_submodule(name.rsplit('.', 1)[0]),
                            torch.nn.ConvTranspose2d):  # (in, out, k, k), stride 2
                p.copy_(normal(p.shape, (p.shape[0] * p.shape[2] * p.shape[3] / 4) ** -0.5))
            else:  # Linear (out, in), Conv2d (out, in, k, k), packed attention (3W, W)
                p.copy_(normal(p.shape, np.prod(p.shape[1:]) ** -0.5))
            # float16 values, so that the state dict is stored in half the room, exactly.
            if p.is_floating_point():
                p.copy_(p.half().float())


def test_images(size, generator):
    """Two smooth random images (ImageNet-normalised scale), rounded to float16 values."""
    coarse = torch.randn(2, 3, size // 8, size // 8, generator=generator)
    images = torch.nn.functional.interpolate(coarse, size=(size, size), mode='bilinear',
                                             align_corners=False)
    images = images + 0.3 * torch.randn(images.shape, generator=generator)
    return images.half().float()


def keypoint_cases(size, rng):
    """(keypoints (2, K, 2) in input pixels, visibility (2, K)) per loss case."""
    visible_xy = rng.uniform(4, size - 4, (2, K, 2)).astype(np.float32)
    mixed_xy = rng.uniform(4, size - 4, (2, K, 2)).astype(np.float32)
    mixed_vis = np.ones((2, K), np.float32)
    mixed_vis[0, [2, 9]] = 0  # invisible
    mixed_vis[1, [0, 16]] = 0
    mixed_xy[0, 4] = [size - 3, 40]  # off the coarse grid to the right (zero feature vector)
    mixed_xy[0, 5] = [3, 5]  # first coarse cell (the authors' one-hot shifts by one)
    mixed_xy[1, 6] = [-20, 100]  # outside the crop to the left, weight kept
    mixed_xy[1, 7] = [size + 70, 30]  # far outside: weight 0
    mixed_xy[1, 8] = [-60, 120]  # outside the heatmap but on the coarse grid's first cell
    return dict(visible=(visible_xy, np.ones((2, K), np.float32)), mixed=(mixed_xy, mixed_vis))


def make_targets(keypoints, visibility, input_size, grid):
    """Heatmaps and coarse targets with the authors' TopDownGenerateTarget, per image."""
    generate = TopDownGenerateTarget(sigma=2, downtarget=True, downsize=grid)
    ann_info = dict(num_joints=K, image_size=np.array([input_size, input_size]),
                    heatmap_size=np.array([64, 64]), joint_weights=np.ones((K, 1), np.float32),
                    use_different_joint_weights=False)
    out = {k: [] for k in ('heatmaps', 'weights', 'coarse', 'coarse_weights')}
    for xy, vis in zip(keypoints, visibility):
        joints = np.zeros((K, 3), np.float32)
        joints[:, :2] = xy
        joints_vis = np.repeat(vis[:, None], 3, axis=1)
        res = generate(dict(joints_3d=joints, joints_3d_visible=joints_vis, ann_info=ann_info))
        (hm, coarse), (w, coarse_w) = res['target'], res['target_weight']
        for key, value in zip(out, (hm, w, coarse, coarse_w)):
            out[key].append(value)
    return {k: torch.from_numpy(np.stack(v)) for k, v in out.items()}


def border_heatmaps(rng, size=64):
    """(2, K, size, size) maps of low noise, each with one peak at a chosen cell.

    The peaks cover every edge row and column, the second and second-to-last ones (where
    MMPose 0.x and 1.x begin to agree), the corners and the inside; each peak's neighbours are
    unequal so that any quarter-pixel move is visible. The last map has no positive value.
    """
    last = size - 1
    cells = [(0, 20), (last, 33), (17, 0), (40, last), (1, 25), (last - 1, 9), (30, 1),
             (12, last - 1), (0, 0), (last, last), (0, last), (1, 1), (2, 2), (2, last - 2),
             (31, 29), (last - 2, 2), (5, 0),
             (last, 0), (20, last), (last, 50), (0, 8), (2, 1), (1, 2), (last - 1, last - 1),
             (2, 40), (45, 2), (33, 33), (7, 60), (60, 7), (1, 0), (0, 1), (last - 2, last),
             (10, 10)]
    # Values on a 1/256 grid: exact in float32 and a few kB compressed.
    heatmaps = rng.integers(0, 13, (2 * K, size, size)) / 256
    for k, (x, y) in enumerate(cells):
        heatmaps[k, y, x] = 1.0
        for dx, dy in ((-1, 0), (1, 0), (0, -1), (0, 1)):
            if 0 <= x + dx < size and 0 <= y + dy < size:
                heatmaps[k, y + dy, x + dx] = rng.integers(77, 231) / 256
    heatmaps[-1] = -rng.integers(26, 256, (size, size)) / 256
    heatmaps = heatmaps.astype(np.float32)
    return heatmaps.reshape(2, K, size, size)


def border_decoding(rng):
    """Crafted border peaks decoded by the authors' ``keypoints_from_heatmaps``."""
    heatmaps = border_heatmaps(rng)
    center = np.array([[130.0, 95.5], [61.25, 300.0]], np.float32)
    scale = np.array([[1.1, 1.1], [0.75, 0.75]], np.float32)
    preds, maxvals = keypoints_from_heatmaps(heatmaps, center, scale, post_process='default')
    return {'decode/heatmaps': torch.from_numpy(heatmaps),
            'decode/center': torch.from_numpy(center), 'decode/scale': torch.from_numpy(scale),
            'decode/keypoints': torch.from_numpy(
                np.concatenate([preds, maxvals], axis=-1).astype(np.float32))}


# (image width, height) and COCO boxes (x, y, w, h): inside, fractional, touching and crossing
# each border, narrower than a pixel, of zero area (dropped by 0.x), starting past the image.
BOX_CASES = [
    ((640, 480), [100.0, 50.0, 200.0, 120.0], 24000.0),
    ((640, 480), [10.3, 20.7, 55.2, 80.9], 4466.0),
    ((640, 480), [0.0, 0.0, 640.0, 480.0], 307200.0),
    ((640, 480), [-12.5, -3.0, 100.0, 90.0], 9000.0),
    ((640, 480), [600.0, 400.0, 80.0, 120.0], 9600.0),
    ((640, 480), [300.0, 200.0, 0.6, 40.0], 24.0),
    ((640, 480), [300.0, 200.0, 30.0, 40.0], 0.0),
    ((320, 512), [319.5, 10.0, 5.0, 100.0], 500.0),
    ((320, 512), [40.0, 100.0, 1.5, 1.5], 2.25),
    ((320, 512), [5.0, 6.0, 250.0, 500.0], 125000.0),
]


def record_boxes(path):
    """Write ``ap10k_boxes.json``: BOX_CASES as an AP-10K file and the authors' centres/scales."""
    images, annotations = [], []
    for i, ((w, h), box, area) in enumerate(BOX_CASES):
        images.append(dict(id=i + 1, file_name=f'{i + 1:012d}.jpg', width=w, height=h))
        x, y, bw, bh = box
        kpts = [x + bw / 2, y + bh / 2, 2] + [0, 0, 0] * (K - 1)
        annotations.append(dict(id=100 + i, image_id=i + 1, category_id=1, bbox=box, area=area,
                                iscrowd=0, num_keypoints=1, keypoints=kpts))
    coco = dict(images=images, annotations=annotations,
                categories=[dict(id=1, name='antelope', supercategory='Bovidae',
                                 keypoints=list(CLASS_NAMES), skeleton=[])])
    ann_path = path + '.tmp-ann.json'
    with open(ann_path, 'w') as f:
        json.dump(coco, f)
    from mmcv import Config
    info = Config.fromfile(osp.join(osp.dirname(osp.dirname(osp.abspath(
        __import__('mmpose').__file__))), 'configs/_base_/datasets/ap10k.py')).dataset_info
    data_cfg = dict(image_size=[256, 256], heatmap_size=[64, 64], num_output_channels=K,
                    num_joints=K, dataset_channel=[list(range(K))],
                    inference_channel=list(range(K)), soft_nms=False, nms_thr=1.0, oks_thr=0.9,
                    vis_thr=0.2, use_gt_bbox=True, det_bbox_thr=0.0, bbox_file='')
    dataset = DATASETS.get('AnimalAP10KDataset')(ann_path, '', data_cfg, [], info,
                                                test_mode=True)
    os.remove(ann_path)
    # One instance per image: the image id names the instance.
    records = [dict(image_id=int(osp.basename(r['image_file']).split('.')[0]),
                    center=[float(v) for v in r['center']], scale=[float(v) for v in r['scale']])
               for r in dataset.db]
    with open(path, 'w') as f:
        json.dump(dict(annotations=coco, authors=records), f, indent=1)
    print(f'{path}: {len(records)} of {len(annotations)} boxes kept by the authors\' dataset')


def record(arch, spec, seed):
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    model = build_posenet(spec['cfg'])
    redraw_weights(model, generator)
    model.eval()
    size, grid = spec['input_size'], spec['grid']
    images = test_images(size, generator)
    initial = copy.deepcopy(model.state_dict())
    data = {f'state_dict/{k}': v for k, v in initial.items()}
    data['input/images'] = images
    centers = np.array([[120.0, 90.0], [300.5, 210.25]], np.float32)
    scales = np.array([[1.3, 1.3], [0.9, 0.9]], np.float32)
    data['input/center'] = torch.from_numpy(centers)
    data['input/scale'] = torch.from_numpy(scales)

    with torch.no_grad():
        feats = model.backbone(images)
        global_embedding, dense = feats[4]
        text = model.text_encoder(model.texts, model.contexts)  # (1, K, C)
        prompt_encoder = model.prompt_encoder(text)
        prompts, decoder_input, score_maps = model.spatial_adapt(feats)
        data.update({
            'stage/text_embeddings': text[0], 'stage/prompt_encoder': prompt_encoder[0],
            'stage/prompts': prompts, 'stage/dense': dense, 'stage/global': global_embedding,
            'stage/score_maps': score_maps,
            'test/heatmaps': model.keypoint_head(decoder_input)})
        metas = [dict(image_file=f'img{i}.jpg', center=centers[i], scale=scales[i], rotation=0,
                      bbox_score=1.0, bbox_id=i, flip_pairs=FLIP_PAIRS) for i in range(2)]
        result = model(images, img_metas=metas, return_loss=False, return_heatmap=True)
        data['test/heatmaps_flip'] = torch.from_numpy(result['output_heatmap'])
        data['test/keypoints_flip'] = torch.from_numpy(result['preds'])
        model.test_cfg['flip_test'] = False
        result = model(images, img_metas=metas, return_loss=False, return_heatmap=True)
        model.test_cfg['flip_test'] = True
        data['test/keypoints'] = torch.from_numpy(result['preds'])
    data.update(border_decoding(np.random.default_rng(1000 + seed)))

    rng = np.random.default_rng(seed)
    for case, (xy, vis) in keypoint_cases(size, rng).items():
        targets = make_targets(xy, vis, size, grid)
        data[f'target_{case}/keypoints'] = torch.from_numpy(xy)
        data[f'target_{case}/visibility'] = torch.from_numpy(vis)
        for key, value in targets.items():
            data[f'target_{case}/{key}'] = value
        for mode in ('eval', 'train'):
            # A train-mode forward updates BatchNorm's running statistics: start each run from
            # the recorded weights.
            model.load_state_dict(initial)
            model.train(mode == 'train')
            for m in model.modules():  # the only randomness: dropout and drop path
                if isinstance(m, torch.nn.Dropout):
                    m.p = 0.0
                if hasattr(m, 'drop_prob'):
                    m.drop_prob = 0.0
            with torch.no_grad():
                losses = model(images, target=(targets['heatmaps'], targets['coarse']),
                               target_weight=(targets['weights'], targets['coarse_weights']),
                               img_metas=metas, return_loss=True)
            for name in ('mse_loss', 'spatial_loss', 'feature_loss'):
                data[f'loss_{case}_{mode}/{name}'] = losses[name].detach().reshape(())
        model.eval()
    # Weights and images hold float16 values (see redraw_weights, test_images): stored as such.
    exact_half = ('state_dict/', 'input/images')
    return {k: (v.half() if k.startswith(exact_half) else v.float()).numpy()
            if v.is_floating_point() else v.numpy() for k, v in data.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--out', required=True, help='folder for <arch>.npz')
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    record_boxes(osp.join(args.out, 'ap10k_boxes.json'))
    for i, (arch, spec) in enumerate(ARCHS.items()):
        data = record(arch, spec, args.seed + i)
        path = osp.join(args.out, f'{arch}.npz')
        np.savez_compressed(path, **data)
        hm = data['test/heatmaps']
        print(f'{path}: {len(data)} arrays, {osp.getsize(path) / 1e6:.2f} MB, heatmaps '
              f'|mean| {np.abs(hm).mean():.3f}, losses '
              + ', '.join(f'{k.split("/")[-1]}={float(v):.4f}' for k, v in data.items()
                          if k.startswith('loss_visible_eval')))


if __name__ == '__main__':
    main()
