"""The conda/Binder environment and pyproject.toml name the same dependencies."""

from __future__ import annotations

import re
from pathlib import Path

import tomllib
import yaml

ROOT = Path(__file__).resolve().parent.parent
CONDA_TO_PIP = {"pytorch": "torch"}  # conda-forge names that differ from PyPI's


def parse(requirement: str) -> tuple[str, str]:
    match = re.fullmatch(r"\s*([A-Za-z0-9_.\-]+)\s*(.*?)\s*", requirement)
    assert match, requirement
    name = match.group(1).lower().replace("_", "-")
    return CONDA_TO_PIP.get(name, name), match.group(2).replace(" ", "")


def test_environment_yml_and_pyproject_agree() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = [d for d in environment["dependencies"] if isinstance(d, str)]
    pip = next(d["pip"] for d in environment["dependencies"] if isinstance(d, dict))
    conda_deps = dict(parse(d) for d in conda if parse(d)[0] not in ("python", "pip"))
    assert conda_deps == dict(parse(d) for d in project["dependencies"])
    assert (
        dict([parse(d) for d in conda if d.startswith("python")])["python"]
        == project["requires-python"]
    )
    assert "-e ." in pip  # the package itself


def test_the_readme_test_command_is_what_ci_runs() -> None:
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in readme and "make lab" in readme
    assert ci.strip().splitlines()[-1].split("#")[0].strip() == "make test"


def test_torch_is_pinned_before_the_package_is_installed() -> None:
    makefile = (ROOT / "Makefile").read_text()
    assert "TORCH ?= torch==2.13.0" in makefile
    assert makefile.index("$(TORCH)\n") < makefile.index('-e ".[test]"')
