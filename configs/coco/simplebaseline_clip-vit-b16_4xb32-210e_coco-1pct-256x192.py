# COCO low-data regime (Table S5, AP@1%): SimpleBaseline ViT-B/16 trained on a random 1% of the
# COCO train2017 images that hold an annotated person (subset.seed picks them; for one seed the 1%
# set is part of the 2% set, and so on), evaluated on val2017 like the full-data config. The paper
# averages three random samplings: seeds 0, 1, 2, as --cfg-options
# train_dataloader.dataset.subset.seed=S --work-dir work_dirs/<this config>_seedS (seed 0 may stay
# in work_dirs/<this config>).
_base_ = ['./simplebaseline_clip-vit-b16_4xb32-210e_coco-256x192.py']

train_dataloader = dict(
    dataset=dict(type='CocoSubsetDataset', subset=dict(image_percent=1, seed=0)))
