# The SimpleBaseline beside `make demo`'s CLAMP: the same tiny, randomly initialised CLIP
# ResNet, data, recipe and schedule, with MMPose's HeatmapHead in place of the language side.
# Trained on the demo's data (`make demo` first), it is what docs/inference.md's comparison
# picture sets against the demo's CLAMP:
#   mim train mmpose configs/demo/simplebaseline_tiny-clip-rn_1xb16-35e_synthetic-ap10k-128x128.py
_base_ = ['./clamp_tiny-clip-rn_1xb16-35e_synthetic-ap10k-128x128.py']

model = dict(
    backbone=dict(out_embeddings=False),
    head=dict(
        _delete_=True,
        type='HeatmapHead',
        in_channels={{_base_.model.head.in_channels}},
        out_channels=17,
        deconv_out_channels=(64, 64, 64),
        loss=dict(type='KeypointMSELoss', use_target_weight=True),
        decoder={{_base_.codec}}))
