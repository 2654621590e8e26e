"""The student release, made by nbgrader itself, and the course folder that grading uses.

    python tools/release.py [--keep] [OUT]   # every notebook's release into OUT (student/)
    python tools/release.py --course DIR     # an nbgrader course folder to grade in (course/)

With ``--keep`` a notebook already in OUT is left alone (it holds a student's work); without it,
the release overwrites OUT's copies.

nbgrader works on a *course folder*: ``source/<assignment>/`` holds the instructor's notebooks,
``nbgrader generate_assignment`` writes ``release/<assignment>/`` (solutions replaced by
``raise NotImplementedError()``, hidden tests removed, outputs cleared), students hand in
``submitted/<student>/<assignment>/``, and ``nbgrader autograde`` grades them into a gradebook.
Each notebook is one assignment, named after its section: ``5.1-network-optimization.ipynb`` is
assignment ``ch5_1``. :func:`make_course` lays such a folder out; :func:`nbgrader` runs the real
command line in it (tests/test_nbgrader.py grades releases this way).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("5.*.ipynb"))
#: nbgrader's own defaults, written out so that the instructor's page can point at them.
CONFIG = """\
c = get_config()  # noqa: F821 (nbgrader's config loader defines it)
c.CourseDirectory.root = {root!r}
c.CourseDirectory.course_id = "coursekit"
c.CourseDirectory.db_url = "sqlite:///" + {database!r}
c.Execute.timeout = 30  # seconds per cell, nbgrader's default
c.ClearSolutions.code_stub = {{"python": "# YOUR CODE HERE\\nraise NotImplementedError()"}}
"""


def assignment_of(notebook: Path) -> str:
    """The assignment a notebook is released as: ``5.1-...ipynb`` -> ``ch5_1``."""
    section = notebook.name.split("-", 1)[0]
    if not section.replace(".", "").isdigit():
        raise ValueError(f"notebook names start with their section, like 5.1-..., got {notebook}")
    return "ch" + section.replace(".", "_")


def make_course(root: Path, notebooks: list[Path] = NOTEBOOKS) -> dict[str, Path]:
    """An nbgrader course folder at ``root`` with one assignment per notebook.

    Returns assignment -> the notebook's path under ``source/``.
    """
    root = Path(root).resolve()
    if not notebooks:
        raise ValueError("notebooks is empty: pass the instructor's notebooks to release")
    root.mkdir(parents=True, exist_ok=True)
    (root / "nbgrader_config.py").write_text(
        CONFIG.format(root=str(root), database=str(root / "gradebook.db")), encoding="utf-8"
    )
    sources = {}
    for notebook in notebooks:
        if not Path(notebook).is_file():
            raise FileNotFoundError(f"no notebook at {notebook}")
        assignment = assignment_of(Path(notebook))
        folder = root / "source" / assignment
        folder.mkdir(parents=True, exist_ok=True)
        sources[assignment] = Path(shutil.copy2(notebook, folder / Path(notebook).name))
    return sources


def nbgrader(root: Path, *args: str, timeout: float = 1800) -> subprocess.CompletedProcess[str]:
    """Run ``nbgrader ARGS`` in the course folder ``root``; raise with its log if it fails.

    nbgrader calls other tools of its environment (``alembic``), so that environment's
    ``bin`` folder goes first on the PATH.
    """
    bin_dir = str(Path(sys.executable).parent)
    env = dict(os.environ, PATH=bin_dir + os.pathsep + os.environ.get("PATH", ""))
    done = subprocess.run(
        [str(Path(bin_dir) / "nbgrader"), *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    failed = done.returncode != 0 or "[ERROR]" in done.stderr or "| ERROR]" in done.stderr
    if failed:
        raise RuntimeError(f"nbgrader {' '.join(args)} failed ({done.returncode}):\n{done.stderr}")
    return done


def release(out: Path, notebooks: list[Path] = NOTEBOOKS, *, keep: bool = False) -> list[Path]:
    """Generate the student release of ``notebooks`` with nbgrader and put it, flat, in ``out``.

    With ``keep``, a notebook that ``out`` already holds is not replaced. Returns the notebooks
    written.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    todo = [nb for nb in notebooks if not (keep and (out / Path(nb).name).exists())]
    written = []
    if not todo:
        return written
    with tempfile.TemporaryDirectory(prefix="coursekit-release-") as folder:
        sources = make_course(Path(folder), todo)
        for assignment, source in sources.items():
            nbgrader(Path(folder), "generate_assignment", assignment, "--force")
            released = Path(folder) / "release" / assignment / source.name
            written.append(Path(shutil.copy2(released, out / source.name)))
    return written


def course(root: Path, notebooks: list[Path] = NOTEBOOKS) -> list[Path]:
    """A course folder at ``root`` to grade in: the sources, their releases in ``release/``
    (made by ``nbgrader generate_assignment``) and the gradebook. A folder that exists is
    updated: its sources and releases are replaced, its submissions and gradebook kept."""
    root = Path(root)
    sources = make_course(root, notebooks)
    released = []
    for assignment, source in sources.items():
        nbgrader(root, "generate_assignment", assignment, "--force")
        released.append(root.resolve() / "release" / assignment / source.name)
    return released


def main(argv: list[str]) -> int:
    if argv[:1] == ["--course"]:
        if len(argv) > 2:
            print("usage: python tools/release.py --course [DIR]", file=sys.stderr)
            return 2
        root = Path(argv[1]) if len(argv) == 2 else ROOT / "course"
        for path in course(root):
            print(f"released {path}")
        print(f"course folder: {root.resolve()} (run nbgrader there: see the README)")
        return 0
    keep = "--keep" in argv
    rest = [arg for arg in argv if arg != "--keep"]
    if len(rest) > 1 or any(arg.startswith("-") for arg in rest):
        print("usage: python tools/release.py [--keep] [OUT] | --course [DIR]", file=sys.stderr)
        return 2
    out = Path(rest[0]) if rest else ROOT / "student"
    written = release(out, keep=keep)
    for path in written:
        print(f"released {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    for notebook in NOTEBOOKS:
        if keep and out / notebook.name not in written:
            print(f"kept your {notebook.name} (delete it for a fresh copy)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
