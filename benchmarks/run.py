"""Measure the course's speed budgets and print a Markdown table.

    .venv/bin/python benchmarks/run.py            # everything
    .venv/bin/python benchmarks/run.py --quick    # skip the notebook executions

Budgets (DESIGN.md section 9): each notebook <= 60 s in a fresh kernel, a retraining widget
<= 2 s per slider change, coursekit's training loop <= 1.2x a bare torch loop.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time
from pathlib import Path

import numpy as np
import torch

import coursekit as ck

ROOT = Path(__file__).resolve().parent.parent


def notebook_seconds(path: Path) -> float:
    """Wall time of executing ``path`` top to bottom in a fresh kernel (kernel start included)."""
    import nbclient
    import nbformat

    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    nbclient.NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    ).execute()
    return time.perf_counter() - start


def widget_latency(repeats: int = 2) -> list[float]:
    """Seconds per slider change of the 5.2 explorer, over a sweep of settings."""
    data = ck.data.load_digits_split(seed=0)
    app = ck.widgets.minibatch_explorer(data)
    settings = [("batch_size", k) for k in (1, 8, 64, 512, 1077, 32)] + [
        ("lr", v) for v in (0.001, 1.0, 10.0, 0.1)
    ]
    times = []
    for _ in range(repeats):
        for name, value in settings:
            start = time.perf_counter()
            app.controls[name].value = value
            times.append(time.perf_counter() - start)
    return times


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip the notebook executions")
    args = parser.parse_args()
    ck.setup(seed=0)
    rows = []
    if not args.quick:
        total = 0.0
        for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
            seconds = notebook_seconds(path)
            total += seconds
            rows.append((f"notebook {path.name}", f"{seconds:.1f} s", "<= 60 s (aim 30 s)"))
        rows.append(("all notebooks", f"{total:.1f} s", "<= 300 s"))
    times = widget_latency()
    rows.append(
        (
            "5.2 explorer, retrain per slider change",
            f"p50 {np.percentile(times, 50):.2f} s, p95 {np.percentile(times, 95):.2f} s",
            "<= 2 s",
        )
    )
    fit_s, bare_s = loop_overhead()
    rows.append(
        (
            "fit / bare torch loop (MLP 64-64-10, K=32, 5 epochs)",
            f"{fit_s / bare_s:.2f}x ({fit_s:.3f} s / {bare_s:.3f} s)",
            "<= 1.2x",
        )
    )
    machine = f"{platform.machine()}, {torch.get_num_threads()} torch thread(s)"
    versions = f"torch {torch.__version__}, Python {platform.python_version()}"
    print(f"Measured on {machine}, {versions}\n")
    print("| what | measured | budget |\n|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
