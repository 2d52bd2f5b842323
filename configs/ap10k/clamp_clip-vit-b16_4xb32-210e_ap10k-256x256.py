# CLAMP with CLIP ViT-B/16 on AP-10K split 1 (paper: 74.3 AP on val).
_base_ = ['./clamp_clip-rn50_4xb32-210e_ap10k-256x256.py']

# ViT-B-16's own 224 / 16 = 14x14 positional table, resized to 16x16 when the weights load.
clip_arch = dict(name='ViT-B-16', vision_cfg=dict(image_size=256))
clip_weights = 'data/clip/ViT-B-16.pt'

# As the authors: the ViT backbone learns at 0.1x with weight decay on all its parameters; the
# rest has none on parameters named 'norm' (biases are decayed).
optim_wrapper = dict(
    paramwise_cfg=dict(
        _delete_=True,
        custom_keys={
            'backbone': dict(lr_mult=0.1),
            'norm': dict(decay_mult=0.0),
            'prompt_encoder.norm': dict(decay_mult=1.0)
        }))

# The authors' ViT adds the class embedding to the CLS token twice, and its stochastic depth
# drops token positions shared by the batch (their blocks run sequence-first).
model = dict(
    backbone=dict(
        arch=clip_arch,
        pretrained=clip_weights,
        drop_path_rate=0.4,
        drop_path_mode='token',
        double_class_embedding=True),
    head=dict(
        in_channels=768,
        clip_arch=clip_arch,
        clip_weights=clip_weights,
        deconv_out_channels=(256, 256),
        deconv_kernel_sizes=(4, 4),
        spatial_upsampler=dict(deconv_out_channels=(17, 17), deconv_kernel_sizes=(4, 4)),
        loss_spatial=dict(loss_weight=2.0)))
