import math

import torch

from clamp_mmpose.models import PromptContrastiveLoss
from mmpose.registry import MODELS


def _hand_loss(v, p, w, scale, weight):
    """Symmetric cross-entropy written out with python loops."""
    b, k, _ = v.shape
    total = 0.0
    for i in range(b):
        vn = [v[i, a] / v[i, a].norm() for a in range(k)]
        pn = [p[i, a] / p[i, a].norm() for a in range(k)]
        logit = [[scale * float(vn[r] @ pn[c]) for c in range(k)] for r in range(k)]
        for a in range(k):
            row = -logit[a][a] + math.log(sum(math.exp(logit[a][c]) for c in range(k)))
            col = -logit[a][a] + math.log(sum(math.exp(logit[r][a]) for r in range(k)))
            total += 0.5 * (row + col) * float(w[i, a])
    return total / (b * k) * weight


def test_equals_hand_computed_symmetric_cross_entropy():
    torch.manual_seed(0)
    v, p = torch.randn(2, 4, 3), torch.randn(2, 4, 3)
    w = torch.tensor([[1.0, 0.0, 1.0, 1.0], [1.0, 1.0, 0.0, 0.5]])
    loss = MODELS.build(dict(type='PromptContrastiveLoss', loss_weight=5e-4))
    assert abs(loss.logit_scale.item() - math.log(1 / 0.07)) < 1e-6
    expected = _hand_loss(v, p, w, 1 / 0.07, 5e-4)
    assert abs(loss(v, p, w).item() - expected) < 1e-7


def test_lower_when_features_match_their_prompts():
    torch.manual_seed(1)
    p = torch.randn(3, 17, 16)
    w = torch.ones(3, 17)
    loss = PromptContrastiveLoss(loss_weight=1.0)
    matched = loss(p + 0.01 * torch.randn_like(p), p, w)
    shuffled = loss(p[:, torch.randperm(17)], p, w)
    assert matched < 0.01 < shuffled


def test_invisible_keypoints_do_not_count_and_scale_learns():
    torch.manual_seed(2)
    v, p = torch.randn(1, 5, 8), torch.randn(1, 5, 8)
    loss = PromptContrastiveLoss(loss_weight=1.0)
    assert loss(v, p, torch.zeros(1, 5)).item() == 0.0
    loss(v, p, torch.ones(1, 5)).backward()
    assert loss.logit_scale.grad is not None and loss.logit_scale.grad != 0
