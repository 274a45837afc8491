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


def pinned_requirements() -> dict[str, Requirement]:
    lines = (REPO / "requirements.txt").read_text().splitlines()
    reqs = [Requirement(line.split("#")[0].strip()) for line in lines if line.split("#")[0].strip()]
    return {canonicalize_name(r.name): r for r in reqs}


def test_requirements_name_exactly_the_runtime_dependencies():
    assert sorted(pinned_requirements()) == sorted(pyproject_dependencies())


def test_every_requirement_is_pinned_inside_the_pyproject_range():
    ranges = pyproject_dependencies()
    for name, requirement in pinned_requirements().items():
        specs = list(requirement.specifier)
        assert len(specs) == 1 and specs[0].operator == "==", f"{requirement} should pin one exact version"
        version = specs[0].version
        assert ranges[name].specifier.contains(version, prereleases=True), \
            f"requirements.txt pins {name}=={version}, outside pyproject's {ranges[name].specifier}"


def test_the_parser_sees_a_pin_outside_its_range():
    # the check above must be able to fail: 1.66 is outside streamlit's ">=1.67,<2"
    assert not pyproject_dependencies()["streamlit"].specifier.contains("1.66.0")


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
