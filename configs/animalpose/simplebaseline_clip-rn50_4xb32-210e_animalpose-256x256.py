# SimpleBaseline on the CLIP RN50 image encoder on Animal-Pose: CLAMP RN50 without the language
# side, same data, recipe and schedule. MMPose's model zoo: SimpleBaseline res50 (ImageNet)
# 69.1 AP, HRNet-w32 74.0 AP on Animal-Pose val.
_base_ = ['./clamp_clip-rn50_4xb32-210e_animalpose-256x256.py']

model = dict(
    backbone=dict(out_embeddings=False),
    head=dict(
        _delete_=True,
        type='HeatmapHead',
        in_channels=2048,
        out_channels=20,
        loss=dict(type='KeypointMSELoss', use_target_weight=True),
        decoder={{_base_.codec}}))
