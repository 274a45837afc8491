"""How fast the training tasks make their data, as a ratio against drawing the same number of random numbers.

    python benchmarks/bench_tasks.py              # every task, n = 20,000 sequences of T = 100
    python benchmarks/bench_tasks.py --n 5000 --T 200

A page makes a fresh batch of task data on every training run, so a task should cost little more than drawing its
random numbers. For each task, ``make_task`` and a reference (``rng.standard_normal`` of the same number of values
as the task's inputs) run alternately in this process, and the median of the repeats is reported with the ratio
task / reference. The target: every task within 10x of the reference (it was a wall-clock test of 0.5 s before;
timings moved here because test machines are noisy).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from rnncore import TASKS, make_task  # noqa: E402

TARGET = 10.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--T", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    print(f"{'task':16} {'task ms':>9} {'reference ms':>13} {'ratio':>7}  target <= {TARGET:g}x")
    worst = 0.0
    for name in TASKS:
        size = make_task(name, rng=np.random.default_rng(0), n=8, T=args.T).xs[0].size * args.n
        task_times, ref_times = [], []
        for seed in range(args.repeats):
            start = time.perf_counter()
            make_task(name, rng=np.random.default_rng(seed), n=args.n, T=args.T)
            task_times.append(time.perf_counter() - start)
            start = time.perf_counter()
            np.random.default_rng(seed).standard_normal(size)
            ref_times.append(time.perf_counter() - start)
        task, ref = statistics.median(task_times), statistics.median(ref_times)
        worst = max(worst, task / ref)
        print(f"{name:16} {task * 1e3:9.2f} {ref * 1e3:13.2f} {task / ref:6.1f}x")
    print(f"worst ratio {worst:.1f}x: {'meets' if worst <= TARGET else 'MISSES'} the target")


if __name__ == "__main__":
    main()
