# CLAMP with CLIP ViT-B/16 on AP-10K split 1 (paper: 74.3 AP on val).
_base_ = ['./clamp_clip-rn50_4xb32-210e_ap10k-256x256.py']

clip_arch = 'ViT-B-16'
clip_weights = 'data/clip/ViT-B-16.pt'

# The ViT backbone learns at 0.1x; norms get no weight decay, biases do.
optim_wrapper = dict(
    paramwise_cfg=dict(
        _delete_=True, norm_decay_mult=0.0, custom_keys={'backbone': dict(lr_mult=0.1)}))

model = dict(
    backbone=dict(arch=clip_arch, pretrained=clip_weights, drop_path_rate=0.4),
    head=dict(
        in_channels=768,
        clip_arch=clip_arch,
        clip_weights=clip_weights,
        deconv_out_channels=(256, 256),
        deconv_kernel_sizes=(4, 4),
        spatial_upsampler=dict(deconv_out_channels=(17, 17), deconv_kernel_sizes=(4, 4)),
        loss_spatial=dict(loss_weight=2.0)))
