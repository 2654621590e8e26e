"""Measure the course's speed budgets and print a Markdown table.

    .venv/bin/python benchmarks/run.py                 # everything (about 3 minutes)
    .venv/bin/python benchmarks/run.py --no-browser    # without JupyterLab and Chromium
    .venv/bin/python benchmarks/run.py --quick         # only the optimizer and loop ratios
    .venv/bin/python benchmarks/run.py --write-readme  # also replace the table in README.md

What is measured, against the budgets of DESIGN.md section 9:

* each notebook's execution time in a fresh kernel (nbclient), and the series' total;
* in that same kernel, right after the notebook ran, the Python latency of every live widget:
  each control is moved over its range and the time until the figure is redrawn is recorded
  (``benchmarks/widget_probe.py``); p50 and p95 per widget;
* in JupyterLab with Chromium (``tests/browser/labdriver.py``), the time from a key press on a
  slider to the new figure decoded in the page;
* per ``step()``, each ``coursekit.optim`` optimizer against torch.optim's single-tensor
  implementation (``foreach=False``) on the same MLP with the same gradients, interleaved;
* ``coursekit.train.fit`` against a bare torch loop over the same batches.
"""

from __future__ import annotations

import argparse
import copy
import datetime
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

import coursekit as ck

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "browser"))
from labdriver import print_marked_json, read_marked_json  # noqa: E402

NOTEBOOK_BUDGET, NOTEBOOK_AIM, SERIES_BUDGET = 60.0, 30.0, 300.0
PYTHON_LATENCY_BUDGET = ck.widgets.LATENCY_BUDGET  # toy 50 ms, retrain 2 s
BROWSER_LATENCY_BUDGET = {"toy": 0.3, "retrain": 2.0}
OPTIMIZER_BUDGET, LOOP_BUDGET = 1.5, 1.2
README_START, README_END = "<!-- benchmarks:start -->", "<!-- benchmarks:end -->"

#: (coursekit.optim class name, constructor arguments) pairs whose step() is compared.
OPTIMIZER_CASES: list[tuple[str, dict[str, Any]]] = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.1, "momentum": 0.9}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
    ("Adagrad", {"lr": 0.01}),
    ("RMSprop", {"lr": 0.01}),
    ("Adam", {"lr": 0.001}),
]


@dataclass
class Row:
    what: str
    measured: str
    budget: str
    ok: bool | None  # None: no budget applies

    def cells(self) -> list[str]:
        verdict = {True: "yes", False: "**no**", None: ""}[self.ok]
        return [self.what, self.measured, self.budget, verdict]


def seconds(value: float) -> str:
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def _probe_code(values_per_control: int) -> str:
    source = (Path(__file__).parent / "widget_probe.py").read_text()
    return f"{source}\n" + print_marked_json(
        f"widget_latencies(values_per_control={values_per_control})"
    )


def run_notebook(
    path: Path, *, values_per_control: int = 5, timeout: float = 600.0
) -> tuple[float, list[dict]]:
    """Execute ``path`` in a fresh kernel; return its wall time and its widgets' latencies.

    The time runs from starting the kernel to the end of the last cell. Then, in the same
    kernel, ``widget_probe.widget_latencies`` moves every live widget's controls.
    """
    import nbclient
    import nbformat

    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    start = time.perf_counter()
    with client.setup_kernel():
        for index, cell in enumerate(nb.cells):
            client.execute_cell(cell, index)
        elapsed = time.perf_counter() - start
        probe = nbformat.v4.new_code_cell(_probe_code(values_per_control))
        nb.cells.append(probe)
        client.execute_cell(probe, len(nb.cells) - 1)
    text = "".join(
        o.get("text", "") for o in probe.outputs if o.get("name") == "stdout"
    )  # warnings go to stderr, and any stray line is skipped by the marker
    return elapsed, read_marked_json(text)


def browser_latencies(notebooks: list[Path]) -> list[tuple[str, Any]]:
    """(notebook, ControlMove) for every control of every notebook, driven in Chromium."""
    from labdriver import Chromium, JupyterLab, drive_notebook

    moves = []
    with tempfile.TemporaryDirectory(prefix="coursekit-bench-") as folder:
        for path in notebooks:
            shutil.copy(path, folder)
        with JupyterLab(folder) as lab, Chromium() as browser:
            for path in notebooks:
                report = drive_notebook(browser, lab, path.name)
                if report.errors:
                    raise RuntimeError(f"{path.name} failed in the browser: {report.errors}")
                moves += [(path.name, move) for move in report.moves]
    return moves


