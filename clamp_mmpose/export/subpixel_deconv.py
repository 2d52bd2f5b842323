"""A transposed convolution rewritten as one convolution and a pixel shuffle, for export.

SimpleBaseline's decoder upsamples with ``ConvTranspose2d(kernel_size=4, stride=2, padding=1)``.
ONNX Runtime has no 8-bit kernel for ConvTranspose, and its float one (GEMM then col2im) is slower
than a plain convolution, so an int8 graph keeps those layers in float32 and spends a third of its
time there. The same layer is a 2x2 convolution (padding 1) with four output groups, one per output
pixel phase, interleaved by a pixel shuffle; that convolution quantises like the backbone's.

Output pixel ``2m + a`` (``a`` in {0, 1}) of a 4-tap stride-2 transposed convolution with padding 1
receives input ``m - 1`` through tap 3 and input ``m`` through tap 1 when ``a = 0``, input ``m``
through tap 2 and input ``m + 1`` through tap 0 when ``a = 1``. Over the window ``(x[n - 1], x[n])``
of the padded input, phase 0 is the 2-tap correlation with taps ``(3, 1)`` at ``n = m`` and phase 1
the one with taps ``(2, 0)`` at ``n = m + 1``; in 2-D the four phases are the four products.

The pixel shuffle of the last layer moves C_out feature maps at the heatmap size; moving the head's
final 1x1 convolution before it (:func:`rewrite_heatmap_head`) leaves it K heatmaps to move.
"""
from typing import Optional

import torch
import torch.nn.functional as F
from torch import Tensor, nn

# Kernel taps of a phase, in correlation order over the window (n - 1, n).
_PHASE_TAPS = {0: [3, 1], 1: [2, 0]}


def _is_plain(layer: nn.Module, base: type) -> bool:
    """``layer`` computes what ``base`` computes: ``base`` itself, or one of mmcv's wrappers of it
    (which MMPose's heads build; they differ only for empty inputs)."""
    return type(layer) is base or (isinstance(layer, base)
                                   and type(layer).__module__.startswith('mmcv.'))


def is_subpixel_deconv(layer: nn.Module) -> bool:
    """Whether ``layer`` is a transposed convolution this rewrite reproduces exactly."""
    return (_is_plain(layer, nn.ConvTranspose2d) and layer.kernel_size == (4, 4)
            and layer.stride == (2, 2) and layer.padding == (1, 1)
            and layer.output_padding == (0, 0) and layer.dilation == (1, 1)
            and layer.groups == 1)


def is_foldable_norm(layer: nn.Module) -> bool:
    """Whether ``layer`` is a batch norm that is a fixed per-channel affine map (eval mode,
    running statistics, affine terms), which a convolution before it can absorb."""
    return (isinstance(layer, (nn.BatchNorm2d, nn.SyncBatchNorm)) and not layer.training
            and layer.affine and layer.track_running_stats)


def is_pointwise(layer: nn.Module) -> bool:
    """Whether ``layer`` is a plain 1x1 convolution (stride 1, no padding, one group)."""
    return (_is_plain(layer, nn.Conv2d) and layer.kernel_size == (1, 1)
            and layer.stride == (1, 1) and layer.padding == (0, 0) and layer.groups == 1)


