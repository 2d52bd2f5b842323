# SimpleBaseline on the CLIP RN50 image encoder (paper: 70.9 AP): CLAMP RN50 without the
# language side. MMPose's HeatmapHead on layer4; same data, recipe and schedule.
_base_ = ['./clamp_clip-rn50_4xb32-210e_ap10k-256x256.py']

model = dict(
    backbone=dict(out_embeddings=False),
    head=dict(
        _delete_=True,
        type='HeatmapHead',
        in_channels=2048,
        out_channels=17,
        loss=dict(type='KeypointMSELoss', use_target_weight=True),
        decoder={{_base_.codec}}))
