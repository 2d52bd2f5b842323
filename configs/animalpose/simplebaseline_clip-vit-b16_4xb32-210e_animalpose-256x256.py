# SimpleBaseline on the CLIP ViT-B/16 image encoder on Animal-Pose: CLAMP ViT-B/16 without the
# language side.
_base_ = ['./clamp_clip-vit-b16_4xb32-210e_animalpose-256x256.py']

optim_wrapper = dict(
    paramwise_cfg=dict(
        _delete_=True, norm_decay_mult=0.0, custom_keys={'backbone': dict(lr_mult=0.1)}))

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
