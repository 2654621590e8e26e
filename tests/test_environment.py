"""The locked course environment: requirements-lock.txt, pyproject.toml, environment.yml and the
Makefile agree, and the environment the tests run in is the locked one."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import tomllib
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements-lock.txt"


def locked() -> dict[str, str]:
    """Package name -> pinned version, for every requirement line of the lock."""
    pins = {}
    for line in LOCK.read_text().splitlines():
        line = line.split("#")[0].strip()
        if not line:
            continue
        match = re.fullmatch(r"([A-Za-z0-9_.\-]+)==([^\s;]+)", line)
        assert match, f"not an exact pin in {LOCK.name}: {line!r}"
        pins[canonicalize_name(match.group(1))] = match.group(2)
    return pins


def project_requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    test_extra = project["optional-dependencies"]["test"]
    return [Requirement(r) for r in [*project["dependencies"], *test_extra]]


def test_the_lock_pins_every_package_exactly_and_satisfies_pyproject() -> None:
    pins = locked()
    assert len(pins) > 100  # the whole environment, not only the direct dependencies
    for requirement in project_requirements():
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} is in pyproject.toml but not in the lock"
        assert requirement.specifier.contains(Version(pins[name]), prereleases=True), (
            f"the lock's {name}=={pins[name]} is outside pyproject.toml's {requirement.specifier}"
        )


def test_the_lock_takes_torch_s_cpu_build_and_no_cuda_package() -> None:
    pins = locked()
    assert pins["torch"] == "2.13.0+cpu"
    cuda = [name for name in pins if name.startswith(("nvidia-", "triton", "cuda-"))]
    assert cuda == [], f"CUDA packages in the lock: {cuda}"
    assert "make lock" in LOCK.read_text().splitlines()[1]  # how it is regenerated


def test_the_environment_under_test_is_the_locked_one() -> None:
    pins = locked()
    assert f"{sys.version_info.major}.{sys.version_info.minor}" == "3.11"  # the lock's Python
    different = {}
    for name, version in pins.items():
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            installed = None
        if installed != version:
            different[name] = (version, installed)
    assert different == {}, (
        f"installed versions differ from the lock (pinned, installed): {different}"
    )
    installed_cuda = [
        d.metadata["Name"]
        for d in metadata.distributions()
        if d.metadata["Name"].lower().startswith("nvidia-")
    ]
    assert installed_cuda == []


def test_environment_yml_installs_the_lock() -> None:
    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    dependencies = environment["dependencies"]
    conda = [d for d in dependencies if isinstance(d, str)]
    pip = next(d["pip"] for d in dependencies if isinstance(d, dict))
    assert "python=3.11" in conda and "pip" in conda
    assert len(conda) == 2, "every other package comes from the lock, through pip"
    assert f"-r {LOCK.name}" in pip and "-e ." in pip
    assert pip.index(f"-r {LOCK.name}") < pip.index("-e .")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert Requirement(f"python{project['requires-python']}").specifier.contains("3.11")


def test_the_makefile_installs_from_the_lock_and_regenerates_it() -> None:
    makefile = (ROOT / "Makefile").read_text()
    assert "LOCK ?= requirements-lock.txt" in makefile
    assert "-r $(LOCK)" in makefile and "--no-deps -e ." in makefile
    assert makefile.index("-r $(LOCK)") < makefile.index("--no-deps -e .")
    assert "TORCH ?= torch==2.13.0" in makefile
    assert "\nlock:" in makefile and "uv pip compile pyproject.toml --extra test" in makefile
    assert "\nrobust: setup" in makefile and "tools/robust.py" in makefile


def test_the_readme_test_command_is_what_ci_runs() -> None:
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in readme and "make lab" in readme
    assert ci.strip().splitlines()[-1].split("#")[0].strip() == "make test"


def test_make_test_runs_the_notebooks_on_an_emulated_cpu_too() -> None:
    sys.path.insert(0, str(ROOT / "tools"))
    import robust

    makefile = (ROOT / "Makefile").read_text()
    emulated = " ".join(f"{k}={v}" for k, v in robust.CPU_CONFIGS[robust.CI_CONFIG].items())
    assert f"EMULATED_CPU := {emulated}" in makefile
    test_recipe = makefile.split("\ntest:")[1].split("\n\n")[0]
    assert "$(EMULATED_CPU) $(BIN)/python -m pytest notebooks" in test_recipe
    assert "browser" in test_recipe.splitlines()[0]  # system packages first


def test_make_browser_says_what_is_missing_where_it_cannot_install_it(tmp_path: Path) -> None:
    make = shutil.which("make")
    assert make, "the two commands need make"
    empty = tmp_path / "bin"  # a PATH with no dpkg, no apt-get, no sudo and no chromium
    empty.mkdir()
    base = {"PATH": str(empty), "HOME": str(tmp_path)}

    def run(*args: str, **env: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [make, "--no-print-directory", "browser", *args],
            cwd=ROOT,
            env={**base, **env},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    missing = run()
    assert missing.returncode != 0
    assert "the browser tests need Chromium" in missing.stderr
    assert "COURSEKIT_CHROMIUM=" in missing.stderr and "BROWSER=skip" in missing.stderr
    assert run("BROWSER=skip").returncode == 0
    configured = run(COURSEKIT_CHROMIUM="/opt/chrome/chrome")
    assert configured.returncode == 0 and "using COURSEKIT_CHROMIUM" in configured.stdout
