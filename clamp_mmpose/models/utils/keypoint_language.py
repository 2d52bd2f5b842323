"""The small pure functions that tie keypoint prompts to image features."""
from typing import Tuple

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


def authors_keypoint_cells(keypoints: Tensor, stride: float, grid_hw):
    """The keypoint cells of the authors' feature loss, exactly.

    The authors draw a second MSRA target on the feature grid (sigma 2 / 4, TopDownGenerateTarget
    with ``downtarget=True``) and take the cell whose value is exactly 1. Per axis, with C-style
    truncation ``trunc``: ``mu = trunc(x / stride + 0.5)``, ``ul = trunc(mu - 1.5)``,
    ``br = trunc(mu + 2.5)``; the keypoint keeps its weight unless ``ul >= size`` or ``br < 0``,
    and the peak lands on cell ``ul + 2`` when ``-2 <= ul`` and ``ul + 2 < size``. So cells 0 and
    1 of the rule ``mu`` become 1 and 2, and a keypoint whose peak falls off the grid has no cell
    (a zero feature vector) while keeping its weight.

    Args:
        keypoints: (B, K, 2) x, y in input-image pixels.
        stride: input pixels per grid cell.
        grid_hw: (H, W) of the grid.

    Returns:
        ``(cells, has_cell, in_bounds)``: (B, K) flat cell indices (0 where there is none), and two
        (B, K) bool masks.
    """
    size = keypoints.new_tensor(tuple(reversed(tuple(grid_hw))), dtype=torch.float64)  # (W, H)
    mu = torch.trunc(keypoints.double() / stride + 0.5)
    ul = torch.trunc(mu - 1.5)
    br = torch.trunc(mu + 2.5)
    in_bounds = ((ul < size) & (br >= 0)).all(dim=-1)
    cell_xy = ul + 2
    has_cell = ((ul >= -2) & (cell_xy < size)).all(dim=-1) & in_bounds
    cell_xy = torch.where(has_cell[..., None], cell_xy, torch.zeros_like(cell_xy)).long()
    return cell_xy[..., 1] * int(grid_hw[1]) + cell_xy[..., 0], has_cell, in_bounds


def gather_keypoint_features(dense: Tensor, keypoints: Tensor, stride: float,
                             weights: Tensor, cell_rule: str = 'nearest'
                             ) -> Tuple[Tensor, Tensor]:
    """The dense embedding at each keypoint's cell (no pooling): (B, C, H, W) -> (B, K, C).

    Args:
        dense: (B, C, H, W) dense embeddings.
        keypoints: (B, K, 2) in input-image pixels.
        stride: input pixels per grid cell.
        weights: (B, K) keypoint weights: the codec's ``keypoint_weights`` for ``'nearest'``,
            the keypoints' visibility for ``'authors'`` (their coarse target starts from it and
            zeroes the keypoints out of the grid's bounds).
        cell_rule: ``'nearest'`` (:func:`keypoint_cells`) or ``'authors'``
            (:func:`authors_keypoint_cells`: keypoints without a cell, and invisible ones, give
            zero vectors, which still take part in the other keypoints' softmax).

    Returns:
        ``(features, weights)``: (B, K, C), and the (B, K) weights of the feature loss.
    """
    b, c, h, w = dense.shape
    if cell_rule == 'nearest':
        index = keypoint_cells(keypoints, stride, (h, w))
    elif cell_rule == 'authors':
        index, has_cell, in_bounds = authors_keypoint_cells(keypoints, stride, (h, w))
        weights = weights * in_bounds
        has_cell = has_cell & (weights > 0)
    else:
        raise ValueError(f"cell_rule must be 'nearest' or 'authors', not {cell_rule!r}")
    features = torch.gather(dense.flatten(2), 2, index[:, None].expand(b, c, -1)).transpose(1, 2)
    if cell_rule == 'authors':
        features = features * has_cell[..., None].to(features.dtype)
    return features, weights


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


def keypoints_from_target_heatmaps(heatmaps: Tensor, input_size: Tuple[int, int],
                                   udp: bool = False) -> Tuple[Tensor, Tensor]:
    """The keypoints a Gaussian target heatmap was drawn at, in input-image pixels.

    For the feature loss when the pipeline does not pack ``transformed_keypoints``: the peak,
    refined to sub-pixel by the vertex of the parabola through the log of the peak and its two
    neighbours per axis, which is exact for a Gaussian. MSRA-style targets are drawn at the
    keypoint rounded to the heatmap grid, so that rounding (half a heatmap pixel) is all that is
    lost; UDP targets give the keypoint itself, except where the peak is on the heatmap's
    border (no neighbour outside: the peak cell is taken).

    Args:
        heatmaps: (B, K, H, W) target heatmaps, peak 1 where a keypoint was drawn.
        input_size: (w, h) of the input image.
        udp: heatmap pixel centres span the input as in UDP (``(w - 1) / (W - 1)`` input
            pixels per heatmap pixel) rather than MSRA's ``w / W``.

    Returns:
        ``(keypoints, found)``: (B, K, 2) x, y, and (B, K) bool, False where a heatmap is empty.
    """
    b, k, h, w = heatmaps.shape
    flat = heatmaps.flatten(2)
    peak, index = flat.max(dim=-1)
    y, x = torch.div(index, w, rounding_mode='floor'), index % w
    log_maps = torch.log(heatmaps.clamp_min(1e-12)).flatten(2)

    def offset(centre: Tensor, step: int, size: int, pos: Tensor) -> Tensor:
        inside = (pos > 0) & (pos < size - 1)
        before = log_maps.gather(-1, (centre - step * inside).unsqueeze(-1)).squeeze(-1)
        after = log_maps.gather(-1, (centre + step * inside).unsqueeze(-1)).squeeze(-1)
        at = log_maps.gather(-1, centre.unsqueeze(-1)).squeeze(-1)
        curvature = before - 2 * at + after
        usable = inside & (curvature < 0)
        return torch.where(usable, 0.5 * (before - after) / torch.where(
            usable, curvature, torch.ones_like(curvature)), torch.zeros_like(curvature))

    xy = torch.stack([x + offset(index, 1, w, x), y + offset(index, w, h, y)], dim=-1).float()
    in_w, in_h = input_size
    if udp:
        scale = xy.new_tensor([(in_w - 1) / (w - 1), (in_h - 1) / (h - 1)])
    else:
        scale = xy.new_tensor([in_w / w, in_h / h])
    return xy * scale, peak > 0
