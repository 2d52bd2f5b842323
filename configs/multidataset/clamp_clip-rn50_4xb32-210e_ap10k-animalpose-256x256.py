# One CLAMP model (CLIP RN50) for AP-10K and Animal-Pose together. Its keypoints are the union
# of the two data sets' keypoints, merged by their words: keypoints that mean the same thing
# ('left eye', 'tail root', the four paws...) are one output and one prompt; the others are
# invisible in the data set that does not label them. The merge is printed when the data set is
# built (and by `clamp-mmpose prompts` on this config). Each data set is evaluated on its own
# keypoints with its own COCO AP: ap10k/AP and animalpose/AP.
_base_ = ['../ap10k/clamp_clip-rn50_4xb32-210e_ap10k-256x256.py']

keypoints = dict(
    union=[
        dict(from_file='configs/_base_/datasets/ap10k.py'),
        dict(from_file='configs/_base_/datasets/animalpose.py')
    ],
    # Words that differ but name one keypoint are merged by hand, e.g.
    # same=[('left elbow', 'left front elbow'), ('right elbow', 'right front elbow')]
    same=None)
num_keypoints = 29  # 17 + 20 - 8 shared; the head checks it against the union

model = dict(
    head=dict(out_channels=num_keypoints, keypoint_names=dict(_delete_=True, **keypoints)))

jitter = dict(prob=0.3, max_shift=0.2, seed=0)
ap10k_train = dict(
    type='AP10KSubsetDataset',
    data_root='data/ap10k/',
    data_mode='topdown',
    ann_file='annotations/ap10k-train-split1.json',
    data_prefix=dict(img='data/'),
    bbox_center_jitter=jitter)
animalpose_train = dict(
    type='AnimalPoseSubsetDataset',
    data_root='data/animalpose/',
    data_mode='topdown',
    ann_file='annotations/animalpose_train.json',
    data_prefix=dict(img=''),
    bbox_center_jitter=jitter)
ap10k_val = dict(
    ap10k_train,
    ann_file='annotations/ap10k-val-split1.json',
    bbox_center_jitter=None,
    test_mode=True)
animalpose_val = dict(
    animalpose_train,
    ann_file='annotations/animalpose_val.json',
    bbox_center_jitter=None,
    test_mode=True)

train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='KeypointUnionDataset',
        keypoints=keypoints,
        datasets=[ap10k_train, animalpose_train],
        pipeline={{_base_.train_pipeline}}))
val_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='KeypointUnionDataset',
        keypoints=keypoints,
        datasets=[ap10k_val, animalpose_val],
        pipeline={{_base_.val_pipeline}},
        test_mode=True))
test_dataloader = val_dataloader
val_evaluator = dict(
    _delete_=True,
    type='KeypointUnionEvaluator',
    keypoints=keypoints,
    metrics=[
        dict(type='CocoMetric', ann_file='data/ap10k/annotations/ap10k-val-split1.json'),
        dict(type='CocoMetric', ann_file='data/animalpose/annotations/animalpose_val.json')
    ],
    datasets=[ap10k_val, animalpose_val])
test_evaluator = val_evaluator
default_hooks = dict(checkpoint=dict(save_best='ap10k/AP'))
