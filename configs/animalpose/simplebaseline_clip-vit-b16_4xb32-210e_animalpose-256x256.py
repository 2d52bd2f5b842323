# SimpleBaseline on the CLIP ViT-B/16 image encoder on Animal-Pose: CLAMP ViT-B/16 without the
# language side.
_base_ = ['./clamp_clip-vit-b16_4xb32-210e_animalpose-256x256.py']

model = dict(
    backbone=dict(out_embeddings=False),
    head=dict(
        _delete_=True,
        type='HeatmapHead',
        in_channels=768,
        out_channels=20,
        deconv_out_channels=(256, 256),
        deconv_kernel_sizes=(4, 4),
        loss=dict(type='KeypointMSELoss', use_target_weight=True),
        decoder={{_base_.codec}}))
