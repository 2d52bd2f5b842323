"""Who issues a training step's calls: the attribution the benchmark prints per module."""
import torch
from torch import nn

from benchmarks.step_counters import (ACCUMULATION, ELSEWHERE, OPTIMIZER, calls_per_module,
                                      count_top_level_ops)
from clamp_mmpose.utils.torch_version import torch_version

# torch 2.1's autograd sometimes takes a new gradient over as it is and sometimes stores a
# detached alias (one call), from step to step; later versions always issue the call.
STEADY_ACCUMULATION = torch_version() >= (2, 4)


class Scale(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.weight = nn.Parameter(torch.linspace(0.5, 1.5, width))

    def forward(self, x):
        return x * self.weight


class Shift(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.bias = nn.Parameter(torch.linspace(-0.5, 0.5, width))

    def forward(self, x):
        return x + self.bias


class TwoPartModel(nn.Module):
    """Elementwise layers only: their gradients have one layout, so every step issues the same
    calls (a matrix product's weight gradient may need a copy in one step and not the next)."""

    def __init__(self, width=6):
        super().__init__()
        self.backbone = Scale(width)
        self.head = nn.Sequential(Shift(width), nn.ReLU())


def make_step():
    torch.manual_seed(0)
    model = TwoPartModel()
    optim = torch.optim.SGD(model.parameters(), lr=0.1, foreach=False)
    x = torch.randn(3, 6)

    def step():
        optim.zero_grad(set_to_none=True)
        loss = model.head(model.backbone(x)).mean()
        loss.backward()
        optim.step()
    step()
    return model, step


def test_every_call_is_attributed_once_to_the_module_that_issued_it():
    model, step = make_step()
    calls = calls_per_module(model, step, ['backbone', 'head.0', 'head.1'])
    total = sum(sum(phases.values()) for phases in calls.values())
    assert abs(total - count_top_level_ops(step, 1)) <= (0 if STEADY_ACCUMULATION else 2)
    # The ReLU: one call forward, one in its backward node; none in the optimizer step.
    assert calls['head.1'] == dict(fwd=1, bwd=1, step=0)
    for layer in ('backbone', 'head.0'):
        assert calls[layer]['fwd'] == 1 and calls[layer]['bwd'] >= 1
    # The loss (a mean) is no listed module's; its backward node follows it.
    assert calls[ELSEWHERE]['fwd'] >= 1 and calls[ELSEWHERE]['bwd'] >= 1
    # Autograd stores each of the 2 trainable tensors' gradients; SGD's per-tensor loop
    # updates each of them in the optimizer step.
    if STEADY_ACCUMULATION:
        assert calls[ACCUMULATION] == dict(fwd=0, bwd=2, step=0)
    assert calls[OPTIMIZER]['step'] >= 2 and calls[OPTIMIZER]['fwd'] == 0
    # The hooks are gone afterwards.
    assert not model.backbone._forward_hooks and not model.backbone._forward_pre_hooks


def test_a_frozen_module_issues_forward_calls_and_no_weight_gradient():
    model, step = make_step()
    before = calls_per_module(model, step, ['backbone', 'head.0', 'head.1'])
    model.head[0].requires_grad_(False)
    after = calls_per_module(model, step, ['backbone', 'head.0', 'head.1'])
    assert after['head.0']['fwd'] == before['head.0']['fwd']
    assert after['head.0']['bwd'] < before['head.0']['bwd']
    if STEADY_ACCUMULATION:  # one trainable tensor fewer
        assert after[ACCUMULATION]['bwd'] == before[ACCUMULATION]['bwd'] - 1
