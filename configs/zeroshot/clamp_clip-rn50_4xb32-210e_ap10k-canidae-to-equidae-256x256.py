# Zero-shot across families (Table S4): CLAMP with CLIP RN50, trained on the Canidae instances of
# AP-10K train-split1, validated and tested on the Equidae instances of val-split1 (the paper's
# evaluation split) (paper: 28.4 AP). Same recipe as the supervised config; the family is the
# supercategory of each AP-10K category.
_base_ = ['../ap10k/clamp_clip-rn50_4xb32-210e_ap10k-256x256.py']

train_dataloader = dict(
    dataset=dict(type='AP10KSubsetDataset', subset=dict(families=['Canidae'])))
val_dataloader = dict(
    dataset=dict(type='AP10KSubsetDataset', subset=dict(families=['Equidae'])))
test_dataloader = dict(
    dataset=dict(type='AP10KSubsetDataset', subset=dict(families=['Equidae'])))
# Ground truth from the evaluated (selected) samples, not from the whole annotation file.
val_evaluator = dict(ann_file=None)
test_evaluator = dict(ann_file=None)
