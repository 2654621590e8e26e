"""The robustness matrix: the notebooks' claims must hold on every machine, not just on ours.

    .venv/bin/python tools/robust.py                 # both parts below (about 7 minutes)
    .venv/bin/python tools/robust.py seeds           # (b) every notebook's asserts, seeds 0-4
    .venv/bin/python tools/robust.py cpus            # (a) nbval under emulated CPUs
    .venv/bin/python tools/robust.py seeds --seeds 1 3 --notebooks notebooks/5.3-*.ipynb

Floating-point results differ between CPUs (vector width, MKL code paths, BLAS kernels), and
an experiment near the edge of stability turns a difference in the last bit into another
trajectory. No one owns every CPU, so the matrix imitates them in two ways:

(a) **other kernels**: torch picks its vectorised kernels by ``ATEN_CPU_CAPABILITY`` (``default``,
    ``avx2``, ``avx512``) and MKL by ``MKL_ENABLE_INSTRUCTIONS`` (``SSE4_2``, ``AVX2``, ...).
    Each configuration computes different floats, like another machine. nbval runs every
    notebook under each one and compares every stored output (strict, as in CI).
(b) **other draws**: ``COURSEKIT_SEED=s`` reruns a notebook with every seed changed
    (``ck.setup`` and ``ck.seed``). Each notebook runs for seeds 0-4 with nbclient, natively and
    under the emulated CPU that CI uses; outputs are not compared, but every cell must run
    without error, so every ``assert`` must hold.

The machine's own ``OPENBLAS_*`` variables are passed on untouched. Prints a Markdown table
(configurations or seeds x notebooks, each with its wall time) and exits with status 1 if any
cell failed anywhere.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))

#: Name -> environment of each emulated CPU. "native" is the machine as it is.
CPU_CONFIGS: dict[str, dict[str, str]] = {
    "native": {},
    "default+SSE4_2": {"ATEN_CPU_CAPABILITY": "default", "MKL_ENABLE_INSTRUCTIONS": "SSE4_2"},
    "avx2+AVX2": {"ATEN_CPU_CAPABILITY": "avx2", "MKL_ENABLE_INSTRUCTIONS": "AVX2"},
    "avx512+AVX512": {"ATEN_CPU_CAPABILITY": "avx512", "MKL_ENABLE_INSTRUCTIONS": "AVX512"},
}
#: The emulated configuration that the README's test command (and so CI) runs besides native.
CI_CONFIG = "default+SSE4_2"
SEEDS = (0, 1, 2, 3, 4)


@dataclass
class Outcome:
    """One notebook under one configuration or seed."""

    notebook: str
    setting: str
    seconds: float
    failures: list[str]  # one line per failed cell (or test), empty when all passed

    @property
    def ok(self) -> bool:
        return not self.failures


def run_with_seed(path: Path, seed: int, config: str = "native", timeout: float = 600.0) -> Outcome:
    """Execute ``path`` in a fresh kernel with ``COURSEKIT_SEED=seed`` under the CPU ``config``.

    Every cell runs (errors are recorded, not raised), so one failed claim does not hide the
    next; a cell that fails only because an earlier one did is still listed.
    """
    import nbclient
    import nbformat

    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        allow_errors=True,
        resources={"metadata": {"path": str(path.parent)}},
    )
    # The kernel inherits this process's environment: set it for this job, then put it back.
    saved = dict(os.environ)
    for name in {key for env in CPU_CONFIGS.values() for key in env}:
        os.environ.pop(name, None)
    os.environ.update({**CPU_CONFIGS[config], "COURSEKIT_SEED": str(seed)})
    try:
        start = time.perf_counter()
        client.execute()
        seconds = time.perf_counter() - start
    finally:
        os.environ.clear()
        os.environ.update(saved)
    failures = []
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                line = _error_line(cell.source, output)
                failures.append(f"cell {index}: {output['ename']}: {output['evalue']}{line}")
    setting = f"seed {seed}" if config == "native" else f"seed {seed}, {config}"
    return Outcome(path.stem, setting, seconds, failures)


def _error_line(source: str, output: dict) -> str:
    """The source line an error was raised on (for an assert: the claim that failed)."""
    traceback = "\n".join(output.get("traceback", []))
    plain = re.sub(r"\x1b\[[0-9;]*m", "", traceback)
    arrows = re.findall(r"^-*>\s*(\d+)\s", plain, flags=re.MULTILINE)  # IPython: "---> 15 ..."
    lines = source.splitlines()
    if arrows and 0 < int(arrows[0]) <= len(lines):  # the first frame is the cell's own
        return f" (at `{lines[int(arrows[0]) - 1].strip()}`)"
    return ""


def run_nbval(path: Path, config: str, timeout: float = 900.0) -> Outcome:
    """Run nbval (strict, every stored output compared) on ``path`` under an emulated CPU."""
    emulated = {key for env in CPU_CONFIGS.values() for key in env} | {"COURSEKIT_SEED"}
    env = {k: v for k, v in os.environ.items() if k not in emulated}  # stored outputs: seed 0
    env.update(CPU_CONFIGS[config])
    command = [sys.executable, "-m", "pytest", str(path), "-q", "-p", "no:cacheprovider"]
    command += ["-c", str(ROOT / "pyproject.toml")]  # the nbval options, wherever path is
    start = time.perf_counter()
    done = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    seconds = time.perf_counter() - start
    failures = [
        line.removeprefix("FAILED ").strip()
        for line in done.stdout.splitlines()
        if line.startswith(("FAILED", "ERROR"))
    ]
    if done.returncode != 0 and not failures:
        tail = (done.stdout + done.stderr).strip().splitlines()[-5:]
        failures = [f"pytest exited with {done.returncode}: " + " | ".join(tail)]
    return Outcome(path.stem, config, seconds, failures)


def _call(job: tuple) -> Outcome:
    function, *args = job
    return function(*args)


def run_jobs(jobs: list[tuple], workers: int) -> list[Outcome]:
    """Run ``(function, *args)`` jobs in ``workers`` processes; print each outcome as it ends."""
    outcomes = []
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for outcome in pool.map(_call, jobs):
            mark = "ok" if outcome.ok else "FAILED"
            print(f"  {outcome.notebook} | {outcome.setting}: {mark} ({outcome.seconds:.0f} s)")
            for failure in outcome.failures:
                print(f"      {failure}")
            sys.stdout.flush()
            outcomes.append(outcome)
    return outcomes


def table(outcomes: list[Outcome], settings: list[str]) -> str:
    """Markdown: one row per notebook, one column per setting, each cell 'ok (12 s)'."""
    notebooks = list(dict.fromkeys(o.notebook for o in outcomes))
    found = {(o.notebook, o.setting): o for o in outcomes}
    rows = ["| notebook | " + " | ".join(settings) + " |", "|---" * (len(settings) + 1) + "|"]
    for notebook in notebooks:
        cells = []
        for setting in settings:
            outcome = found[(notebook, setting)]
            verdict = "ok" if outcome.ok else f"**{len(outcome.failures)} failed**"
            cells.append(f"{verdict} ({outcome.seconds:.0f} s)")
        rows.append(f"| {notebook} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("part", nargs="?", choices=("all", "seeds", "cpus"), default="all")
    parser.add_argument("--notebooks", nargs="+", type=Path, default=NOTEBOOKS)
    parser.add_argument("--seeds", nargs="+", type=int, default=list(SEEDS))
    parser.add_argument(
        "--configs", nargs="+", choices=list(CPU_CONFIGS), default=list(CPU_CONFIGS)
    )
    parser.add_argument(
        "--seed-configs",
        nargs="+",
        choices=list(CPU_CONFIGS),
        default=["native", CI_CONFIG],
        help="the CPU configurations under which every seed runs",
    )
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    args = parser.parse_args(argv)
    if any(seed < 0 for seed in args.seeds):
        parser.error("--seeds must be integers >= 0")
    if args.workers < 1:
        parser.error("--workers must be >= 1")
    missing = [str(path) for path in args.notebooks if not path.is_file()]
    if missing:
        parser.error(f"--notebooks: no such file: {', '.join(missing)}")
    notebooks = [path.resolve() for path in args.notebooks]

    start = time.perf_counter()
    report, outcomes = [], []
    if args.part in ("all", "cpus"):
        print(f"(a) nbval under {len(args.configs)} CPU configurations:")
        jobs = [(run_nbval, path, config) for config in args.configs for path in notebooks]
        found = run_jobs(jobs, args.workers)
        report.append("nbval (strict) under emulated CPUs:\n\n" + table(found, args.configs))
        outcomes += found
    if args.part in ("all", "seeds"):
        for config in args.seed_configs:
            print(f"(b) every notebook's asserts for seeds {args.seeds}, CPU {config}:")
            jobs = [
                (run_with_seed, path, seed, config) for seed in args.seeds for path in notebooks
            ]
            found = run_jobs(jobs, args.workers)
            settings = [o.setting for o in found[:: len(notebooks)]]
            report.append(
                f"Asserts (nbclient) for each seed, CPU {config}:\n\n" + table(found, settings)
            )
            outcomes += found
    elapsed = time.perf_counter() - start
    print()
    print("\n\n".join(report))
    failed = sum(not o.ok for o in outcomes)
    print(
        f"\n{len(outcomes) - failed} passed, {failed} failed "
        f"(notebook runs; wall time {elapsed / 60:.1f} min, {args.workers} workers)"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