def optimizer_step_ratio(
    ours: Callable[..., torch.optim.Optimizer],
    reference: Callable[..., torch.optim.Optimizer],
    kwargs: dict[str, Any],
    *,
    sizes: tuple[int, ...] = (64, 128, 10),
    steps: int = 100,
    repeats: int = 9,
) -> tuple[float, float, float]:
    """Median seconds per ``step()`` of ``ours`` and of ``reference``, and their ratio.

    Both optimise their own copy of the same MLP with the same fixed gradients, so only the
    update itself is timed. Blocks of ``steps`` steps alternate between the two (the order
    flips every repeat), which cancels drifts in machine speed.
    """
    model = ck.models.mlp(list(sizes), seed=0)
    generator = torch.Generator().manual_seed(0)
    for p in model.parameters():
        p.grad = torch.randn(p.shape, generator=generator)
    model_ours, model_ref = copy.deepcopy(model), copy.deepcopy(model)
    opt_ours = ours(model_ours.parameters(), **kwargs)
    opt_ref = reference(model_ref.parameters(), **kwargs)

    def block(optimizer: torch.optim.Optimizer) -> float:
        start = time.perf_counter()
        for _ in range(steps):
            optimizer.step()
        return (time.perf_counter() - start) / steps

    block(opt_ours), block(opt_ref)  # warm-up: creates the state
    times: dict[str, list[float]] = {"ours": [], "ref": []}
    for r in range(repeats):
        order = ("ours", "ref") if r % 2 == 0 else ("ref", "ours")
        for which in order:
            times[which].append(block(opt_ours if which == "ours" else opt_ref))
    t_ours, t_ref = statistics.median(times["ours"]), statistics.median(times["ref"])
    return t_ours / t_ref, t_ours, t_ref


def loop_overhead(epochs: int = 5, batch_size: int = 32, repeats: int = 5) -> tuple[float, float]:
    """Median seconds of ``fit`` and of a bare torch loop over the same batches (interleaved)."""
    data = ck.data.load_digits_split(seed=0)
    X, y = torch.as_tensor(data.X_train), torch.as_tensor(data.y_train)

    def with_fit() -> float:
        model = ck.models.mlp([64, 64, 10], seed=0)
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        start = time.perf_counter()
        ck.train.fit(model, opt, X, y, batch_size=batch_size, epochs=epochs, progress=False)
        return time.perf_counter() - start

    def bare() -> float:
        model = ck.models.mlp([64, 64, 10], seed=0)
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        batches = ck.minibatch.MiniBatches(X, y, batch_size, seed=0)
        start = time.perf_counter()
        for _ in range(epochs):
            for xb, yb in batches:
                opt.zero_grad()
                torch.nn.functional.cross_entropy(model(xb), yb).backward()
                opt.step()
        return time.perf_counter() - start

    fit_times, bare_times = [], []
    for _ in range(repeats):
        fit_times.append(with_fit())
        bare_times.append(bare())
    return statistics.median(fit_times), statistics.median(bare_times)


def machine_description() -> str:
    cpu = platform.processor() or platform.machine()
    with_cpuinfo = Path("/proc/cpuinfo")
    if with_cpuinfo.exists():
        for line in with_cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return (
        f"{cpu} ({platform.machine()}), {os.cpu_count()} cores, no GPU used, "
        f"{torch.get_num_threads()} torch thread; torch {torch.__version__}, "
        f"Python {platform.python_version()}; {datetime.date.today().isoformat()}"
    )


def markdown_table(rows: list[Row], machine: str) -> str:
    lines = [
        f"*Measured on {machine}.*",
        "",
        "| what | measured | budget | within |",
        "|---|---|---|---|",
    ]
    lines += ["| " + " | ".join(row.cells()) + " |" for row in rows]
    return "\n".join(lines)


def replace_table(readme: str, table: str) -> str:
    """``readme`` with the text between the benchmark markers replaced by ``table``."""
    if readme.count(README_START) != 1 or readme.count(README_END) != 1:
        raise ValueError(f"the README needs exactly one {README_START} and one {README_END}")
    head, rest = readme.split(README_START)
    _, tail = rest.split(README_END)
    return f"{head}{README_START}\n{table}\n{README_END}{tail}"


