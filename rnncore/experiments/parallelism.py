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

``check`` decides whether the timings can be quoted (no time falling as T grows, no remedy slower than its loop or
inside its own spread, no spread over half a median); the sentences beside them come from ``growth_sentence``,
``remedy_sentence``, ``attention_sentence``, ``scan_sentence`` and ``article_sentence``. Reference timings made on
a quiet machine ship in ``rnncore/data/shipped_results/timing_parallelism.json``::

    OPENBLAS_NUM_THREADS=1 python -m rnncore.experiments make parallelism
"""
from __future__ import annotations

import datetime as dt
import math
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, NamedTuple

import numpy as np
import pandas as pd
from scipy import stats

from rnncore import get_cell, scan, unroll
from rnncore.attention import init_mha, mha_forward
from rnncore.experiments import effort, reference_timings, timing
from rnncore.experiments.machine import machine_info
from rnncore.reference import article_code

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
SHIPPED = Path(__file__).resolve().parent.parent / "data" / "shipped_results" / "timing_parallelism.json"
COMMAND = "OPENBLAS_NUM_THREADS=1 python -m rnncore.experiments make parallelism"


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
    machine: dict            # rnncore.experiments.machine.machine_info()
    verdict: timing.Verdict  # whether these timings can be quoted (``check``)
    raw: "Raw"               # the measurements behind every frame (``measure``)


def paired_ratio(num: timing.Timing, den: timing.Timing, den_items: float = 1.0) -> tuple[float, float, float]:
    """Median, q25 and q75 of num / (den / den_items) over rounds measured together (interleaved)."""
    q25, q50, q75 = np.percentile(timing.paired_ratios(num, den, den_items), [25, 50, 75])
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


def _scan_callables(T: int, width: int, rng: np.random.Generator) -> dict:
    """The linear recurrence of one state ``width`` wide over T steps: its loop and its two scans."""
    a, b = rng.uniform(0.5, 1.0, (1, T, width)), rng.standard_normal((1, T, width))
    return {"linear_loop": lambda: scan.linear_recurrence_sequential(a, b),
            "hillis_steele": lambda: scan.linear_recurrence_scan(a, b, method="hillis_steele"),
            "blelloch": lambda: scan.linear_recurrence_scan(a, b, method="blelloch")}


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


def article_check(*, seed: int, rounds: int = 5, clock: Callable[[], float] | None = None,
                  min_time: float | None = None) -> dict[str, timing.Timing]:
    """Run the logic of the article's "sequential" and "batch" functions at its size, interleaved, ``rounds`` times."""
    T, D, H = ARTICLE_SIZE
    rng = np.random.default_rng([seed, 7])
    xs = rng.standard_normal((T, D))
    W_xh, W_hh, b_h = 0.01 * rng.standard_normal((H, D)), 0.01 * rng.standard_normal((H, H)), np.zeros((H, 1))
    with timing.one_blas_thread():
        return timing.compare_alternating({
            "sequential": lambda: article_code.column_loop(xs, W_xh, W_hh, b_h),
            "batch": lambda: article_code.column_loop_into_matrix(xs, W_xh, W_hh, b_h),
        }, repeats=rounds, warmup=1, min_time=min_time, clock=timing.CPU_CLOCK if clock is None else clock)


class Raw(NamedTuple):
    """What was measured, before any summary: Timings per call (the samples inside), by length and by width."""

    by_T: dict      # T -> method -> Timing of one call (the batched call runs cfg.batch sequences)
    scan: dict      # width -> method -> Timing of one call at scan_T
    article: dict   # "sequential", "batch" -> Timing


