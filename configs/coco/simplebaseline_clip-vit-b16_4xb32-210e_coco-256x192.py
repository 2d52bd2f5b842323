# SimpleBaseline on the CLIP ViT-B/16 image encoder on COCO human pose: the COCO CLAMP config
# without the language side (MMPose's HeatmapHead on the last tokens), as for AP-10K.
_base_ = ['./clamp_clip-vit-b16_4xb32-210e_coco-256x192.py']

model = dict(
    backbone=dict(out_embeddings=False),
    head=dict(
        _delete_=True,
        type='HeatmapHead',
        in_channels=768,
        out_channels=17,
        deconv_out_channels=(256, 256),
        deconv_kernel_sizes=(4, 4),
        loss=dict(type='KeypointMSELoss', use_target_weight=True),
        decoder={{_base_.codec}}))
