"""Each training and timing button's estimate against its measured time, on this machine, now: measured / estimated per button.

    python benchmarks/bench_buttons.py            # every button at its page's default settings (minutes)
    python benchmarks/bench_buttons.py --quick    # the same buttons with a fifth of the steps
    python benchmarks/bench_buttons.py --only clipping sentiment

For each button this does what the page does: size the work with the experiment's ``work`` function, probe it with a
fresh rate book (no remembered rates, as after the page's 30 s), then run the same experiment call and time it. A
ratio of 1 is a perfect estimate; the goal is within 2x (0.5 to 2) on a quiet machine, and on a loaded one what the
button said: inside the range it states (``effort.kept_its_word``). The machine's load average is
printed before and after, because on a loaded machine every estimate moves with the load (that is the point of probing
at the moment), but the load can change during a run. BLAS runs on one thread, as in the server (``app/__init__.py``).
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import app  # noqa: F401 - BLAS on one thread, as in the server: with two threads a loaded machine ran 5-20x slower
from rnncore.experiments import attention as ex
from rnncore.experiments import clipping, effort, scored_run, slow_article, sweeps
from rnncore.experiments import forecasting as fx
from rnncore.experiments import gated_cells as remedies
from rnncore.experiments import initialization as ins
from rnncore.experiments import long_term as lt
from rnncore.experiments import parallelism as par
from rnncore.experiments import sentiment as sx
from rnncore.experiments import slow_training as slow
from rnncore.experiments import step_cost as cost


def buttons(scale: float) -> dict:
    """name -> (work pieces, run): the calls each page's button makes, at its default settings scaled by ``scale``."""
    def steps(n: int) -> int:
        return max(10, int(n * scale))

    # long-term "Train", off the shipped run
    train = scored_run.Config(task="adding", cell="gru", T=50, steps=steps(500))
    point = dataclasses.replace(sweeps.REFERENCE, cell="rnn", T=10, steps=steps(sweeps.REFERENCE.steps))
    article = dataclasses.replace(lt.ArticleConfig(), epochs=steps(1000))
    gates = dataclasses.replace(remedies.GateConfig(), steps=steps(remedies.GateConfig().steps))
    clip = dataclasses.replace(clipping.ClipConfig(), steps=steps(clipping.ClipConfig().steps))
    init = dataclasses.replace(ins.InitConfig(), steps=steps(ins.InitConfig().steps))
    attn = dataclasses.replace(ex.Config(), steps=steps(ex.Config().steps))
    senti = dataclasses.replace(sx.Config(), steps=steps(sx.Config().steps))
    ds = sx.builtin_dataset()
    prep = sx.prepare(ds, senti)
    fcfg = fx.for_training(dataclasses.replace(fx.Config(), steps=steps(fx.Config().steps)))
    fprep = fx.prepare(fx.load_series(fx.SeriesConfig(), seed=0), fcfg)
    models = [m.split(":") for m in ("rnn:full", "lstm:full", "gru:full", "rnn:readout")]
    race = slow.RaceConfig(steps=steps(500))  # 4 optimizers x 2 rates x 500 steps: over the page's quick work
    full = dataclasses.replace(slow_article.FULL_ARTICLE, steps=steps(slow_article.FULL_ARTICLE.steps))
    longer = cost.CostConfig(lengths=slow.LONG_LENGTHS, budget=slow.LONG_BUDGET)
    measure = par.thorough(par.Config(hidden_size=64, batch=32, lengths=(32, 128, 512, 1024)))
    return {
        "long_term: Train": (scored_run.work([train]), lambda: scored_run.run(train, 0)),
        "long_term: Run it at seed 1": (lt.article_work(article), lambda: lt.article_experiment(article, 1)),
        "long_term: Recompute this point": (scored_run.work([point]), lambda: sweeps.point_row(point, 0)),
        "gated_cells: Train the three cells": (remedies.work(gates), lambda: remedies.gate_flow(gates, 0)),
        "clipping: Train the three runs": (clipping.work(clip), lambda: clipping.compare(clip, 0)),
        "initialization: Train the five initializations": (ins.work(init), lambda: ins.train_choices(init, 0)),
        "sentiment: Train RNN, LSTM, GRU": ([p for c in ("rnn", "lstm", "gru") for p in sx.work(senti, c, ds, prep)],
                                            lambda: [sx.train_cell(senti, c, ds, prep, seed=0)
                                                     for c in ("rnn", "lstm", "gru")]),
        "forecasting: Train the four default models": (
            [p for c, m in models for p in fx.work(fcfg, fprep, cell=c, mode=m)],
            lambda: [fx.train_model(fcfg, fprep, cell=c, mode=m, seed=0) for c, m in models]),
        "attention: Train these settings now": (ex.work(attn), lambda: ex.run(attn, seed=0)),
        "slow_training: Train these runs": (slow.race_work(race), lambda: slow.race(race, seed=0)),
        "slow_training: Train at full size": (slow_article.work(full), lambda: slow_article.article(full, seed=0)),
        # timings: their length is their own wall-clock budget (or their minimum rounds), so --quick leaves them
        "slow_training: Time longer sequences": (cost.work(longer), lambda: cost.step_cost(longer, seed=0)),
        "parallelism: Measure up to T = 1024": (par.work(measure), lambda: par.run(measure, seed=0)),
        "attention: Measure on this machine": (ex.cost_work(ex.CostConfig()),
                                               lambda: ex.measure_live(ex.CostConfig(), seed=0)),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a fifth of the steps of every button")
    parser.add_argument("--only", nargs="*", default=[], help="buttons whose name contains one of these words")
    args = parser.parse_args(argv)
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"{'button':<50} {'estimate':>9} {'range':>17} {'measured':>9} {'ratio':>6}  within 2x  as said  "
          "said / took")
    ratios, kept = [], []
    for name, (pieces, run) in buttons(0.2 if args.quick else 1.0).items():
        if args.only and not any(word in name for word in args.only):
            continue
        est = effort.estimate(pieces)
        start = time.perf_counter()
        run()
        measured = time.perf_counter() - start
        ratio = effort.ratio(est.seconds, measured)
        ratios.append(ratio)
        kept.append(effort.kept_its_word(est, measured))
        print(f"{name:<50} {est.seconds:8.2f}s {est.low:7.2f}-{est.high:7.2f}s {measured:8.2f}s {ratio:6.2f}  "
              f"{'yes' if 0.5 <= ratio <= 2 else 'NO ':<9}  {'yes' if kept[-1] else 'NO ':<7}  "
              f"{effort.describe_range(est)} / {effort.describe(measured)}", flush=True)
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    inside = sum(0.5 <= r <= 2 for r in ratios)
    print(f"{inside} of {len(ratios)} buttons within 2x; {sum(kept)} of {len(kept)} took what they said")


if __name__ == "__main__":
    main()