def measure(cfg: Config, *, seed: int, callback: Callable[[int, int, dict], None] | None = None,
            clock: Callable[[], float] | None = None, min_time: float | None = None) -> Raw:
    """Time every method at every length, the scans at every width, and the article's two functions.

    Each group is timed in interleaved rounds until its spreads are small or its share of ``cfg.budget`` ends
    (``timing.interleaved``, BLAS on one thread); longer sequences get more of the budget.
    """
    lengths = sorted({int(T) for T in cfg.lengths})
    total = len(lengths) + len(cfg.scan_widths) + 1
    report = callback or (lambda done, total, info: None)
    weights = np.asarray(lengths, dtype=float) / sum(lengths)
    by_T, widths = {}, {}
    for k, T in enumerate(lengths):
        fns, _ = _callables(T, cfg, np.random.default_rng([seed, T]))
        by_T[T] = timing.interleaved(fns, cfg.budget * max(weights[k], 0.1), clock=clock, min_time=min_time)
        report(k + 1, total, {})
    for j, W in enumerate(cfg.scan_widths):
        fns = _scan_callables(cfg.scan_T, int(W), np.random.default_rng([seed, 99, W]))
        widths[int(W)] = timing.interleaved(fns, cfg.scan_budget / len(cfg.scan_widths), clock=clock,
                                            min_time=min_time)
        report(len(lengths) + j + 1, total, {})
    article = article_check(seed=seed, rounds=cfg.article_rounds, clock=clock, min_time=min_time)
    report(total, total, {})
    return Raw(by_T, widths, article)


def analyse(raw: Raw, cfg: Config, *, machine: dict) -> Result:
    """The frames, the article check and the verdict from what ``measure`` timed."""
    rows, ratios, per_item = [], [], {}
    for T, got in sorted(raw.by_T.items()):
        for name, t in got.items():
            items = cfg.batch if name == "batched" else 1
            per_item.setdefault(name, {})[T] = t.per_item(items)
            rows.append(_row(name, T, t, items, multiply_adds=multiply_adds(name, T, cfg.input_size,
                                                                            cfg.hidden_size)))
            if name != "loop":
                base = "linear_loop" if name in ("hillis_steele", "blelloch") else "loop"
                med, q25, q75 = paired_ratio(got[base], t, items)
                ratios.append({"T": T, "method": name, "label": METHODS[name], "against": METHODS[base],
                               "speedup": med, "speedup_q25": q25, "speedup_q75": q75, "repeats": t.repeats})
    scan_rows = []
    for W, got in sorted(raw.scan.items()):
        for name, t in got.items():
            per_item.setdefault(f"{METHODS[name]} at width {W}", {})[cfg.scan_T] = t
            med, q25, q75 = paired_ratio(got["linear_loop"], t)
            scan_rows.append(_row(name, cfg.scan_T, t, 1, width=int(W), speedup=med, speedup_q25=q25,
                                  speedup_q75=q75))
    seq, bat = raw.article["sequential"], raw.article["batch"]
    check_ = ArticleCheck(seq, bat, *paired_ratio(seq, bat), ARTICLE_CLAIM)
    per_item["the article's sequential function"] = {ARTICLE_SIZE[0]: seq}
    per_item["the article's \"batch\" function"] = {ARTICLE_SIZE[0]: bat}
    speedups = pd.DataFrame(ratios)
    return Result(pd.DataFrame(rows), speedups, depth_frame(raw.by_T), pd.DataFrame(scan_rows), check_, machine,
                  check(per_item, speedups, load=machine.get("load_1min")), raw)


def run(cfg: Config, *, seed: int, callback: Callable[[int, int, dict], None] | None = None,
        clock: Callable[[], float] | None = None, min_time: float | None = None) -> Result:
    """Measure everything the page shows, and check it.

    Args:
        cfg: what to measure. seed: the inputs and weights are drawn from it (timings are not seeded: they are
            measured). callback: progress, called as callback(done, total, {}). clock, min_time: for
            ``timing.interleaved``; None measures CPU time of this thread (a test passes a fake clock).
    """
    with timing.one_blas_thread():  # held for the whole run, so that the machine facts say what the timings used
        raw = measure(cfg, seed=seed, callback=callback, clock=clock, min_time=min_time)
        machine = machine_info()
    return analyse(raw, cfg, machine=machine)


# ---- can these timings be quoted? -----------------------------------------------------------------------------------

def _name(label: str) -> str:
    """A method's label inside a sentence: "Input projection precomputed" -> "input projection precomputed"."""
    return label if label[1:2] == " " else label[:1].lower() + label[1:]


