# CLAMP with CLIP RN50 on Animal-Pose (MMPose's split and evaluation; the paper reports no
# Animal-Pose figure). The AP-10K recipe (model, optimizer, augmentation, schedule) with
# Animal-Pose's 20 keypoints as the prompts and the data set settings of MMPose's own
# td-hm_res50_8xb64-210e_animalpose-256x256.py.
_base_ = ['../ap10k/clamp_clip-rn50_4xb32-210e_ap10k-256x256.py']

# 'L_F_Elbow' and friends are read as words ('left front elbow'): see keypoint_words.json, or
# run `clamp-mmpose prompts` on this config.
model = dict(
    head=dict(
        out_channels=20,
        keypoint_names=dict(_delete_=True,
                            from_file='configs/_base_/datasets/animalpose.py')))

# MMPose's AnimalPoseDataset with this project's options (bbox_center_jitter, subset).
data_root = 'data/animalpose/'
animalpose = dict(type='AnimalPoseSubsetDataset', data_root=data_root, data_prefix=dict(img=''))
train_dataloader = dict(dataset=dict(animalpose, ann_file='annotations/animalpose_train.json'))
val_dataloader = dict(dataset=dict(animalpose, ann_file='annotations/animalpose_val.json'))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'annotations/animalpose_val.json')
test_evaluator = val_evaluator
