# Few-shot AP-10K: SimpleBaseline on the CLIP ViT-B/16 image encoder, trained on 10 annotated
# instances of each of the 54 species of train-split1 (drawn at random with subset.seed; for one
# seed the 5-shot set is part of the 10-shot set, which is part of the 20-shot set), evaluated on
# the whole val-split1. No paper figure for this N. Other seeds: --cfg-options
# train_dataloader.dataset.subset.seed=S --work-dir work_dirs/<this config>_seedS.
_base_ = ['../ap10k/simplebaseline_clip-vit-b16_4xb32-210e_ap10k-256x256.py']

train_dataloader = dict(
    dataset=dict(type='AP10KSubsetDataset', subset=dict(shots_per_species=10, seed=0)))
