# Zero-shot across data sets: a CLAMP RN50 model trained on AP-10K (clamp_clip-rn50_4xb32-210e_
# ap10k-256x256.py, or the authors' converted checkpoint) tested on Animal-Pose val, on the 8
# keypoints whose words the two data sets share (eyes, nose, tail root, paws). Animal-Pose's
# keypoints are read into the model's AP-10K layout by their words; COCO AP counts only the
# shared ones (the others are not predicted). Test only:
#   mim test mmpose configs/multidataset/clamp_clip-rn50_ap10k-to-animalpose-256x256.py \
#       --checkpoint work_dirs/clamp_clip-rn50_4xb32-210e_ap10k-256x256/best_coco_AP_epoch_*.pth
_base_ = ['../ap10k/clamp_clip-rn50_4xb32-210e_ap10k-256x256.py']

model_keypoints = dict(from_file='configs/_base_/datasets/ap10k.py')
animalpose_val = dict(
    type='AnimalPoseDataset',
    data_root='data/animalpose/',
    data_mode='topdown',
    ann_file='annotations/animalpose_val.json',
    data_prefix=dict(img=''),
    test_mode=True)
test_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='KeypointUnionDataset',
        keypoints=model_keypoints,
        datasets=[animalpose_val],
        pipeline={{_base_.val_pipeline}},
        test_mode=True))
test_evaluator = dict(
    _delete_=True,
    type='KeypointUnionEvaluator',
    keypoints=model_keypoints,
    metrics=[dict(type='CocoMetric', ann_file='data/animalpose/annotations/animalpose_val.json')],
    datasets=[animalpose_val])
