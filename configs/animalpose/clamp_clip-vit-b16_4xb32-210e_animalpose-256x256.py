# CLAMP with CLIP ViT-B/16 on Animal-Pose: the AP-10K ViT-B/16 recipe on Animal-Pose's data
# (as clamp_clip-rn50_4xb32-210e_animalpose-256x256.py, whose data settings this takes).
_base_ = ['../ap10k/clamp_clip-vit-b16_4xb32-210e_ap10k-256x256.py']

model = dict(
    head=dict(
        out_channels=20,
        keypoint_names=dict(_delete_=True,
                            from_file='configs/_base_/datasets/animalpose.py')))

data_root = 'data/animalpose/'
animalpose = dict(type='AnimalPoseSubsetDataset', data_root=data_root, data_prefix=dict(img=''))
train_dataloader = dict(dataset=dict(animalpose, ann_file='annotations/animalpose_train.json'))
val_dataloader = dict(dataset=dict(animalpose, ann_file='annotations/animalpose_val.json'))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'annotations/animalpose_val.json')
test_evaluator = val_evaluator
