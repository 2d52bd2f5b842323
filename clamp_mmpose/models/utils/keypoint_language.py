"""The small pure functions that tie keypoint prompts to image features."""
import torch
import torch.nn.functional as F
from torch import Tensor


def keypoint_score_maps(dense: Tensor, prompts: Tensor, eps: float = 1e-6) -> Tensor:
    """Spatial-aware adaptation, S: cosine similarity of every position with every prompt.

    Args:
        dense: dense image embeddings (B, C, H, W).
        prompts: keypoint prompts (B, K, C), or (K, C) shared by the batch.

    Returns:
        score maps (B, K, H, W) in [-1, 1] (no temperature).
    """
    dense = F.normalize(dense, dim=1, eps=eps)
    prompts = F.normalize(prompts, dim=-1, eps=eps)
    if prompts.dim() == 2:
        return torch.einsum('bchw,kc->bkhw', dense, prompts)
    return torch.einsum('bchw,bkc->bkhw', dense, prompts)


def keypoint_cells(keypoints: Tensor, stride: int, grid_hw) -> Tensor:
    """Nearest feature-grid cell of each keypoint: round(xy / stride), clamped to the grid.

    Args:
        keypoints: (B, K, 2) x, y in input-image pixels.
        stride: input pixels per grid cell.
        grid_hw: (H, W) of the grid.

    Returns:
        (B, K) flat cell indices ``y * W + x``.
    """
    h, w = grid_hw
    cells = torch.round(keypoints / stride).long()
    x = cells[..., 0].clamp(0, w - 1)
    y = cells[..., 1].clamp(0, h - 1)
    return y * w + x


def gather_keypoint_features(dense: Tensor, keypoints: Tensor, stride: int) -> Tensor:
    """The dense embedding at each keypoint's cell (no pooling): (B, C, H, W) -> (B, K, C)."""
    b, c, h, w = dense.shape
    index = keypoint_cells(keypoints, stride, (h, w))
    return torch.gather(dense.flatten(2), 2, index[:, None].expand(b, c, -1)).transpose(1, 2)


def prompt_contrastive_logits(features: Tensor, prompts: Tensor, logit_scale: Tensor,
                              eps: float = 1e-6) -> Tensor:
    """Per-image keypoint-to-prompt logits: ``scale * v_k . p_j`` with both L2-normalised.

    Args:
        features: keypoint features v (B, K, C).
        prompts: prompts p (B, K, C).
        logit_scale: the multiplier (exp of the learnable log scale), a scalar tensor.

    Returns:
        logits (B, K, K); row k compares keypoint k's feature with every prompt.
    """
    features = F.normalize(features, dim=-1, eps=eps)
    prompts = F.normalize(prompts, dim=-1, eps=eps)
    return logit_scale * features @ prompts.transpose(1, 2)
