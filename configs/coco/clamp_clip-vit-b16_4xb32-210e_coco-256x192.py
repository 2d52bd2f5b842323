# CLAMP with CLIP ViT-B/16 on COCO human pose (supplementary 1.4): the AP-10K recipe and model
# with COCO's 17 keypoint names as the prompts. Input 256x192 (h x w) with 64x48 heatmaps, MMPose's
# COCO top-down standard (the paper does not state the size); the 16x12 token grid gets resized
# positional embeddings. Data and evaluation as MMPose's COCO configs: train2017, val2017 with
# MMPose's person detections (AP 56 detector) and flip test. The low-data configs
# (*_coco-{1,2,3,5,10}pct-*) inherit this one.
_base_ = ['../ap10k/clamp_clip-vit-b16_4xb32-210e_ap10k-256x256.py']

codec = dict(
    type='InteriorRefineMSRAHeatmap', input_size=(192, 256), heatmap_size=(48, 64), sigma=2)

model = dict(
    head=dict(
        out_channels=17,
        keypoint_names=dict(_delete_=True, from_file='configs/_base_/datasets/coco.py'),
        decoder=codec))

# MMPose's CocoDataset with this project's options (subset, bbox_center_jitter).
dataset_type = 'CocoSubsetDataset'
data_root = 'data/coco/'
# The paper's augmentation (as for AP-10K), at COCO's input size.
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
train_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='annotations/person_keypoints_train2017.json',
        data_prefix=dict(img='train2017/'),
        pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='annotations/person_keypoints_val2017.json',
        bbox_file='data/coco/person_detection_results/'
        'COCO_val2017_detections_AP_H_56_person.json',
        data_prefix=dict(img='val2017/'),
        pipeline=val_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'annotations/person_keypoints_val2017.json')
test_evaluator = val_evaluator