class SubPixelDeconv(nn.Module):
    """``ConvTranspose2d(C_in, C_out, 4, stride=2, padding=1)`` (optionally followed by an
    eval-mode ``BatchNorm2d`` and a ``ReLU``) as conv (+ ReLU) + pixel shuffle.

    (N, C_in, H, W) -> (N, C_out, 2H, 2W), equal to the original layers up to float rounding.
    The convolution gives (N, 4 C_out, H + 1, W + 1): phase (a, b) is group ``2a + b``, whose
    window at offset (a, b) holds that phase's H x W outputs. The batch norm is folded into the
    convolution and the ReLU applied before the shuffle (it commutes with it), so that a
    quantiser sees one Conv + ReLU, as in the backbone.

    Args:
        deconv: the transposed convolution (see :func:`is_subpixel_deconv`).
        norm: the batch norm that follows it, folded in (see :func:`is_foldable_norm`).
        apply_relu: whether a ReLU follows (after ``norm``).
    """

    def __init__(self, deconv: nn.ConvTranspose2d, norm: Optional[nn.Module] = None,
                 apply_relu: bool = False):
        super().__init__()
        if not is_subpixel_deconv(deconv):
            raise ValueError(f'{deconv} is not a 4x4, stride-2, padding-1 transposed convolution')
        if norm is not None and not is_foldable_norm(norm):
            raise ValueError(f'{norm} cannot be folded: it must be an eval-mode batch norm with '
                             f'running statistics and affine terms')
        weight = deconv.weight.detach()  # (C_in, C_out, 4, 4)
        bias = (deconv.bias.detach() if deconv.bias is not None else
                weight.new_zeros(weight.shape[1]))
        if norm is not None:  # y = (x - mean) * gamma / sqrt(var + eps) + beta
            scale = norm.weight.detach() / torch.sqrt(norm.running_var + norm.eps)
            weight = weight * scale[None, :, None, None]
            bias = (bias - norm.running_mean) * scale + norm.bias.detach()
        phases = [weight[:, :, _PHASE_TAPS[a]][:, :, :, _PHASE_TAPS[b]]
                  for a in (0, 1) for b in (0, 1)]
        # (4 C_out, C_in, 2, 2), phase-major
        self.conv = nn.Conv2d(weight.shape[0], 4 * weight.shape[1], 2, padding=1)
        self.conv.weight.data = torch.cat(phases, dim=1).transpose(0, 1).contiguous()
        self.conv.bias.data = bias.repeat(4)
        self.apply_relu = apply_relu
        # Channels of the output: C_out, or the absorbed 1x1 convolution's outputs.
        self.out_channels = weight.shape[1]
        self.pointwise: Optional[nn.Conv2d] = None

    def absorb_pointwise(self, conv: nn.Conv2d) -> None:
        """Apply the 1x1 convolution that follows this layer before the pixel shuffle, once per
        phase (a grouped 1x1 convolution; slightly more work, on the (H + 1) x (W + 1) grid):
        the shuffle then moves its few output channels (the K heatmaps) instead of C_out."""
        if not is_pointwise(conv) or conv.in_channels != self.out_channels:
            raise ValueError(f'{conv} is not a plain 1x1 convolution of {self.out_channels} '
                             f'channels')
        if self.pointwise is not None:
            raise ValueError('a 1x1 convolution was absorbed already')
        self.pointwise = nn.Conv2d(4 * conv.in_channels, 4 * conv.out_channels, 1, groups=4,
                                   bias=conv.bias is not None)
        self.pointwise.weight.data = conv.weight.detach().repeat(4, 1, 1, 1)
        if conv.bias is not None:
            self.pointwise.bias.data = conv.bias.detach().repeat(4)
        self.out_channels = conv.out_channels

    def forward(self, x: Tensor) -> Tensor:
        h, w = x.shape[2:]
        y = self.conv(x)
        if self.apply_relu:
            y = F.relu(y)
        if self.pointwise is not None:
            y = self.pointwise(y)
        y = y.unflatten(1, (2, 2, self.out_channels))  # (N, a, b, C, H+1, W+1)
        phases = torch.stack([torch.stack([y[:, a, b, :, a:a + h, b:b + w] for b in (0, 1)], 2)
                              for a in (0, 1)], 2)  # (N, C, a, b, H, W)
        return F.pixel_shuffle(phases.flatten(1, 3), 2)


def replace_transposed_convs(module: nn.Module) -> int:
    """Swap every exactly-rewritable ``ConvTranspose2d`` inside ``module`` for a
    :class:`SubPixelDeconv`, in place, folding in the eval-mode batch norm and the ``ReLU`` that
    follow it in an ``nn.Sequential`` (SimpleBaseline's deconv -> BN -> ReLU blocks; the folded
    layers become ``nn.Identity``). For inference only; returns how many were swapped."""
    swapped = 0
    children = list(module.named_children())
    for i, (name, child) in enumerate(children):
        if not is_subpixel_deconv(child):
            swapped += replace_transposed_convs(child)
            continue
        folded = []  # names of the layers the rewrite computes
        if type(module) is nn.Sequential and i + 1 < len(children) and is_foldable_norm(
                children[i + 1][1]):
            folded.append(children[i + 1][0])
            if i + 2 < len(children) and type(children[i + 2][1]) is nn.ReLU:
                folded.append(children[i + 2][0])
        norm = getattr(module, folded[0]) if folded else None
        setattr(module, name, SubPixelDeconv(child, norm, apply_relu=len(folded) == 2))
        for layer_name in folded:
            setattr(module, layer_name, nn.Identity())
        swapped += 1
    return swapped


def rewrite_heatmap_head(head: nn.Module) -> int:
    """:func:`replace_transposed_convs` on a SimpleBaseline-style head (``deconv_layers``,
    ``conv_layers``, ``final_layer``, as MMPose's ``HeatmapHead`` and the CLAMP head have, whose
    forward is ``final_layer(conv_layers(deconv_layers(x)))``), and its 1x1 ``final_layer``
    moved before the last pixel shuffle when nothing lies between them. For inference only;
    returns how many transposed convolutions were swapped."""
    swapped = replace_transposed_convs(head)
    deconvs = getattr(head, 'deconv_layers', None)
    layers = ([layer for layer in deconvs if not isinstance(layer, nn.Identity)]
              if type(deconvs) is nn.Sequential else [])
    final = getattr(head, 'final_layer', None)
    if (layers and isinstance(layers[-1], SubPixelDeconv) and layers[-1].pointwise is None
            and isinstance(getattr(head, 'conv_layers', None), nn.Identity)
            and final is not None and is_pointwise(final)):
        layers[-1].absorb_pointwise(final)
        head.final_layer = nn.Identity()
    return swapped
