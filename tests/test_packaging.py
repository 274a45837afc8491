"""requirements.txt (what Streamlit Community Cloud installs) agrees with pyproject.toml's dependencies."""

from __future__ import annotations

import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[1]


def pyproject_dependencies() -> dict[str, Requirement]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    return {canonicalize_name(r.name): r for r in map(Requirement, project["dependencies"])}


def pinned_requirements(text: str | None = None) -> dict[str, Requirement]:
    lines = (text if text is not None else (REPO / "requirements.txt").read_text()).splitlines()
    reqs = [Requirement(line.split("#")[0].strip()) for line in lines if line.split("#")[0].strip()]
    return {canonicalize_name(r.name): r for r in reqs}


def pin_problems(pins: dict[str, Requirement], ranges: dict[str, Requirement]) -> list[str]:
    """What is wrong with requirements.txt's pins against pyproject's ranges: names that differ, a pin that is not
    one exact version, a version outside its range. Empty when they agree."""
    problems = []
    if sorted(pins) != sorted(ranges):
        problems.append(f"requirements.txt names {sorted(pins)}, pyproject {sorted(ranges)}")
    for name, requirement in pins.items():
        specs = list(requirement.specifier)
        if len(specs) != 1 or specs[0].operator != "==":
            problems.append(f"{requirement} should pin one exact version")
        elif name in ranges and not ranges[name].specifier.contains(specs[0].version, prereleases=True):
            problems.append(f"requirements.txt pins {name}=={specs[0].version}, outside pyproject's "
                            f"{ranges[name].specifier}")
    return problems


def test_requirements_pin_exactly_the_runtime_dependencies_inside_their_ranges():
    assert pin_problems(pinned_requirements(), pyproject_dependencies()) == []


def test_the_check_finds_a_bad_pin_a_loose_pin_and_a_missing_name():
    ranges = pyproject_dependencies()
    good = (REPO / "requirements.txt").read_text()
    outside = good.replace("streamlit==", "streamlit==1.66.0 #")  # 1.66 is below streamlit's >=1.67
    assert any("outside" in p for p in pin_problems(pinned_requirements(outside), ranges))
    loose = good.replace("numpy==", "numpy>=")
    assert any("one exact version" in p for p in pin_problems(pinned_requirements(loose), ranges))
    missing = "\n".join(line for line in good.splitlines() if not line.startswith("pandas"))
    assert any("names" in p for p in pin_problems(pinned_requirements(missing), ranges))


def test_readme_holds_the_one_test_command_that_ci_runs():
    readme = (REPO / "README.md").read_text()
    block = readme.split("<!-- test-command:start -->")[1].split("<!-- test-command:end -->")[0]
    commands = [line for line in block.strip().splitlines() if not line.startswith("```")]
    assert len(commands) == 1, "one command, so that .ci/run runs exactly what a new user pastes"
    install, run = commands[0].split(" && ")
    assert install == 'pip install -r requirements.txt -e ".[test]"'  # the tested pins, plus the test extra
    assert run == "python -m pytest"
    ci = (REPO / ".ci" / "run").read_text()
    assert "test-command:start" in ci and "python -m pytest tests/browser" in ci
    assert "pip install -r requirements.txt && streamlit run streamlit_app.py" in readme
