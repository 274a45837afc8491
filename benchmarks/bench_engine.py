"""One training step (forward + backward) of rnncore against torch.nn, as a ratio measured in the same run.

    python benchmarks/bench_engine.py                 # all cells, shapes a/b/c, float32 and float64
    python benchmarks/bench_engine.py --cells lstm --dtypes float32 --repeats 9

Both sides compute the same thing: the hidden states of a batch, then dL/dxs and every parameter gradient for a
fixed random dL/dhs. They run in this process with the same number of threads, alternating (A B A B ...), and the
median of at least 7 measurements is reported. Ratios below 1 mean rnncore is faster.

Peak memory for shape b is measured in fresh child processes (peak RSS after the step minus RSS after setup), so
that neither library's allocator hides the other's.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import rnncore as rc  # noqa: E402
from rnncore.experiments.machine import machine_info  # noqa: E402
from rnncore.experiments.timing import compare_alternating  # noqa: E402

SHAPES = {"a": (32, 100, 32, 128), "b": (64, 200, 64, 256), "c": (1, 1000, 50, 100)}  # B, T, D, H
TARGETS = {"rnn": 1.0, "gru": 1.0, "lstm": 1.5}


def rnncore_step(cell_name: str, shape, dtype):
    B, T, D, H = shape
    rng = np.random.default_rng(0)
    cell = rc.get_cell(cell_name)
    params = cell.init_params(rng, D, H, scheme="uniform", dtype=dtype)
    xs = rng.standard_normal((B, T, D)).astype(dtype)
    dhs = rng.standard_normal((B, T, H)).astype(dtype)

    def step():
        hs, cache = rc.unroll(cell, params, xs)
        return rc.bptt(cell, params, dhs, cache)

    return step


def torch_step(cell_name: str, shape, dtype):
    import torch
    B, T, D, H = shape
    tdtype = torch.float32 if dtype == np.float32 else torch.float64
    mod = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[cell_name](D, H, batch_first=True)
    mod = mod.to(tdtype)
    rng = np.random.default_rng(0)
    x = torch.tensor(rng.standard_normal((B, T, D)), dtype=tdtype, requires_grad=True)
    dhs = torch.tensor(rng.standard_normal((B, T, H)), dtype=tdtype)

    def step():
        mod.zero_grad(set_to_none=True)
        x.grad = None
        out, _ = mod(x)
        out.backward(dhs)
        return x.grad

    return step


def _status_kb(field: str) -> int:
    """A memory figure of this process from /proc (Linux), in kB: VmRSS now, or VmHWM, the peak since exec.

    (ru_maxrss would be wrong here: a child started by fork inherits the parent's high-water mark.)
    """
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status; peak memory needs Linux")


def memory_child(lib: str, cell: str, dtype_name: str) -> None:
    """Run one step of shape b in this (fresh) process; print the peak RSS growth in MB."""
    dtype = np.dtype(dtype_name).type
    make = rnncore_step if lib == "rnncore" else torch_step
    step = make(cell, SHAPES["b"], dtype)
    base = _status_kb("VmRSS")
    step()
    peak = _status_kb("VmHWM")
    print(f"{max(peak - base, 0) / 1024:.1f}")


def peak_memory_mb(lib: str, cell: str, dtype_name: str) -> float:
    out = subprocess.run([sys.executable, __file__, "--memory-child", lib, cell, dtype_name],
                         capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cells", nargs="+", default=["rnn", "gru", "lstm"])
    ap.add_argument("--shapes", nargs="+", default=list(SHAPES))
    ap.add_argument("--dtypes", nargs="+", default=["float32", "float64"])
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--memory-child", nargs=3, metavar=("LIB", "CELL", "DTYPE"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.memory_child:
        memory_child(*args.memory_child)
        return
    import torch
    threads = os.cpu_count() or 1
    torch.set_num_threads(threads)
    info = machine_info()
    print(f"# rnncore {rc.__version__}, torch {torch.__version__} ({torch.get_num_threads()} threads), "
          f"numpy {np.__version__}, BLAS {info.get('blas_name')} {info.get('blas_version')}, "
          f"{info.get('cpu_count')} CPUs; median of {max(args.repeats, 7)} alternating runs")
    print("| cell | dtype | shape (B,T,D,H) | rnncore | torch | ratio | target |")
    print("|---|---|---|---|---|---|---|")
    for cell in args.cells:
        for dtype_name in args.dtypes:
            dtype = np.dtype(dtype_name).type
            for s in args.shapes:
                fns = {"rnncore": rnncore_step(cell, SHAPES[s], dtype), "torch": torch_step(cell, SHAPES[s], dtype)}
                t = compare_alternating(fns, repeats=max(args.repeats, 7), warmup=2)
                ratio = t["rnncore"].median / t["torch"].median
                ok = "ok" if ratio <= TARGETS[cell] else "MISSED"
                print(f"| {cell} | {dtype_name} | {s} {SHAPES[s]} | {t['rnncore'].median * 1e3:.2f} ms | "
                      f"{t['torch'].median * 1e3:.2f} ms | {ratio:.2f}x | <= {TARGETS[cell]}x {ok} |", flush=True)
    print("\n# peak memory of one step at shape b (RSS growth in a fresh process)")
    print("| cell | dtype | rnncore MB | torch MB |")
    print("|---|---|---|---|")
    for cell in args.cells:
        for dtype_name in args.dtypes:
            print(f"| {cell} | {dtype_name} | {peak_memory_mb('rnncore', cell, dtype_name):.0f} | "
                  f"{peak_memory_mb('torch', cell, dtype_name):.0f} |", flush=True)


if __name__ == "__main__":
    main()
