"""Where a CLAMP step spends its time, next to the SimpleBaseline's (torch profiler).

Builds both models of an arch from the repository's configs (random weights) and runs a few
steps of each under ``torch.profiler``: training steps (forward, backward, the config's
optimizer) by default, or with ``--inference`` the exported inference form's ``predict`` (flip
test off). Prints, for each model, the time per step and the top operators by self time
(``--shapes``: split by input shape, which tells the layers apart). ``--compile`` compiles
the training step as a config's ``compile=True`` does (inference: the model), the warm-up step
paying the compilation. With ``--modules`` it also prints the CPU time of the backbone and of
each head sub-module, forward and backward, which the operator table cannot name
(``step_counters.module_times``).

``--count-ops`` prints instead the number of top-level aten operator calls per training step of
each model and the CLAMP / baseline ratio (``step_counters.count_top_level_ops``): a
device-independent guide to how many kernels the step launches, counted over ``--steps`` steps
after a warm-up step (the count is the same every step). With ``--modules`` (eager) it also
says who issues them: the backbone, each head module, forward and backward, autograd's
per-tensor bookkeeping and the optimizer step (``step_counters.calls_per_module``).

    python benchmarks/profile_step.py --arch rn50 --batch 8 --modules
    python benchmarks/profile_step.py --arch rn50 --batch 32 --inference --shapes
    python benchmarks/profile_step.py --arch rn50 --batch 2 --steps 1 --count-ops --modules
"""
import argparse
import copy
import logging
import os.path as osp
import sys
import time

import torch

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))  # run as a script
from benchmarks.benchmark import (build, check_device_and_compile, data_shape,  # noqa: E402
                                  fake_batch, load_configs, sync, train_step_fn)
from benchmarks.step_counters import (calls_per_module, count_cuda_launches,  # noqa: E402
                                      count_top_level_ops, module_names, module_times)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--arch', default='rn50', choices=['rn50', 'vitb16'])
    parser.add_argument('--batch', type=int, default=8)
    parser.add_argument('--steps', type=int, default=3)
    parser.add_argument('--top', type=int, default=15)
    parser.add_argument('--smoke', action='store_true', help='tiny CLIP towers (CI)')
    parser.add_argument('--modules', action='store_true',
                        help='also time the backbone and the head sub-modules')
    parser.add_argument('--inference', action='store_true',
                        help='profile the exported inference form\'s predict, not training')
    parser.add_argument('--shapes', action='store_true',
                        help='split the operator table by input shape')
    parser.add_argument('--compile', action='store_true',
                        help='compile the training step as a config\'s compile=True does '
                        '(inference: the model); the warm-up step compiles')
    parser.add_argument('--count-ops', action='store_true',
                        help='count top-level aten calls per training step (no timing table)')
    parser.add_argument('--device', default='cpu',
                        help='cpu or cuda: on CUDA the table is sorted by GPU time and also '
                        'counts kernel launches per step')
    parser.add_argument('--amp', action='store_true', help='fp16 autocast (CUDA)')
    args = parser.parse_args(argv)
    if args.count_ops and args.inference:
        parser.error('--count-ops counts the training step; drop --inference')
    check_device_and_compile(parser, args.device, args.compile)
    cuda = args.device.startswith('cuda')
    if args.amp and (not cuda or args.inference):
        parser.error('--amp profiles an fp16-autocast training step on CUDA')

    import clamp_mmpose  # noqa: F401
    from mmengine.logging import MMLogger
    from mmengine.registry import init_default_scope
    init_default_scope('mmpose')
    # The optimizer constructor logs one line per parameter.
    MMLogger.get_current_instance().setLevel(logging.WARNING)
    cfgs = dict(zip(('baseline', 'clamp'), load_configs(args.arch, smoke=args.smoke)))
    what = 'inference (predict, no flip)' if args.inference else 'training step'
    counts, by_module = {}, {}
    for name, cfg in cfgs.items():
        size, heatmap_size, k = data_shape(cfg)
        model = build(cfg.model, inference=args.inference, device=args.device)
        inputs, samples = fake_batch(args.batch, size, k, args.device, heatmap_size)
        if args.compile and args.inference:
            model.compile()
        if args.inference:
            model.eval().test_cfg['flip_test'] = False

            def step():
                with torch.no_grad():
                    model.predict(inputs, copy.deepcopy(samples))
        else:
            step = train_step_fn(model, cfg, (inputs, samples), args.device, amp=args.amp,
                                 compile_cfg={} if args.compile else None)
        step()  # warm-up
        if args.count_ops:
            counts[name] = count_top_level_ops(step, args.steps)
            print(f'{args.arch} {name}: {counts[name]:.0f} top-level aten calls per training '
                  f'step (batch {args.batch})', flush=True)
            if args.modules and not args.compile:
                by_module[name] = calls_per_module(model, step, module_names(model, losses=True))
            continue
        sync(args.device)
        start = time.perf_counter()
        for _ in range(args.steps):
            step()
        sync(args.device)
        print(f'\n## {args.arch} {name}: {(time.perf_counter() - start) / args.steps * 1000:.0f}'
              f' ms per {what} (batch {args.batch}, {args.device}{", AMP" if args.amp else ""})')
        if cuda and not args.inference:
            launches = count_cuda_launches(step, args.steps)
            print(f'{launches["launches"]:.0f} kernel launch calls and {launches["kernels"]:.0f} '
                  f'kernels per training step')
        activities = [torch.profiler.ProfilerActivity.CPU]
        if cuda:
            activities.append(torch.profiler.ProfilerActivity.CUDA)
        with torch.profiler.profile(activities=activities, record_shapes=args.shapes) as prof:
            for _ in range(args.steps):
                step()
            sync(args.device)
        print(prof.key_averages(group_by_input_shape=args.shapes).table(
            sort_by='self_cuda_time_total' if cuda else 'self_cpu_time_total',
            row_limit=args.top, max_name_column_width=40, max_shapes_column_width=70))
        if args.modules:
            for mod, sec in sorted(module_times(model, step, module_names(model),
                                                args.steps).items(),
                                   key=lambda kv: -kv[1]):
                if sec >= 5e-5:  # hooks that fire with nothing to time (see above)
                    print(f'  {mod:40s} {sec * 1000:8.1f} ms')
    if counts:
        print(f'{args.arch} top-level aten calls, CLAMP / baseline: '
              f'{counts["clamp"] / counts["baseline"]:.2f}')
    if by_module:
        print(calls_table(by_module))
    return counts


def calls_table(by_module: dict) -> str:
    """Markdown table of :func:`calls_per_module` for both models: forward + backward calls
    per module (the optimizer's: its step's)."""
    def cell(calls):
        if calls is None:
            return '–'
        if calls['step']:
            return str(calls['step'])
        return f'{calls["fwd"]} + {calls["bwd"]}'

    lines = ['| where (forward + backward) | baseline | CLAMP |', '|---|---|---|']
    names = list(by_module['clamp']) + [n for n in by_module['baseline']
                                        if n not in by_module['clamp']]
    for name in names:
        lines.append(f'| {name} | {cell(by_module["baseline"].get(name))} | '
                     f'{cell(by_module["clamp"].get(name))} |')
    return '\n'.join(lines)


if __name__ == '__main__':
    main()