#: Remedies that do strictly less sequential work than the loop they are compared with: slower is a contradiction.
IMPROVEMENTS = ("precomputed", "batched")


def check(per_item: dict, speedups: pd.DataFrame, *, load: float | None = None) -> timing.Verdict:
    """Whether the timings can be quoted: no time falls as T grows beyond the noise, no improvement is slower than
    its loop or inside its own spread, no timing spreads over more than ``timing.MAX_SPREAD`` of its median.

    Args:
        per_item: name -> {T: Timing per sequence}. speedups: ``Result.speedups``.
    """
    reasons = []
    for name, by_T in per_item.items():
        reasons += timing.falling_reasons(by_T, what=METHODS.get(name, name))
    better = speedups[speedups["method"].isin(IMPROVEMENTS)] if len(speedups) else speedups
    for row in better.itertuples():
        if row.speedup_q75 < 1:
            reasons.append(f"{_name(row.label)} measured {row.speedup:.2f}× the speed of the loop at T = {row.T}: "
                           "slower than the loop it improves on")
        elif row.speedup_q25 <= 1:
            reasons.append(f"the speedup of {_name(row.label)} at T = {row.T} ({row.speedup:.2f}×) lies inside its "
                           f"own spread ({row.speedup_q25:.2f}–{row.speedup_q75:.2f}×)")
    spreads = {f"{METHODS.get(name, name)} at T = {T}": t.relative_spread
               for name, by_T in per_item.items() for T, t in by_T.items()}
    reasons += timing.spread_reasons(spreads)
    return timing.verdict(reasons, spreads.values(), load=load)


# ---- the sentences beside the timings ------------------------------------------------------------------------------

def growth_exponents(timings: pd.DataFrame) -> dict[str, float]:
    """method -> b in time ∝ T^b, the Theil-Sen slope of log time against log T (NaN with a single length)."""
    out = {}
    for method, rows in timings.groupby("method", sort=False):
        if rows["T"].nunique() < 2:
            out[method] = math.nan
            continue
        out[method] = float(stats.theilslopes(np.log(rows["median_s"]), np.log(rows["T"])).slope)
    return out


def growth_sentence(timings: pd.DataFrame) -> str:
    """How each method's time grew with T, from the measured exponents."""
    exps = growth_exponents(timings)
    T = timings["T"]
    if T.nunique() < 2:
        return f"Only T = {T.iloc[0]} was measured: add a longer T to see how the times grow."
    loops = [e for m, e in exps.items() if m != "attention"]
    att = exps["attention"]
    span = f"T = {T.min()} to {T.max()}"
    text = (f"From {span}, the time of the step loops and the scans grew as T to the power {min(loops):.2f} to "
            f"{max(loops):.2f} (1 is proportional to T), attention's as T to the power {att:.2f}")
    if att > max(loops) + 0.2:
        text += ": it compares every step with every other one (T² work)."
    else:
        text += ": over these lengths its T² part (comparing every step with every other one) is still small next "
        text += "to the products it makes at every position."
    return text + (" The step loops pay Python's and NumPy's fixed cost per call at every step, which is why small "
                   "states run far below the machine's arithmetic speed.")


def remedy_sentence(speedups: pd.DataFrame) -> str:
    """The two remedies of the RNN itself at the longest T, with their spreads."""
    top = speedups[speedups["T"] == speedups["T"].max()].set_index("method")
    parts = [f"{_name(top.loc[m, 'label'])} {top.loc[m, 'speedup']:.2f}× (interquartile range "
             f"{top.loc[m, 'speedup_q25']:.2f}–{top.loc[m, 'speedup_q75']:.2f}×)"
             for m in IMPROVEMENTS if m in top.index]
    return f"At T = {int(top['T'].iloc[0])}, against the article's loop: " + "; ".join(parts) + "."


