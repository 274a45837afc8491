"""Limited parallelization, measured: the RNN's step loop and its remedies timed against the sequence length T.

Methods timed at every T (one sequence unless said; every figure is the median of several interleaved rounds, with
its interquartile range and the number of rounds):

    loop           the article's per-step loop: column vectors, input and recurrent products at every step
    precomputed    rnncore.unroll: all inputs projected by one matrix product, then only h W_h per step
    batched        rnncore.unroll over B sequences at once; the time is divided by B (cost per sequence)
    linear_loop    the linear recurrence h_t = a_t * h_{t-1} + b_t, one step after another
    hillis_steele  the same recurrence by a Hillis-Steele parallel scan (ceil(log2 T) levels)
    blelloch       the same recurrence by a Blelloch scan (2 ceil(log2 T) levels, O(T) work)
    attention      one self-attention layer over the whole sequence (rnncore.attention.mha_forward, one head)

The speedup of a method is loop time / method time, from the same round (paired), so its spread is honest. The
article's "6.29x" is checked by running the logic of its two functions at its own size (T=1000, D=50, H=100).
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace
from typing import Callable, NamedTuple

import numpy as np
import pandas as pd

from rnncore import get_cell, scan, unroll
from rnncore.experiments import timing
from rnncore.reference import article_code
from rnncore.attention import init_mha, mha_forward

METHODS: dict[str, str] = {
    "loop": "Article's loop (per step, column vectors)",
    "precomputed": "Input projection precomputed",
    "batched": "B sequences batched (per sequence)",
    "linear_loop": "Linear recurrence, step loop",
    "hillis_steele": "Linear recurrence, Hillis-Steele scan",
    "blelloch": "Linear recurrence, Blelloch scan",
    "attention": "Self-attention, whole sequence",
}
SCAN_METHODS: dict[str, str] = {k: METHODS[k] for k in ("linear_loop", "hillis_steele", "blelloch")}
ARTICLE_CLAIM = 6.29  # the speedup the article prints for its "batch" version
ARTICLE_SIZE = (1000, 50, 100)  # its T, D, H
MAX_REPEATS = 15


@dataclass(frozen=True)
class Config:
    """One measurement; every field is part of the cache key."""

    hidden_size: int = 64                       # H: RNN state, scan width per sequence, attention d_model
    input_size: int = 50                        # D: RNN input features (the article's 50)
    batch: int = 32                             # B: sequences run together by "batched"
    lengths: tuple[int, ...] = (32, 128, 512)   # the T values timed
    budget: float = 0.35                        # seconds, roughly, for all the timings against T
    scan_T: int = 1024                          # T of the scan-against-width comparison
    scan_widths: tuple[int, ...] = (1, 16, 256)  # B*H values of that comparison
    scan_budget: float = 0.15                   # seconds, roughly, for it
    article_rounds: int = 5                     # interleaved rounds of the article-logic check

    def __post_init__(self):
        for name in ("hidden_size", "input_size", "batch", "scan_T", "article_rounds"):
            if int(getattr(self, name)) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        for name in ("lengths", "scan_widths"):
            values = getattr(self, name)
            if not values or any(int(v) < 1 for v in values):
                raise ValueError(f"{name} must be a non-empty tuple of positive integers, got {values!r}")
        if not (self.budget > 0 and self.scan_budget > 0):
            raise ValueError("budget and scan_budget must be positive numbers of seconds")


#: What "measure more" adds: seconds per length timed, and the scan at T = 4096 over wider states (tests shrink it).
THOROUGH_BUDGET_PER_T = 3.0
THOROUGH = {"scan_T": 4096, "scan_widths": (1, 16, 64, 512), "scan_budget": 6.0, "article_rounds": 9}


def thorough(cfg: Config) -> Config:
    """The longer measurement the page runs after a click: more rounds per length, the scan at T = 4096."""
    return replace(cfg, budget=2.0 + THOROUGH_BUDGET_PER_T * len(cfg.lengths), **THOROUGH)


class ArticleCheck(NamedTuple):
    """The article's two functions run at its size: times and the paired ratio sequential / "batch"."""

    sequential: timing.Timing
    batch: timing.Timing
    ratio: float          # median of the per-round ratios
    ratio_q25: float
    ratio_q75: float
    claim: float          # the article's 6.29


