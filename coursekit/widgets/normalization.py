"""Layer-wise normalization (5.5): retrain a deep network with and without a normalization."""

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

#: The normalizations offered by :func:`normalization_explorer`: label -> ``mlp(norm=...)``.
NORM_CHOICES: dict[str, str | None] = {
    "none": None,
    "batch norm": "batch",
    "layer norm": "layer",
    "weight norm": "weight",
}
#: Batch sizes offered (small ones show where batch normalization suffers).
NORM_BATCH_SIZES = (2, 4, 8, 16, 32, 64, 128)


def normalization_explorer(
    data: Dataset,
    *,
    norm: str = "batch norm",
    lr: float = 0.1,
    batch_size: int = 32,
    hidden: tuple[int, ...] = (100, 100, 100, 100),
    activation: str = "sigmoid",
    steps: int = 300,
    seed: int = 0,
) -> SliderApp:
    """Sliders for the normalization, the learning rate and the batch size of a deep network.

    Each change trains the MLP ``features -> hidden -> classes`` (``activation``, the same
    initial weights every time) for ``steps`` iterations of plain SGD, once with the chosen
    normalization and once without it (the grey reference; cached per rate and batch size).
    Left: the training loss on the whole training set; right: the validation accuracy, both
    against epochs. Batches are drawn with ``drop_last=True`` so that batch normalization never
    meets a batch of one sample. A run that diverges stops and says where.
    """
    slider_option("norm", norm, list(NORM_CHOICES))
    lr = slider_range("lr", lr, 1e-3, 10.0)
    batch_size = slider_option("batch_size", batch_size, NORM_BATCH_SIZES)
    steps = validate.integer("steps", steps, low=10)
    seed = validate.seed("seed", seed)
    if isinstance(hidden, (str, bytes)) or not hasattr(hidden, "__iter__"):
        raise TypeError(f"hidden must be a sequence of layer widths, got {hidden!r}")
    hidden = [validate.integer(f"hidden[{i}]", h, low=1) for i, h in enumerate(hidden)]
    sizes = [data.n_features, *hidden, data.n_classes]
    mlp(sizes, activation=activation)  # checks the activation before any widget is made
    controls: dict[str, widgets.ValueWidget] = {
        "norm": widgets.Dropdown(
            options=list(NORM_CHOICES), value=norm, description="normalization"
        ),
        "lr": learning_rate_slider(lr),
        "batch_size": widgets.SelectionSlider(
            options=list(NORM_BATCH_SIZES), value=batch_size, description="batch size K"
        ),
    }
    style_controls(controls, "24em")

    figure = Figure(figsize=(9.0, 3.2), dpi=WIDGET_DPI, layout="constrained")
    ax_loss, ax_acc = figure.subplots(1, 2)
    lines: dict[str, Any] = {}
    results: dict[str, Any] = {}
    for ax, y in ((ax_loss, "train_loss"), (ax_acc, "val_acc")):
        (lines[f"reference_{y}"],) = ax.plot([], [], color="0.6", lw=1.5, label="no normalization")
        (lines[f"current_{y}"],) = ax.plot([], [], color="C0", lw=1.8, label="chosen")
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # epochs are whole numbers
    ax_loss.set(yscale="log", ylim=(0.01, 10.0), ylabel="training loss (whole set)")
    ax_acc.set(ylim=(0.0, 1.0), ylabel="validation accuracy")
    ax_acc.legend(loc="lower right")
    lines["title"] = figure.suptitle("")
    X_train, y_train = torch.as_tensor(data.X_train), torch.as_tensor(data.y_train)
    val = (torch.as_tensor(data.X_val), torch.as_tensor(data.y_val))
    references: dict[tuple[float, int], History] = {}

    def train(choice: str, lr: float, batch_size: int, progress: widgets.IntProgress) -> History:
        model = mlp(sizes, activation=activation, seed=seed, norm=NORM_CHOICES[choice])
        optimizer = torch.optim.SGD(model.parameters(), lr=lr)

        def report(history: History) -> None:
            progress.value = history.steps

        return fit(
            model,
            optimizer,
            X_train,
            y_train,
            batch_size=int(batch_size),
            max_steps=steps,
            eval_every=max(1, steps // 20),
            val=val,
            seed=seed,
            drop_last=True,
            on_divergence="stop",
            progress=False,
            callback=report,
        )

    def show(name: str, history: History) -> None:
        epochs = np.asarray(history.eval_epoch, dtype=float)
        for y in ("train_loss", "val_acc"):
            values = np.asarray(getattr(history, y), dtype=float)
            if y == "train_loss":
                values = np.clip(values, None, 10.0)
            lines[f"{name}_{y}"].set_data(epochs, values)

    def draw(norm: str, lr: float, batch_size: int, progress: widgets.IntProgress) -> str:
        progress.max, progress.value = steps, 0
        progress.layout.display = ""
        key = (float(lr), int(batch_size))
        if key not in references:
            references[key] = train("none", lr, batch_size, progress)
        reference = references[key]
        history = reference if norm == "none" else train(norm, lr, batch_size, progress)
        progress.layout.display = "none"
        show("reference", reference)
        show("current", history)
        last_epoch = steps / history.steps_per_epoch
        for ax in (ax_loss, ax_acc):
            ax.set_xlim(0, last_epoch)
        lines["current_val_acc"].set_label(norm)
        ax_acc.legend(loc="lower right")
        lines["title"].set_text(
            f"{norm}, learning rate {lr:.3g}, K = {batch_size}: {steps} iterations"
        )
        results.update(history=history, reference=reference)
        parts = []
        for label, run in ((norm, history), ("no normalization", reference)):
            if run.diverged is not None:
                parts.append(f'<span style="color:#b00">{label}: {run.diverged.message}</span>')
            else:
                parts.append(
                    f"{label}: training loss {run.train_loss[-1]:.3f}, validation accuracy "
                    f"{run.val_acc[-1]:.3f}"
                )
        return "; ".join(parts if norm != "none" else parts[:1])

    return slider_app(
        controls, figure, draw, artists=lines, results=results, progress_max=steps, kind="retrain"
    )
