# SimpleBaseline on the CLIP ViT-L/14 image encoder at 224x224 (paper, Table S3: 76.9 AP):
# CLAMP ViT-L/14 without the language side.
_base_ = ['./clamp_clip-vit-l14_4xb32-210e_ap10k-224x224.py']

model = dict(
    backbone=dict(out_embeddings=False),
    head=dict(
        _delete_=True,
        type='HeatmapHead',
        in_channels=1024,
        out_channels=17,
        deconv_out_channels=(256, 256),
        deconv_kernel_sizes=(4, 4),
        loss=dict(type='KeypointMSELoss', use_target_weight=True),
        decoder={{_base_.codec}}))
