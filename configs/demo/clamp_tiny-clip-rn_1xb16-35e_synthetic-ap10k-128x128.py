# The `make demo` config: CLAMP with a small, randomly initialised CLIP ResNet on generated
# animals in AP-10K's format (clamp_mmpose/datasets/synthetic/), sized to train in a
# few minutes on 2 CPU cores. It inherits the paper's CLAMP RN50 config and changes only
# sizes and schedule: the same CLIPImageEncoder + CLAMPHead (text prompts through a frozen CLIP
# text encoder, prompt encoder, context decoder, score maps, heatmap + spatial + feature
# losses), AP10KDataset, flip test and CocoMetric. No file is read besides the data.
_base_ = ['../ap10k/clamp_clip-rn50_4xb32-210e_ap10k-256x256.py']

# A CLIP-style modified ResNet (open_clip config schema): 4 stages of 1 bottleneck, width 24
# (768-channel feature map, stride 32: 4x4 at 128x128), joint space 128; a 1-layer text
# transformer of width 64.
tiny_clip = dict(
    embed_dim=128,
    vision_cfg=dict(layers=[1, 1, 1, 1], width=24, image_size=128),
    text_cfg=dict(context_length=77, vocab_size=49408, width=64, heads=2, layers=1))
input_size = 128
max_epochs = 35
batch_size = 16
data_root = 'data/synthetic_ap10k/'

codec = dict(type='InteriorRefineMSRAHeatmap', input_size=(input_size, input_size),
             heatmap_size=(input_size // 4, input_size // 4), sigma=2)

# The base's top-level names; this config's model uses tiny_clip and no weight file.
clip_arch = None
clip_weights = None
model = dict(
    backbone=dict(arch=dict(_delete_=True, **tiny_clip), pretrained=None),
    head=dict(
        in_channels=32 * tiny_clip['vision_cfg']['width'],
        clip_arch=dict(_delete_=True, **tiny_clip),
        clip_weights=None,
        deconv_out_channels=(64, 64, 64),
        context_decoder=dict(width=128, num_heads=4, num_layers=2),
        spatial_upsampler=dict(deconv_out_channels=(64, 64, 64)),
        decoder=codec))

# The paper's augmentation, milder (the demo trains for minutes, not 210 epochs).
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale', padding=1.25),
    dict(type='RandomFlip', direction='horizontal', prob=0.5),
    dict(type='RandomHalfBody', prob=0.3),
    dict(type='RandomBBoxTransform', shift_prob=0.0, scale_factor=(0.75, 1.25),
         rotate_factor=30.0, rotate_prob=0.5),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs', pack_transformed=True)
]
val_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='PackPoseInputs')
]
train_dataloader = dict(
    batch_size=batch_size, num_workers=1, persistent_workers=True,
    dataset=dict(data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=32, num_workers=1, persistent_workers=True,
    dataset=dict(data_root=data_root, pipeline=val_pipeline))
# The paper configs test on val (as the authors); the demo keeps its test split apart.
test_dataloader = dict(
    batch_size=32, num_workers=1, persistent_workers=True,
    dataset=dict(
        data_root=data_root, ann_file='annotations/ap10k-test-split1.json',
        pipeline=val_pipeline))
val_evaluator = dict(ann_file=data_root + 'annotations/ap10k-val-split1.json')
test_evaluator = dict(ann_file=data_root + 'annotations/ap10k-test-split1.json')

# AdamW as in the paper (same parameter groups), higher lr for the short schedule:
# 50 warm-up iterations, then cosine decay.
optim_wrapper = dict(optimizer=dict(lr=2e-3))
auto_scale_lr = dict(base_batch_size=batch_size)
param_scheduler = [
    dict(type='LinearLR', begin=0, end=50, start_factor=0.01, by_epoch=False),
    dict(type='CosineAnnealingLR', begin=0, end=max_epochs, T_max=max_epochs,
         eta_min_ratio=0.01, by_epoch=True),
]
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
default_hooks = dict(
    logger=dict(interval=20),
    checkpoint=dict(interval=max_epochs, max_keep_ckpts=1, save_best=None))
randomness = dict(seed=0)
