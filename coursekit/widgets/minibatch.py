"""Mini-batch gradient descent (5.2): retrain the course MLP for a batch size and a rate."""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets
import numpy as np
import torch
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from .. import validate
from ..data import Dataset
from ..models import mlp
from ..plot import curve_data, smooth
from ..train import History, fit
from .core import (
    WIDGET_DPI,
    SliderApp,
    learning_rate_slider,
    slider_app,
    slider_option,
    slider_range,
    style_controls,
)

#: Batch sizes offered by :func:`minibatch_explorer` (capped at the training-set size).
BATCH_SIZES = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)


def minibatch_explorer(
    data: Dataset,
    *,
    steps: int = 300,
    hidden: int = 64,
    batch_size: int = 32,
    lr: float = 0.1,
    seed: int = 0,
    y_max: float = 10.0,
) -> SliderApp:
    """Sliders for the batch size K and the learning rate; each change retrains an MLP.

    The network (``data.n_features`` -> ``hidden`` -> classes, ReLU) trains for ``steps``
    iterations of plain SGD from the same initial weights. Left: the mini-batch loss per
    iteration (faint) and its moving average; right: the same against epochs. The grey line is
    the first setting, for comparison. A run whose loss blows up stops (see ``fit``); its curve
    is clipped at ``y_max`` and the status says at which step and learning rate it diverged. A
    run that ends no lower than it started is flagged too.
    """
    steps = validate.integer("steps", steps, low=1)
    hidden = validate.integer("hidden", hidden, low=1)
    seed = validate.seed("seed", seed)
    lr = slider_range("lr", lr, 1e-3, 10.0)
    y_max = validate.real("y_max", y_max, low=0, low_open=True)
    n = len(data.X_train)
    options = [k for k in BATCH_SIZES if k < n] + [n]
    batch_size = slider_option("batch_size", batch_size, options)
    controls = {
        "batch_size": widgets.SelectionSlider(
            options=options, value=batch_size, description="batch size K"
        ),
        "lr": learning_rate_slider(lr),
    }
    style_controls(controls, "24em")

    figure = Figure(figsize=(9.0, 3.2), dpi=WIDGET_DPI, layout="constrained")
    ax_step, ax_epoch = figure.subplots(1, 2, sharey=True)
    lines: dict[str, Any] = {}
    results: dict[str, Any] = {}
    reference_drawn: list[bool] = []
    for ax, x in ((ax_step, "step"), (ax_epoch, "epoch")):
        (lines[f"reference_{x}"],) = ax.plot(
            [], [], color="0.6", linewidth=1.2, label="first setting"
        )
        (lines[f"raw_{x}"],) = ax.plot([], [], color="C0", alpha=0.25, linewidth=0.8)
        (lines[f"smooth_{x}"],) = ax.plot([], [], color="C0", label="current")
        ax.set_yscale("log")
        ax.set_ylim(0.01, y_max)
    ax_step.set_xlabel("iteration")
    ax_epoch.set_xlabel("epoch")
    ax_epoch.set_xscale("log")
    ax_step.set_ylabel("mini-batch loss")
    for ax in (ax_step, ax_epoch):  # iterations and epochs are whole numbers
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax_step.legend(loc="upper right")
    lines["title"] = figure.suptitle("")
    X_train = torch.as_tensor(data.X_train)
    y_train = torch.as_tensor(data.y_train)

    def train(batch_size: int, lr: float, progress: widgets.IntProgress) -> History:
        model = mlp([data.n_features, hidden, data.n_classes], seed=seed)
        optimizer = torch.optim.SGD(model.parameters(), lr=lr)
        progress.max = steps
        progress.value = 0
        progress.layout.display = ""

        def report(history: History) -> None:
            progress.value = history.steps

        history = fit(
            model,
            optimizer,
            X_train,
            y_train,
            batch_size=int(batch_size),
            max_steps=steps,
            seed=seed,
            on_divergence="stop",
            progress=False,
            callback=report,
        )
        progress.layout.display = "none"
        return history

    def draw(batch_size: int, lr: float, progress: widgets.IntProgress) -> str:
        history = train(batch_size, lr, progress)
        window = max(1, min(25, history.steps // 10))
        for x in ("step", "epoch"):
            xs, ys = curve_data(history, x, "step_loss")
            ys = np.clip(ys, None, y_max)
            lines[f"raw_{x}"].set_data(xs, ys)
            lines[f"smooth_{x}"].set_data(xs, np.clip(smooth(ys, window), None, y_max))
            if not reference_drawn:
                lines[f"reference_{x}"].set_data(xs, np.clip(smooth(ys, window), None, y_max))
        reference_drawn.append(True)  # the grey curve keeps the first setting
        ax_step.set_xlim(0, steps)
        epochs = steps / history.steps_per_epoch
        ax_epoch.set_xlim(1.0 / history.steps_per_epoch, max(epochs, 2.0 / history.steps_per_epoch))
        lines["title"].set_text(
            f"K = {batch_size}, α = {lr:.3g}: {steps} iterations = {epochs:.3g} epochs"
        )
        results["history"] = history
        if history.diverged is not None:
            return f'<span style="color:#b00">{history.diverged.message}</span>'
        per_epoch = history.steps_per_epoch
        result = (
            f"final training loss {history.train_loss[-1]:.3f}, accuracy "
            f"{history.train_acc[-1]:.3f} ({per_epoch} iteration{'s' if per_epoch > 1 else ''} "
            "per epoch)"
        )
        if history.train_loss[-1] >= history.train_loss[0]:
            return (
                f'<span style="color:#b00">no progress: {result}, not below the initial '
                f"{history.train_loss[0]:.3f}; the learning rate is too large for this batch "
                "size</span>"
            )
        return result

    return slider_app(
        controls, figure, draw, artists=lines, results=results, progress_max=steps, kind="retrain"
    )
