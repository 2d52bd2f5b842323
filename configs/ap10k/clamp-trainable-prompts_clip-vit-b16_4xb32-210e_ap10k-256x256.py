# Table S2 ablation: CLAMP ViT-B/16 with the text-encoded prompt embeddings replaced by a
# trainable K x C_t matrix (no text encoder); everything else as CLAMP (paper: 72.8 AP).
_base_ = ['./clamp_clip-vit-b16_4xb32-210e_ap10k-256x256.py']

model = dict(head=dict(prompt_source='learnable', clip_weights=None))
