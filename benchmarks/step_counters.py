"""What a training step issues: operator calls, CUDA kernel launches, CPU time per module.

On a GPU a step is launch-bound when the CPU takes longer to issue its kernels than the GPU
takes to run them; these counts say how many there are and which module issues them.
"""
import time
from collections import Counter, defaultdict

import torch

# CUDA runtime and driver calls that start work on the GPU (kernels, CUDA graphs).
LAUNCH_CALLS = ('cudaLaunchKernel', 'cudaLaunchKernelExC', 'cuLaunchKernel', 'cuLaunchKernelEx',
                'cudaLaunchCooperativeKernel', 'cudaGraphLaunch')


def is_top_level_aten(event) -> bool:
    """Whether a profiler event is an aten operator called from outside any aten operator.

    ``aten::linear`` counts once, not again for the ``aten::addmm`` it calls. Autograd's
    backward nodes (``autograd::engine::evaluate_function: ...``) and profiler or optimizer
    labels (``Optimizer.step#AdamW.step``) are not aten ops, so the aten calls they make count.
    """
    if not event.name.startswith('aten::'):
        return False
    parent = event.cpu_parent
    while parent is not None:
        if parent.name.startswith('aten::'):
            return False
        parent = parent.cpu_parent
    return True


def count_top_level_ops(step, steps: int) -> float:
    """Top-level aten operator calls per call of ``step``: a device-independent guide to the
    kernels a step launches (on a GPU nearly every such call launches one or more)."""
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as prof:
        for _ in range(steps):
            step()
    return sum(1 for e in prof.events() if is_top_level_aten(e)) / steps


def count_cuda_launches(step, steps: int) -> dict:
    """Per call of ``step`` on CUDA: ``launches``, the CPU's kernel and CUDA-graph launch
    calls (what a launch-bound step waits on), and ``kernels``, the kernels the GPU ran
    (a CUDA graph replay is one launch and many kernels)."""
    activities = [torch.profiler.ProfilerActivity.CPU, torch.profiler.ProfilerActivity.CUDA]
    with torch.profiler.profile(activities=activities) as prof:
        for _ in range(steps):
            step()
        torch.cuda.synchronize()
    events = prof.events()
    launches = sum(1 for e in events if e.name in LAUNCH_CALLS)
    kernels = sum(1 for e in events
                  if e.device_type == torch.autograd.DeviceType.CUDA
                  and not e.name.startswith(('Memcpy', 'Memset')))
    return dict(launches=launches / steps, kernels=kernels / steps)


# Where calls_per_module puts what no module's forward issued.
OPTIMIZER = 'optimizer step'
ACCUMULATION = 'gradient accumulation'
ELSEWHERE = 'elsewhere'
_LABEL = 'step_counters::'


def calls_per_module(model, step, modules, device: str = 'cpu') -> dict:
    """Who issues the calls of one ``step``: per module, its forward's and its backward's.

    On the CPU a call is a top-level aten call (:func:`is_top_level_aten`), on CUDA a kernel
    launch call. A backward call belongs to the module whose forward made the autograd node
    that issued it (nodes and forward ops share a sequence number). Besides ``modules``:
    ``'optimizer step'``, ``'gradient accumulation'`` (autograd's one call per trainable
    tensor) and ``'elsewhere'`` (the data preprocessor, the head's own operations between its
    modules, the loss sum). Eager mode only: a compiled model runs no module hooks.

    Returns:
        ``{name: {'fwd': calls, 'bwd': calls, 'step': calls}}`` (``'step'``: the optimizer
        step's), names with no calls left out.
    """
    cuda = device.startswith('cuda')
    ranges, handles = [], []
    for name in modules:
        def pre(mod, args, name=name):
            ranges.append(torch.profiler.record_function(_LABEL + name).__enter__())

        def post(mod, args, out):
            ranges.pop().__exit__(None, None, None)

        module = model.get_submodule(name)
        handles += [module.register_forward_pre_hook(pre), module.register_forward_hook(post)]
    activities = [torch.profiler.ProfilerActivity.CPU]
    if cuda:
        activities.append(torch.profiler.ProfilerActivity.CUDA)
    try:
        with torch.profiler.profile(activities=activities) as prof:
            step()
            if cuda:
                torch.cuda.synchronize()
    finally:
        for h in handles:
            h.remove()

    def ancestors(event):
        parent = event.cpu_parent
        while parent is not None:
            yield parent
            parent = parent.cpu_parent

    def module_of(event):
        return next((p.name[len(_LABEL):] for p in ancestors(event)
                     if p.name.startswith(_LABEL)), None)

    events = prof.events()
    node_module = {e.sequence_nr: module_of(e) for e in events
                   if e.name.startswith('aten::') and e.sequence_nr >= 0}
    calls = Counter()
    for event in events:
        if not (event.name in LAUNCH_CALLS if cuda else is_top_level_aten(event)):
            continue
        node = next((p for p in ancestors(event)
                     if p.name.startswith('autograd::engine::evaluate_function')), None)
        if any(p.name.startswith('Optimizer.') for p in ancestors(event)):
            calls[OPTIMIZER, 'step'] += 1
        elif node is None:
            calls[module_of(event) or ELSEWHERE, 'fwd'] += 1
        elif node.name.endswith('AccumulateGrad'):
            calls[ACCUMULATION, 'bwd'] += 1
        else:
            calls[node_module.get(node.sequence_nr) or ELSEWHERE, 'bwd'] += 1
    names = [*modules, ELSEWHERE, ACCUMULATION, OPTIMIZER]
    phases = ('fwd', 'bwd', 'step')
    return {n: {p: calls[n, p] for p in phases} for n in names
            if any(calls[n, p] for p in phases)}


def module_names(model, losses: bool = False) -> list:
    """The backbone and the head's sub-modules (the loss modules with ``losses``): where a
    step's time goes."""
    return ['backbone'] + [f'head.{n}' for n, _ in model.head.named_children()
                           if losses or not n.startswith('loss')]


def module_times(model, step, modules, steps: int) -> dict:
    """CPU seconds per call of ``step`` from each named module's forward start to its end, and
    the same for its backward, as ``'<name> (fwd)'`` / ``'<name> (bwd)'``.

    On a GPU nothing waits for the kernels here, so this is the time the CPU takes to issue
    the module's work. A backward time exists only for modules whose input needs a gradient
    (not the backbone, nor the text encoder, which has no input). Eager mode only: a compiled
    model runs no module hooks.
    """
    totals = defaultdict(float)
    handles = []
    for name in modules:
        module = model.get_submodule(name)
        starts = {}

        def pre(mod, args, name=name):
            starts[name] = time.perf_counter()

        def post(mod, args, out, name=name):
            totals[name + ' (fwd)'] += time.perf_counter() - starts[name]

        def bpre(mod, grad_out, name=name):
            starts[name + 'b'] = time.perf_counter()

        def bpost(mod, grad_in, grad_out, name=name):
            totals[name + ' (bwd)'] += time.perf_counter() - starts[name + 'b']

        handles += [module.register_forward_pre_hook(pre), module.register_forward_hook(post),
                    module.register_full_backward_pre_hook(bpre),
                    module.register_full_backward_hook(bpost)]
    try:
        for _ in range(steps):
            step()
    finally:
        for h in handles:
            h.remove()
    return {k: v / steps for k, v in totals.items()}
