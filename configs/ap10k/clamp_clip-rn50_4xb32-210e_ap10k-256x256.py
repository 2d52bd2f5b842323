# CLAMP with CLIP RN50 on AP-10K split 1 (paper: 72.9 AP on val, which `test` evaluates too).
# Everything not stated here (dataset, codec, flip test, schedule, evaluator) comes from MMPose's
# own AP-10K SimpleBaseline config.
_base_ = ['mmpose::animal_2d_keypoint/topdown_heatmap/ap10k/'
          'td-hm_res50_8xb64-210e_ap10k-256x256.py']
custom_imports = dict(imports=['clamp_mmpose'], allow_failed_imports=False)

# OpenAI's CLIP RN50 TorchScript archive (or an open_clip checkpoint of the same arch).
# Override both keys: --cfg-options model.backbone.pretrained=<file> model.head.clip_weights=<file>
# The attention pool's positional table is stored at the training grid (8x8 at 256x256): CLIP's
# 7x7 one is resized into it bilinearly when the weights load, as the authors do.
clip_arch = dict(name='RN50', vision_cfg=dict(image_size=256))
clip_weights = 'data/clip/RN50.pt'

# AdamW. As the authors: no weight decay for parameters whose name says 'bias' or 'norm' (so
# BatchNorm and most LayerNorm weights are decayed); their prompt encoder's LayerNorm is called
# ln_final, hence the last key. The frozen text encoder (requires_grad=False) is left out of the
# optimizer, with one log line rather than a warning per tensor. foreach: one multi-tensor
# call per update stage instead of one call per parameter tensor (PyTorch picks it by itself on
# CUDA but not on the CPU; the same updates). Every config here inherits it, baselines included.
optim_wrapper = dict(
    constructor='CLAMPOptimWrapperConstructor',
    optimizer=dict(type='AdamW', lr=5e-4, weight_decay=1e-4, foreach=True),
    paramwise_cfg=dict(
        _delete_=True,
        custom_keys={
            'bias': dict(decay_mult=0.0),
            'norm': dict(decay_mult=0.0),
            'prompt_encoder.norm.weight': dict(decay_mult=1.0)
        }))
# Paper: 4 GPUs x 32 images.
auto_scale_lr = dict(base_batch_size=128)
# A NaN or infinite loss term stops training before a checkpoint is written. compile=True
# (MMEngine's torch.compile of the training step; CUDA graphs too with
# compile=dict(mode='reduce-overhead')) works through CompileTrainStepHook; off by default.
custom_hooks = [dict(type='SyncBuffersHook'), dict(type='NonFiniteLossHook'),
                dict(type='CompileTrainStepHook')]

# MMPose's MSRA heatmaps, decoded as the authors' MMPose 0.x decodes them: a peak on the
# heatmap's border is not moved by the quarter-pixel refinement (clamp_mmpose/codecs).
codec = dict(
    type='InteriorRefineMSRAHeatmap', input_size=(256, 256), heatmap_size=(64, 64), sigma=2)

model = dict(
    backbone=dict(
        _delete_=True,
        type='CLIPImageEncoder',
        arch=clip_arch,
        pretrained=clip_weights),
    head=dict(
        type='CLAMPHead',
        in_channels=2048,
        clip_arch=clip_arch,
        clip_weights=clip_weights,
        # AP-10K's keypoints, read as the authors' words ('L_F_Paw' -> 'left front paw', 'Root
        # of tail' -> 'tail root'): the AP-10K table of clamp_mmpose/keypoints/keypoint_words.json.
        keypoint_names=dict(from_file='configs/_base_/datasets/ap10k.py'),
        # The head's defaults are the authors' choices, stated here for the reader: QuickGELU in
        # the prompt encoder, PyTorch's own init of the spatial upsampler, the feature loss read
        # at the authors' coarse-target cells, an uncapped contrastive temperature.
        prompt_encoder=dict(num_heads=8, quick_gelu=True),
        spatial_upsampler=dict(
            deconv_out_channels=(256, 256, 256), deconv_kernel_sizes=(4, 4, 4),
            init='pytorch'),
        keypoint_cell_rule='authors',
        loss_spatial=dict(
            type='KeypointMSELoss', use_target_weight=True, loss_weight=0.4),
        loss_feature=dict(
            type='PromptContrastiveLoss', loss_weight=5e-4, max_logit_scale=None),
        decoder=codec))

# The paper's augmentation (no random shift); the feature loss needs the keypoints in
# input-image coordinates, hence pack_transformed.
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale', padding=1.25),
    dict(type='RandomFlip', direction='horizontal', prob=0.5),
    dict(type='RandomHalfBody', prob=0.3),
    dict(
        type='RandomBBoxTransform',
        shift_prob=0.0,
        scale_factor=(0.5, 1.5),
        rotate_factor=80.0,
        rotate_prob=0.6),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs', pack_transformed=True)
]
# MMPose's AP10KDataset, plus a check of every annotation as it is read (and the optional
# subset=dict(...) that the protocol configs use). Ground-truth boxes are read as the authors'
# MMPose 0.x read them (x + w - 1: half a pixel from MMPose 1.x's centre).
dataset_type = 'AP10KSubsetDataset'
data_root = 'data/ap10k/'
# As the authors: 30% of the training boxes get their centre shifted by up to 0.2 of their size,
# once, when the annotations load.
train_dataloader = dict(
    batch_size=32,
    dataset=dict(
        type=dataset_type,
        pipeline=train_pipeline,
        bbox_rule='authors',
        bbox_center_jitter=dict(prob=0.3, max_shift=0.2, seed=0)))
# The paper's figures are on val split 1, which the authors' configs also test on; MMPose's
# base config tests on test split 1 (override ann_file for that).
val_dataloader = dict(
    dataset=dict(
        type=dataset_type, ann_file='annotations/ap10k-val-split1.json', bbox_rule='authors'))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'annotations/ap10k-val-split1.json')
test_evaluator = val_evaluator