def attention_sentence(timings: pd.DataFrame) -> str:
    """Attention's arithmetic and time against the RNN with its input projection precomputed, at the longest T."""
    at = timings[timings["T"] == timings["T"].max()].set_index("method")
    work = at.loc["attention", "multiply_adds"] / at.loc["precomputed", "multiply_adds"]
    slower = at.loc["attention", "median_s"] / at.loc["precomputed", "median_s"]
    text = (f"At T = {int(at['T'].iloc[0])}, attention does **{work:.0f}×** the arithmetic of the RNN's loop and "
            f"takes **{slower:.2g}×** its time")
    if work > slower:
        return text + (f": each of its multiply-adds costs {work / slower:.2g}× less, because one big matrix "
                       "product runs far closer to the machine's speed than many tiny dependent ones. On a GPU, "
                       "with thousands of lanes, that difference is what makes transformers train faster than RNNs.")
    return text + ": here its extra arithmetic costs more than the loop's per-step overhead saves."


def scan_sentence(scan_frame: pd.DataFrame) -> str:
    """The scans against the step loop of the linear recurrence at the narrowest and widest state measured."""
    s = scan_frame[scan_frame["method"] != "linear_loop"]
    narrow, wide = s["width"].min(), s["width"].max()

    def at(width):
        rows = s[s["width"] == width]
        return ", ".join(f"{r.label.split(', ')[-1]} {r.speedup:.2g}×" for r in rows.itertuples())

    text = (f"Against the step loop of the same recurrence at T = {int(s['T'].iloc[0])}: at width {narrow}, "
            f"{at(narrow)}")
    if narrow == wide:
        return text + "."
    best = s.groupby("width")["speedup"].max()
    text += f"; at width {wide}, {at(wide)}."
    if best[wide] < best[narrow]:
        text += (" With a narrow state the loop is dominated by the per-step cost of Python and NumPy calls; as the "
                 "state widens, each loop step does more useful work per call and the loop catches up")
        text += " and overtakes the scans." if best[wide] < 1 else "."
    else:
        text += " Here the scans kept their lead as the state widened."
    return text


def article_sentence(check_: ArticleCheck) -> str:
    """The article's two functions run here: their ratio, its spread, and what it means."""
    c = check_
    text = (f"Sequential: {c.sequential}; \"batch\": {c.batch}; their ratio {c.ratio:.2f}× (interquartile range "
            f"of the paired rounds {c.ratio_q25:.2f}–{c.ratio_q75:.2f}×) against the {c.claim}× it prints. ")
    if c.ratio_q25 <= 1 <= c.ratio_q75:
        text += "It cannot be told from 1×: "
    else:
        text += f"{'Faster' if c.ratio > 1 else 'Slower'} by {abs(c.ratio - 1):.0%}, nowhere near its claim: "
    return text + ("both functions do the same two products per step for one sequence; only where h_t is stored "
                   "differs. A single-shot timing, as printed, can land almost anywhere on a busy machine. Real "
                   "batching, above, is a different computation: B sequences per product.")


def machine_frame(info: dict) -> pd.DataFrame:
    """The machine facts as a two-column table (what, value) for display and download."""
    keys = ("cpu_count", "cpus_usable", "blas_name", "blas_version", "blas_threads", "blas_threads_from",
            "blas_threads_in_use", "load_1min", "numpy", "python", "platform")
    return pd.DataFrame({"what": list(keys), "value": [str(info.get(k)) for k in keys]})


# ---- shipped reference timings --------------------------------------------------------------------------------------

def save_shipped(refs: list[reference_timings.Reference], path: Path = SHIPPED) -> None:
    """Write the raw samples of each reference; frames and verdicts are recomputed from them on load."""
    reference_timings.save_references(refs, path, what="Limited parallelization: reference timings of the default view",
                           command=COMMAND, timings=lambda r: r.raw._asdict())


def _read(run: dict) -> tuple[Config, Result]:
    cfg = Config(**{k: tuple(v) if isinstance(v, list) else v for k, v in run["config"].items()})
    raw = Raw(reference_timings.timings_from_json(run["by_T"], (int, str)), reference_timings.timings_from_json(run["scan"], (int, str)),
              reference_timings.timings_from_json(run["article"]))
    return cfg, analyse(raw, cfg, machine=run["machine"])


def load_shipped(path: Path = SHIPPED) -> list[reference_timings.Reference]:
    """The references written by ``save_shipped``, analysed again by ``analyse``; [] if the file is missing."""
    return reference_timings.load_references(path, _read)