class Result(NamedTuple):
    timings: pd.DataFrame    # one row per (T, method): seconds per sequence, median/q25/q75, repeats
    speedups: pd.DataFrame   # one row per (T, method): loop time / method time, paired median and quartiles
    depth: pd.DataFrame      # sequential levels against T, per method
    scan: pd.DataFrame       # the scan against the state width at scan_T
    article: ArticleCheck
    machine: dict            # rnncore.experiments.timing.machine_info()


def interleaved(fns: dict[str, Callable[[], object]], budget: float) -> dict[str, timing.Timing]:
    """Time ``fns`` in interleaved rounds, as many rounds (3 to 15) as fit in about ``budget`` seconds.

    One untimed call of each first (the warmup) gives the cost of a round; calls under a millisecond are looped.
    """
    cost = 0.0
    for fn in fns.values():
        start = time.perf_counter()
        fn()
        cost += max(time.perf_counter() - start, timing.DEFAULT_MIN_TIME)
    rounds = int(min(MAX_REPEATS, max(3, budget // max(cost, 1e-9))))
    return timing.compare_alternating(fns, repeats=rounds, warmup=0)


def paired_ratio(num: timing.Timing, den: timing.Timing, den_items: float = 1.0) -> tuple[float, float, float]:
    """Median, q25 and q75 of num / (den / den_items) over rounds measured together (interleaved)."""
    ratios = np.asarray(num.samples) / (np.asarray(den.samples) / den_items)
    q25, q50, q75 = np.percentile(ratios, [25, 50, 75])
    return float(q50), float(q25), float(q75)


def _callables(T: int, cfg: Config, rng: np.random.Generator) -> tuple[dict, dict]:
    """The functions timed at length T, and how many sequences each call processes."""
    D, H, B = cfg.input_size, cfg.hidden_size, cfg.batch
    cell = get_cell("rnn")
    params = cell.init_params(rng, D, H, dtype=np.float64)
    W_xh, W_hh, b_h = params["W_x"].T.copy(), params["W_h"].T.copy(), params["b"].reshape(-1, 1).copy()
    xs = rng.standard_normal((B, T, D))
    one = xs[:1]
    a = rng.uniform(0.5, 1.0, (1, T, H))
    b = rng.standard_normal((1, T, H))
    mha = init_mha(H, rng=rng)
    xa = rng.standard_normal((1, T, H))
    fns = {
        "loop": lambda: article_code.column_loop(one[0], W_xh, W_hh, b_h),
        "precomputed": lambda: unroll(cell, params, one),
        "batched": lambda: unroll(cell, params, xs),
        "linear_loop": lambda: scan.linear_recurrence_sequential(a, b),
        "hillis_steele": lambda: scan.linear_recurrence_scan(a, b, method="hillis_steele"),
        "blelloch": lambda: scan.linear_recurrence_scan(a, b, method="blelloch"),
        "attention": lambda: mha_forward(mha, xa, num_heads=1),
    }
    return fns, {name: (B if name == "batched" else 1) for name in fns}


def multiply_adds(method: str, T: int, D: int, H: int) -> float:
    """Multiply-adds per sequence of the RNN methods (D inputs) and of attention (inputs of width H); NaN for scans."""
    if method in ("loop", "precomputed", "batched"):
        return float(T * (D * H + H * H))
    if method == "attention":
        return float(4 * T * H * H + 2 * T * T * H)  # q, k, v and output projections; scores and weighted sum
    return math.nan


def _row(method: str, T: int, t: timing.Timing, items: int, **extra) -> dict:
    per = t.per_item(items)
    return {"T": T, "method": method, "label": METHODS[method], "median_s": per.median, "q25_s": per.q25,
            "q75_s": per.q75, "repeats": per.repeats, "calls_per_repeat": per.number, **extra}


def depth_frame(lengths) -> pd.DataFrame:
    """Sequential levels against T: T for the loop, about log2 T for the scans (``rnncore.scan.scan_depth``)."""
    rows = [{"T": int(T), "method": m, "label": label, "depth": scan.scan_depth(int(T), "sequential" if m ==
             "linear_loop" else m)} for T in lengths for m, label in SCAN_METHODS.items()]
    frame = pd.DataFrame(rows)
    frame.loc[frame.method == "linear_loop", "label"] = "Step loop (any RNN)"
    return frame


def article_check(*, seed: int, rounds: int = 5) -> ArticleCheck:
    """Run the logic of the article's "sequential" and "batch" functions at its size, interleaved."""
    T, D, H = ARTICLE_SIZE
    rng = np.random.default_rng([seed, 7])
    xs = rng.standard_normal((T, D))
    W_xh, W_hh, b_h = 0.01 * rng.standard_normal((H, D)), 0.01 * rng.standard_normal((H, H)), np.zeros((H, 1))
    got = timing.compare_alternating({
        "sequential": lambda: article_code.column_loop(xs, W_xh, W_hh, b_h),
        "batch": lambda: article_code.column_loop_into_matrix(xs, W_xh, W_hh, b_h),
    }, repeats=rounds, warmup=1)
    ratio, q25, q75 = paired_ratio(got["sequential"], got["batch"])
    return ArticleCheck(got["sequential"], got["batch"], ratio, q25, q75, ARTICLE_CLAIM)


def run(cfg: Config, *, seed: int, callback: Callable[[int, int, dict], None] | None = None) -> Result:
    """Measure everything the page shows.

    Args:
        cfg: what to measure. seed: the inputs and weights are drawn from it (timings are not seeded: they are
            measured). callback: progress, called as callback(done, total, {}).
    """
    lengths = sorted({int(T) for T in cfg.lengths})
    total = len(lengths) + len(cfg.scan_widths) + 1
    report = callback or (lambda done, total, info: None)
    weights = np.asarray(lengths, dtype=float) / sum(lengths)  # longer sequences get more of the budget
    rows, ratios = [], []
    for k, T in enumerate(lengths):
        fns, items = _callables(T, cfg, np.random.default_rng([seed, T]))
        got = interleaved(fns, cfg.budget * max(weights[k], 0.1))
        for name, t in got.items():
            rows.append(_row(name, T, t, items[name],
                             multiply_adds=multiply_adds(name, T, cfg.input_size, cfg.hidden_size)))
            if name != "loop":
                base = "linear_loop" if name in ("hillis_steele", "blelloch") else "loop"
                med, q25, q75 = paired_ratio(got[base], t, items[name])
                ratios.append({"T": T, "method": name, "label": METHODS[name], "against": METHODS[base],
                               "speedup": med, "speedup_q25": q25, "speedup_q75": q75, "repeats": t.repeats})
        report(k + 1, total, {})
    scan_rows = []
    for j, W in enumerate(cfg.scan_widths):
        rng = np.random.default_rng([seed, 99, W])
        a, b = rng.uniform(0.5, 1.0, (1, cfg.scan_T, W)), rng.standard_normal((1, cfg.scan_T, W))
        got = interleaved({
            "linear_loop": lambda: scan.linear_recurrence_sequential(a, b),
            "hillis_steele": lambda: scan.linear_recurrence_scan(a, b, method="hillis_steele"),
            "blelloch": lambda: scan.linear_recurrence_scan(a, b, method="blelloch"),
        }, cfg.scan_budget / len(cfg.scan_widths))
        for name, t in got.items():
            med, q25, q75 = paired_ratio(got["linear_loop"], t)
            scan_rows.append(_row(name, cfg.scan_T, t, 1, width=int(W), speedup=med, speedup_q25=q25,
                                  speedup_q75=q75))
        report(len(lengths) + j + 1, total, {})
    check = article_check(seed=seed, rounds=cfg.article_rounds)
    report(total, total, {})
    return Result(pd.DataFrame(rows), pd.DataFrame(ratios), depth_frame(lengths), pd.DataFrame(scan_rows), check,
                  timing.machine_info())


def machine_frame(info: dict) -> pd.DataFrame:
    """The machine facts as a two-column table (what, value) for display and download."""
    keys = ("cpu_count", "cpus_usable", "blas_name", "blas_version", "blas_threads", "blas_threads_from", "numpy",
            "python", "platform")
    return pd.DataFrame({"what": list(keys), "value": [str(info.get(k)) for k in keys]})


if __name__ == "__main__":  # python -m rnncore.experiments.parallelism: the page's "measure more" figures
    result = run(thorough(Config(lengths=(32, 128, 512, 1024, 2048, 4096))), seed=0)
    with pd.option_context("display.width", 160, "display.max_columns", 20):
        print(result.speedups.to_string(index=False))
        print(result.scan[["width", "method", "median_s", "speedup", "speedup_q25", "speedup_q75"]].to_string())
        a = result.article
        print(f"article logic: {a.ratio:.2f}x (IQR {a.ratio_q25:.2f}-{a.ratio_q75:.2f}) against its {a.claim}x")
        print(machine_frame(result.machine).to_string(index=False))
