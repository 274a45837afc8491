"""Reference timings shipped as data: measured once on a quiet machine (``python -m rnncore.experiments make ...``),
shown, labelled with their machine, load and date, while a live timing on the viewer's machine is not trustworthy.

The raw samples are shipped, not the frames: every frame and verdict is recomputed from them on load, by the same
code that analyses a live timing.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict
from pathlib import Path
from typing import NamedTuple

from rnncore.data import shipped
from rnncore.experiments.machine import machine_sentence
from rnncore.experiments.timing import Timing


class Reference(NamedTuple):
    """Timings measured on a quiet machine and shipped: a page's default view while a live timing is not trusted."""

    config: object  # the experiment's frozen config
    seed: int
    result: object  # the experiment's result, analysed again from the shipped samples
    machine: dict   # machine_info() when measured
    date: str       # ISO date of the measurement


def timings_to_json(timings: Mapping) -> dict:
    """{key: Timing or a nested dict of them} -> JSON-safe dicts of samples and calls per sample (keys as text)."""
    return {str(k): {"samples": list(v.samples), "number": v.number} if isinstance(v, Timing) else timings_to_json(v)
            for k, v in timings.items()}


def timings_from_json(data: Mapping, keys: tuple = (str,)) -> dict:
    """The inverse of ``timings_to_json``; ``keys[d]`` converts the keys at depth d (e.g. ``(int, str)``)."""
    convert = keys[0] if keys else str
    return {convert(k): Timing.from_samples(v["samples"], number=v["number"]) if "samples" in v
            else timings_from_json(v, keys[1:]) for k, v in data.items()}


def save_references(refs: list[Reference], path, *, what: str, command: str,
                    timings: Callable[[object], dict]) -> None:
    """Write shipped references through ``rnncore.data.shipped`` (with their provenance): settings, machine, date,
    and the raw samples ``timings(result)`` names (a dict of groups of Timings); every frame and verdict is
    recomputed from the samples on load."""
    runs = [{"config": asdict(r.config), "seed": r.seed, "machine": r.machine, "date": r.date,
             **timings_to_json(timings(r.result))} for r in refs]
    shipped.write(Path(path).stem, {"runs": runs}, what=what, command=command, root=Path(path).parent, indent=1)


def load_references(path, read: Callable[[dict], tuple]) -> list[Reference]:
    """The references written by ``save_references``; ``read(run)`` gives (config, result) from one run's JSON.
    [] when the file is missing."""
    blob = shipped.read(Path(path).stem, root=Path(path).parent)
    if blob is None:
        return []
    out = []
    for run in blob["runs"]:
        config, result = read(run)
        out.append(Reference(config, int(run["seed"]), result, run["machine"], run["date"]))
    return out


def reference_for(config, refs: list[Reference], default) -> Reference | None:
    """The shipped reference measured with ``config``, else the one made with ``default``, else the first (the
    default view, shipped first), else None."""
    return next((r for r in refs if r.config == config),
                next((r for r in refs if r.config == default), refs[0] if refs else None))


def reference_label(ref: Reference) -> str:
    """What a page prints over shipped timings: where, when, and how quiet the machine was."""
    load = ref.machine.get("load_1min")
    quiet = f", load average {load:.2f}" if isinstance(load, (int, float)) else ""
    return f"Reference timings measured on {machine_sentence(ref.machine)}{quiet}, on {ref.date}"