def main(argv: list[str]) -> int:
    """Measure the page's default view and its longest measurement; ship them if the machine was quiet enough."""
    print(f"load average {timing.load_average()}; measure when it is under 0.5, with OPENBLAS_NUM_THREADS=1")
    refs = []
    for cfg in (Config(), thorough(Config(lengths=(32, 128, 512, 1024, 2048, 4096)))):
        result = run(cfg, seed=0)
        with pd.option_context("display.width", 160, "display.max_columns", 20):
            print(result.speedups.to_string(index=False))
        print(growth_sentence(result.timings), remedy_sentence(result.speedups), scan_sentence(result.scan),
              article_sentence(result.article), sep="\n")
        if not result.verdict.trustworthy and "--force" not in argv:
            print(timing.too_busy_sentence(result.verdict), "Not kept; try again when the machine is quiet.")
            if not refs:
                raise SystemExit(1)  # the default view is the one reference the page cannot do without
            continue
        refs.append(reference_timings.Reference(cfg, 0, result, result.machine, dt.date.today().isoformat()))
    save_shipped(refs)
    print(f"wrote {SHIPPED}")
    return 0


def work(cfg: Config) -> list[effort.Piece]:
    """What :func:`run` does, for the estimate a button shows. Each group of interleaved rounds runs its minimum
    rounds (all on a quiet machine) and on a busy one up to its share of the wall-clock budget (the lengths share
    ``cfg.budget``, the widths ``cfg.scan_budget``): the rounds at every length are probed at the shortest one and
    counted in proportion to T; the scans count only in the top of the range, as probing them would take as long as
    timing them. The article's two functions run ``article_rounds`` interleaved rounds after a warm-up."""
    lengths = sorted({int(T) for T in cfg.lengths})
    weights = np.asarray(lengths, dtype=float) / sum(lengths)
    shortest = lengths[0]
    rounds = 1 + timing.MIN_ROUNDS

    def a_round():
        fns, _ = _callables(shortest, cfg, np.random.default_rng(0))

        def one():
            with timing.one_blas_thread():
                for fn in fns.values():
                    fn()
        return one

    def article_round():
        T, D, H = ARTICLE_SIZE
        rng = np.random.default_rng(7)
        xs = rng.standard_normal((T, D))
        W_xh, W_hh, b_h = 0.01 * rng.standard_normal((H, D)), 0.01 * rng.standard_normal((H, H)), np.zeros((H, 1))
        return lambda: (article_code.column_loop(xs, W_xh, W_hh, b_h),
                        article_code.column_loop_into_matrix(xs, W_xh, W_hh, b_h))

    key = ("parallelism round", shortest, cfg.input_size, cfg.hidden_size, cfg.batch)
    pieces = [effort.Piece(f"a round of every method at T = {T}", rounds * T / shortest, a_round, key,
                           up_to=cfg.budget * max(w, 0.1)) for T, w in zip(lengths, weights)]
    pieces += [effort.Piece(f"the scans at width {W}", 0, lambda: (lambda: None), ("nothing",),
                            up_to=cfg.scan_budget / len(cfg.scan_widths)) for W in cfg.scan_widths]
    pieces.append(effort.Piece("a round of the article's two functions", 1 + cfg.article_rounds, article_round,
                               ("article round",)))
    return pieces


def reference_view(cfg: Config) -> tuple:
    """The shipped reference timings a page shows for ``cfg`` (or, failing those, the default view's), and the
    sentence that says where, when and for which settings they were measured; (None, "") when none ship."""
    ref = reference_timings.reference_for(cfg, load_shipped(), Config())
    if ref is None:
        return None, ""
    where = f"{reference_timings.reference_label(ref)}, with `{COMMAND}`."
    if ref.config != cfg:
        where += (f" These are for the default view (H = {ref.config.hidden_size}, B = {ref.config.batch}, T up to "
                  f"{max(ref.config.lengths)}), not your settings.")
    return ref.result, where


if __name__ == "__main__":  # python -m rnncore.experiments.parallelism: the shipped reference timings
    sys.exit(main(sys.argv[1:]))
