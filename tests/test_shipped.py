"""The one reader and writer of shipped results, and the one command that remakes them."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import numpy as np

from rnncore.data import shipped
from rnncore.experiments.__main__ import REGISTRY

REPO = Path(__file__).resolve().parents[1]


def test_write_then_read_keeps_settings_data_and_provenance(tmp_path):
    arrays = {"w": np.array([[0.1, 1 / 3], [np.pi, -2.5e-300]])}
    out = shipped.write("demo", {"config": {"T": 20, "lags": (5, 10)}, "seed": 3,
                                 "params": shipped.arrays_to_json(arrays)},
                        what="a test", command="python -m rnncore.experiments make demo", root=tmp_path)
    assert out == tmp_path / "demo.json"
    blob = shipped.read("demo", tmp_path)
    assert blob["what"] == "a test" and blob["command"].endswith("make demo") and blob["engine"]
    back = shipped.arrays_from_json(blob["params"])["w"]
    assert back.tobytes() == arrays["w"].tobytes()  # bit for bit


def test_made_with_compares_settings_as_json_data(tmp_path):
    shipped.write("demo", {"config": {"T": 20, "lags": (5, 10)}, "seed": 3}, what="", command="", root=tmp_path)
    blob = shipped.read("demo", tmp_path)
    assert shipped.made_with(blob, config={"T": 20, "lags": (5, 10)}, seed=3)  # a tuple equals the stored list
    assert not shipped.made_with(blob, config={"T": 21, "lags": (5, 10)}, seed=3)
    assert not shipped.made_with(blob, config={"T": 20, "lags": (5, 10)}, seed=4)
    assert not shipped.made_with(None, seed=3)
    assert shipped.read("missing", tmp_path) is None


def test_every_maker_in_the_registry_exists_and_its_files_ship():
    for name, maker in REGISTRY.items():
        assert callable(getattr(importlib.import_module(maker.module), maker.function)), name
        pattern = maker.files.split(",")[0].split(" ")[0].replace("*.csv/json", "*.json")
        assert list(shipped.ROOT.glob(pattern)), f"{name}: nothing in {shipped.ROOT} matches {pattern}"


def test_the_command_lists_every_shipped_result():
    out = subprocess.run([sys.executable, "-m", "rnncore.experiments", "list"], cwd=REPO, capture_output=True,
                         text=True, check=True, timeout=60).stdout
    assert [line.split()[0] for line in out.splitlines()] == list(REGISTRY)
