"""The layers of the Lab, enforced: each layer imports only the layers below it.

    streamlit_app.py, app/        Streamlit: pages and their helpers
    rnncore.experiments, .charts  pandas (experiments), Altair (charts); no Streamlit
    rnncore.data, .reference      what comes in, ships out, or is compared against
    rnncore (top level)           the engine: NumPy and the standard library only

Imports are read from the source (``ast``), including imports inside functions, so a late import cannot slip by.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CORE = REPO / "rnncore"
OUTER = ("data", "reference", "experiments", "charts")  # rnncore's subpackages that are not the engine
STDLIB = set(sys.stdlib_module_names)


def imports(path: Path, root: Path = REPO) -> set[str]:
    """Absolute names of every module ``path`` imports (relative imports resolved against its package)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = path.relative_to(root).parts[:-1]
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = ".".join(package[: len(package) - node.level + 1])
                module = f"{base}.{node.module}" if node.module else base
                names.update([module, *(f"{module}.{a.name}" for a in node.names)] if node.module
                             else [f"{base}.{a.name}" for a in node.names])
            else:
                names.add(node.module)
                names.update(f"{node.module}.{a.name}" for a in node.names)  # `from rnncore import data`
    return names


def top(name: str) -> str:
    return name.split(".")[0]


def engine_files() -> list[Path]:
    return sorted(p for p in CORE.rglob("*.py") if p.relative_to(CORE).parts[0] not in OUTER)


def layer_of(module: str) -> str | None:
    """'engine', one of OUTER, or None for a module outside rnncore."""
    parts = module.split(".")
    if parts[0] != "rnncore":
        return None
    return parts[1] if len(parts) > 1 and parts[1] in OUTER else "engine"


def test_the_engine_imports_numpy_and_the_standard_library_only():
    bad = {}
    for path in engine_files():
        outside = {m for m in imports(path) if top(m) not in STDLIB | {"numpy", "rnncore", "__future__"}}
        outside |= {m for m in imports(path) if top(m) == "rnncore" and layer_of(m) != "engine"}
        if outside:
            bad[str(path.relative_to(REPO))] = sorted(outside)
    assert not bad, f"engine modules must import only numpy, the standard library and the engine: {bad}"


def test_nothing_under_rnncore_imports_streamlit():
    bad = [str(p.relative_to(REPO)) for p in CORE.rglob("*.py") if any(top(m) == "streamlit" for m in imports(p))]
    assert not bad


@pytest.mark.parametrize("layer, allowed", [
    ("data", {"engine", "data"}),
    ("reference", {"engine", "data", "reference"}),
    ("charts", {"charts"}),  # charts draw frames: they compute nothing, so they need no engine
])
def test_each_outer_layer_imports_only_the_layers_below(layer, allowed):
    bad = {}
    for path in sorted((CORE / layer).rglob("*.py")):
        used = {layer_of(m) for m in imports(path) if top(m) == "rnncore"} - {None}
        if used - allowed:
            bad[str(path.relative_to(REPO))] = sorted(used - allowed)
    assert not bad, f"rnncore.{layer} may import only {sorted(allowed)}: {bad}"


def test_experiments_never_import_charts():
    bad = [str(p.relative_to(REPO)) for p in (CORE / "experiments").rglob("*.py")
           if any(layer_of(m) == "charts" for m in imports(p))]
    assert not bad, "experiments return frames and findings; pages hand them to charts"


def page_files() -> list[Path]:
    return sorted(p for p in (REPO / "app" / "pages").glob("*.py") if not p.name.startswith("_"))


def test_pages_import_only_app_helpers_their_experiments_and_their_charts():
    """A page may import streamlit, the app's helpers, and modules of rnncore.experiments and rnncore.charts; never
    the engine, data or reference directly (the experiment is the page's door to them)."""
    bad = {}
    for path in page_files():
        for module in imports(path):
            layer = layer_of(module)
            if top(module) in STDLIB | {"__future__", "streamlit", "app", "altair", "pandas", "numpy"}:
                continue
            if layer in ("experiments", "charts") and not module.startswith("rnncore.charts.common"):
                continue  # the chart layer's palette and helpers are its own business: pages call builders
            if module == "rnncore.experiments" or module == "rnncore.charts":
                continue
            bad.setdefault(path.name, []).append(module)
    assert not bad, f"pages reach past their experiment and charts: {bad}"


def test_app_helpers_do_not_import_pages():
    bad = [str(p.relative_to(REPO)) for p in (REPO / "app").glob("*.py")
           if any(m.startswith("app.pages") for m in imports(p))]
    assert not bad


def test_import_rnncore_loads_the_engine_only():
    code = ("import sys, rnncore; "
            "print(sorted(m for m in sys.modules if m.startswith('rnncore.') and m.split('.')[1] in "
            f"{OUTER!r}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    assert out.stdout.strip() == "[]", out.stdout
    code = "import sys, rnncore; print(sorted({m.split('.')[0] for m in sys.modules} & {'pandas', 'altair', 'scipy', 'streamlit'}))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    assert out.stdout.strip() == "[]", out.stdout


def test_the_checks_see_a_forbidden_import(tmp_path):
    """The import reader must catch what the rules forbid, including a late import inside a function."""
    fake = tmp_path / "rnncore" / "cells" / "probe.py"
    fake.parent.mkdir(parents=True)
    fake.write_text("def f():\n    import pandas\n    from ..data import series\n    from . import base\n")
    found = imports(fake, root=tmp_path)
    assert {"pandas", "rnncore.data.series", "rnncore.cells.base"} <= found
    assert layer_of("rnncore.data.series") == "data" and layer_of("rnncore.sequence") == "engine"
