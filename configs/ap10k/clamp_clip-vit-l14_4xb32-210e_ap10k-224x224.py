# CLAMP with CLIP ViT-L/14 on AP-10K split 1 at 224x224 (paper, Table S3: 77.8 AP).
_base_ = ['./clamp_clip-vit-b16_4xb32-210e_ap10k-256x256.py']

# The authors' text encoder splits CLIP ViT-L/14's 768-wide text transformer into 8 heads (its
# own has 12); their released model was trained so.
clip_arch = dict(name='ViT-L-14', text_cfg=dict(heads=8))
clip_weights = 'data/clip/ViT-L-14.pt'

# 224 / 14 = 16x16 tokens; two deconvolutions give 64x64 heatmaps.
codec = dict(
    type='InteriorRefineMSRAHeatmap', input_size=(224, 224), heatmap_size=(64, 64), sigma=2)

model = dict(
    backbone=dict(arch=clip_arch, pretrained=clip_weights),
    head=dict(
        in_channels=1024,
        clip_arch=clip_arch,
        clip_weights=clip_weights,
        loss_spatial=dict(loss_weight=1.0),
        decoder=codec))

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
val_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale'),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='PackPoseInputs')
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = val_dataloader