def notebook_rows(values_per_control: int) -> list[Row]:
    rows, total = [], 0.0
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        elapsed, widgets = run_notebook(path, values_per_control=values_per_control)
        total += elapsed
        rows.append(
            Row(
                f"notebook {path.stem}, fresh kernel",
                f"{elapsed:.1f} s",
                f"<= {NOTEBOOK_BUDGET:.0f} s (aim {NOTEBOOK_AIM:.0f} s)",
                elapsed <= NOTEBOOK_BUDGET,
            )
        )
        for w in widgets:
            budget = PYTHON_LATENCY_BUDGET[w["kind"]]
            rows.append(
                Row(
                    f"{path.stem} widget {w['widget']} ({w['kind']}: {', '.join(w['controls'])}),"
                    f" Python, {w['changes']} changes",
                    f"p50 {seconds(w['p50'])}, p95 {seconds(w['p95'])}",
                    f"<= {seconds(budget)}",
                    w["p95"] <= budget,
                )
            )
    rows.append(Row("all notebooks", f"{total:.1f} s", f"<= {SERIES_BUDGET:.0f} s", total <= 300))
    return rows


def browser_rows() -> list[Row]:
    rows = []
    for name, move in browser_latencies(sorted((ROOT / "notebooks").glob("*.ipynb"))):
        budget = BROWSER_LATENCY_BUDGET.get(move.kind)
        latency = move.latency
        rows.append(
            Row(
                f"{Path(name).stem} widget {move.widget} ({move.kind}), browser, "
                f"{move.control} {move.action}",
                "figure unchanged" if latency is None else f"{seconds(latency)} key to figure",
                "" if budget is None else f"<= {seconds(budget)}",
                None if budget is None else latency is not None and latency <= budget,
            )
        )
    return rows


def optimizer_rows() -> list[Row]:
    optim = getattr(ck, "optim", None)
    rows = []
    for name, kwargs in OPTIMIZER_CASES:
        label = f"coursekit.optim.{name}({', '.join(f'{k}={v}' for k, v in kwargs.items())})"
        ours = getattr(optim, name, None)
        if ours is None:
            rows.append(Row(f"{label} / torch.optim", "not in coursekit yet", "<= 1.5x", None))
            continue
        reference = getattr(torch.optim, name)
        ratio, t_ours, t_ref = optimizer_step_ratio(
            ours, lambda params, _r=reference, **kw: _r(params, foreach=False, **kw), kwargs
        )
        rows.append(
            Row(
                f"{label} / torch.optim (foreach=False), per step, MLP 64-128-10",
                f"{ratio:.2f}x ({t_ours * 1e6:.0f} µs / {t_ref * 1e6:.0f} µs)",
                f"<= {OPTIMIZER_BUDGET}x",
                ratio <= OPTIMIZER_BUDGET,
            )
        )
    return rows


def loop_rows() -> list[Row]:
    fit_s, bare_s = loop_overhead()
    ratio = fit_s / bare_s
    return [
        Row(
            "fit / bare torch loop (MLP 64-64-10, K=32, 5 epochs)",
            f"{ratio:.2f}x ({fit_s:.3f} s / {bare_s:.3f} s)",
            f"<= {LOOP_BUDGET}x",
            ratio <= LOOP_BUDGET,
        )
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="only the optimizer and loop ratios")
    parser.add_argument("--no-browser", action="store_true", help="skip JupyterLab + Chromium")
    parser.add_argument("--write-readme", action="store_true", help="update README.md's table")
    parser.add_argument(
        "--values-per-control", type=int, default=5, help="settings per control (default 5)"
    )
    args = parser.parse_args(argv)
    ck.setup(seed=0, style=False)
    rows: list[Row] = []
    if not args.quick:
        rows += notebook_rows(args.values_per_control)
        if not args.no_browser:
            rows += browser_rows()
    rows += optimizer_rows()
    rows += loop_rows()
    table = markdown_table(rows, machine_description())
    print(table)
    if args.write_readme:
        readme = ROOT / "README.md"
        readme.write_text(replace_table(readme.read_text(), table))
        print(f"\nwrote the table into {readme.relative_to(ROOT)}")
    missed = [row.what for row in rows if row.ok is False]
    if missed:
        print("\nover budget: " + "; ".join(missed))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
