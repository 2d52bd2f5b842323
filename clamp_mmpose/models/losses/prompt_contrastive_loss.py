"""CLAMP's feature loss: contrast each keypoint's visual feature with the keypoint prompts."""
import math
from typing import Optional

import torch
import torch.nn.functional as F
from mmpose.registry import MODELS
from torch import Tensor, nn

from ..utils.keypoint_language import prompt_contrastive_logits


@MODELS.register_module()
class PromptContrastiveLoss(nn.Module):
    """Symmetric per-image cross-entropy between keypoint features and prompts (L_feature).

    For each image the K x K logits ``exp(s) * v_k . p_j`` have keypoint k's prompt as the
    positive of keypoint k's feature and the image's other keypoints as negatives (no
    cross-image negatives). The row (feature -> prompt) and column (prompt -> feature)
    cross-entropies are averaged, each keypoint's term weighted by its visibility weight, and
    the mean over all B * K terms is scaled by ``loss_weight``.

    The temperature is learnable: ``s`` starts at log(1 / 0.07) as in CLIP. The authors leave
    ``exp(s)`` uncapped; ``max_logit_scale`` caps it (CLIP's own training caps it at 100).

    Args:
        loss_weight: 5e-4 in CLAMP.
        init_logit_scale: initial value of s.
        max_logit_scale: cap of exp(s), or ``None`` for none (the authors').
    """

    def __init__(self, loss_weight: float = 5e-4, init_logit_scale: float = math.log(1 / 0.07),
                 max_logit_scale: Optional[float] = None):
        super().__init__()
        self.loss_weight = loss_weight
        self.max_logit_scale = max_logit_scale
        self.logit_scale = nn.Parameter(torch.tensor(float(init_logit_scale)))

    def forward(self, features: Tensor, prompts: Tensor, keypoint_weights: Tensor) -> Tensor:
        """features v (B, K, C), prompts p (B, K, C), keypoint_weights (B, K) -> scalar."""
        scale = self.logit_scale.exp()
        if self.max_logit_scale is not None:
            scale = scale.clamp(max=self.max_logit_scale)
        logits = prompt_contrastive_logits(features.float(), prompts.float(), scale)
        b, k, _ = logits.shape
        # Rows (feature -> prompt) and columns (prompt -> feature) in one cross-entropy call:
        # (2 * B * K, K) logits, each term's target its own keypoint.
        both = torch.stack([logits, logits.transpose(1, 2)]).reshape(2 * b * k, k)
        target = torch.arange(k, device=logits.device).repeat(2 * b)
        terms = F.cross_entropy(both, target, reduction='none').view(2, b * k)
        # The mean of 0.5 * (row + column) * weight over the B * K keypoints.
        per_term = terms * keypoint_weights.reshape(1, -1).float()
        return per_term.mean() * self.loss_weight
