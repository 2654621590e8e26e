"""Regularization (5.7): retrain a classifier of the two moons while changing the number of hidden
units and the weight decay, or the dropout rate (with Monte Carlo dropout's uncertainty)."""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets
import numpy as np
import torch
from matplotlib.cm import ScalarMappable
from matplotlib.colors import BoundaryNorm
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from .. import plot, regularization, validate
from .core import WIDGET_DPI, SliderApp, slider_app, slider_option, slider_range, style_controls

#: Hidden-layer widths offered by :func:`regularization_explorer` (the slides use 3, 6 and 20).
HIDDEN_CHOICES = (3, 6, 10, 20, 50, 200)
#: Weight decays offered (lambda), 0 and the slides' 0.001, 0.01, 0.1 among them.
DECAY_CHOICES = (0.0, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3)
#: Numbers of Monte Carlo dropout passes offered by :func:`dropout_explorer`.
MC_CHOICES = (1, 5, 10, 20, 50)


def _moons_axes(ax: Any, X: np.ndarray, y: np.ndarray) -> None:
    for label, marker, colour in ((0, "o", "C0"), (1, "s", "C3")):
        ax.plot(
            *X[y == label].T,
            marker,
            color=colour,
            mec="k",
            ms=5,
            ls="none",
            label=f"class {label} (training)",
        )
    extent = regularization.MOONS_EXTENT
    ax.set(xlim=extent[:2], ylim=extent[2:], xlabel="$x_1$", ylabel="$x_2$")


def regularization_explorer(
    hidden: int = 20, weight_decay: float = 0.001, seed: int = 0
) -> SliderApp:
    """Sliders for the number of hidden units and the weight decay lambda of a one-hidden-layer
    ReLU network trained on 40 noisy points of the two moons (:func:`coursekit.regularization.
    train_moons`, 3,000 full-batch SGD steps). The figure shows the training points and the
    decision boundary (the contour p = 0.5, shaded by the probability of class 1); the status
    line gives the training and validation accuracy and the boundary's length."""
    hidden = slider_option("hidden", hidden, HIDDEN_CHOICES)
    weight_decay = slider_option("weight_decay", weight_decay, DECAY_CHOICES)
    seed = validate.seed("seed", seed)
    controls: dict[str, widgets.ValueWidget] = {
        "hidden": widgets.SelectionSlider(
            options=list(HIDDEN_CHOICES), value=hidden, description="hidden units"
        ),
        "weight_decay": widgets.SelectionSlider(
            options=list(DECAY_CHOICES), value=weight_decay, description="weight decay λ"
        ),
    }
    style_controls(controls, "24em")
    X, y, _, _ = regularization.moons_problem(seed=seed)
    figure = Figure(figsize=(6.4, 4.4), dpi=WIDGET_DPI, layout="constrained")
    ax = figure.subplots()
    results: dict[str, Any] = {}
    artists: dict[str, Any] = {"shade": None, "boundary": None}

    def draw(hidden: int, weight_decay: float, progress: widgets.IntProgress) -> str:
        progress.max, progress.value = 3000, 0
        progress.layout.display = ""

        def report(history: Any) -> None:
            # fit evaluates after every full-batch step: update the bar every 2 % only, or the
            # front end's message-rate limit drops updates (and the final figure with them)
            if history.steps % 60 == 0:
                progress.value = history.steps

        model, history = regularization.train_moons(
            int(hidden),
            weight_decay=float(weight_decay),
            seed=seed,
            eval_every=500,
            callback=report,
        )
        progress.layout.display = "none"
        xs, ys, probs = regularization.decision_grid(model)
        ax.clear()
        artists["shade"] = ax.contourf(
            xs, ys, probs, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.35
        )
        artists["boundary"] = ax.contour(xs, ys, probs, levels=[0.5], colors="k", linewidths=2)
        _moons_axes(ax, X.numpy(), y.numpy())
        ax.set_title(f"{hidden} hidden units, λ = {weight_decay:g}")
        length = regularization.boundary_length(xs, ys, probs)
        results.update(model=model, history=history, probabilities=probs, boundary_length=length)
        if history.diverged is not None:
            return f'<span style="color:#b00">{history.diverged.message}</span>'
        return (
            f"training accuracy {history.train_acc[-1]:.3f}, validation accuracy "
            f"{history.val_acc[-1]:.3f} (1,000 new points); boundary length {length:.1f}"
        )

    return slider_app(
        controls, figure, draw, artists=artists, results=results, kind="retrain", progress_max=3000
    )


def dropout_explorer(p: float = 0.5, mc_samples: int = 20, seed: int = 0) -> SliderApp:
    """Sliders for the dropout rate ``p`` of a network with two hidden layers of 100 units
    trained on 40 noisy points of the two moons, and for the number of Monte Carlo dropout
    passes. Left: training and validation loss during training (the network is re-trained when
    ``p`` changes, and cached). Right: the decision boundary, shaded by the spread (standard
    deviation) of the probability of class 1 over the dropout passes (:func:`coursekit.
    regularization.mc_dropout_predict`); with p = 0 there is no spread."""
    p = slider_range("p", p, 0.0, 0.9)
    mc_samples = slider_option("mc_samples", mc_samples, MC_CHOICES)
    seed = validate.seed("seed", seed)
    controls: dict[str, widgets.ValueWidget] = {
        "p": widgets.FloatSlider(value=p, min=0.0, max=0.9, step=0.1, description="dropout p"),
        "mc_samples": widgets.SelectionSlider(
            options=list(MC_CHOICES), value=mc_samples, description="MC passes"
        ),
    }
    style_controls(controls, "24em")
    X, y, _, _ = regularization.moons_problem(seed=seed)
    figure = Figure(figsize=(9.2, 4.0), dpi=WIDGET_DPI, layout="constrained")
    ax_loss, ax_map = figure.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.2]})
    levels = np.linspace(0.05, 0.5, 10)  # a spread below 0.05 stays white
    scale = ScalarMappable(BoundaryNorm(levels, plot.SPREAD_CMAP.N, extend="max"), plot.SPREAD_CMAP)
    figure.colorbar(scale, ax=ax_map, label="spread of p(class 1)", extend="max")
    (train_line,) = ax_loss.plot([], [], color="C0", lw=2, label="training loss")
    (val_line,) = ax_loss.plot([], [], color="C1", lw=2, label="validation loss")
    ax_loss.set(xlabel="step", ylabel="cross-entropy", yscale="log", ylim=(0.01, 3))
    ax_loss.xaxis.set_major_locator(MaxNLocator(integer=True))  # steps are whole numbers
    ax_loss.legend(loc="upper right")
    trained: dict[float, Any] = {}
    results: dict[str, Any] = {}
    artists: dict[str, Any] = {"train": train_line, "val": val_line}
    steps = 1000
    xs = np.linspace(*regularization.MOONS_EXTENT[:2], 80)
    ys = np.linspace(*regularization.MOONS_EXTENT[2:], 60)
    grid = np.stack(np.meshgrid(xs, ys), -1).reshape(-1, 2)

    def draw(p: float, mc_samples: int, progress: widgets.IntProgress) -> str:
        key = round(float(p), 2)
        if key not in trained:
            progress.max, progress.value = steps, 0
            progress.layout.display = ""

            def report(history: Any) -> None:
                if history.steps % 20 == 0:  # every 2 %: see regularization_explorer
                    progress.value = history.steps

            trained[key] = regularization.train_moons(
                100,
                dropout=key,
                layers=2,
                steps=steps,
                lr=0.05,
                seed=seed,
                eval_every=100,
                callback=report,
            )
            progress.layout.display = "none"
        model, history = trained[key]
        train_line.set_data(history.eval_step, np.clip(history.train_loss, 0.011, None))
        val_line.set_data(history.eval_step, np.clip(history.val_loss, 0.011, None))
        ax_loss.set_xlim(0, steps)
        ax_loss.set_title(f"dropout p = {key:g}")
        if key > 0:
            mean, spread = regularization.mc_dropout_predict(model, grid, samples=int(mc_samples))
            mean1, spread1 = mean[:, 1].numpy(), spread[:, 1].numpy()
        else:  # no dropout layer: one deterministic network, no spread
            with torch.no_grad():
                logits = model(torch.tensor(grid, dtype=torch.float32))
            mean1 = torch.softmax(logits, dim=1)[:, 1].numpy()
            spread1 = np.zeros_like(mean1)
        ax_map.clear()
        shade = ax_map.contourf(
            xs,
            ys,
            spread1.reshape(len(ys), len(xs)),
            levels=levels,
            cmap=plot.SPREAD_CMAP,
            extend="max",
        )
        ax_map.contour(
            xs, ys, mean1.reshape(len(ys), len(xs)), levels=[0.5], colors="k", linewidths=2
        )
        _moons_axes(ax_map, X.numpy(), y.numpy())
        if key == 0:
            ax_map.set_title("p = 0: one network, no dropout passes")
        else:
            passes = "1 dropout pass" if mc_samples == 1 else f"{mc_samples} dropout passes"
            ax_map.set_title(f"boundary; green: spread over {passes}")
        artists["shade"] = shade
        results.update(model=model, history=history, mean=mean1, spread=spread1, grid=grid)
        best = int(np.argmin(history.val_loss))
        return (
            f"training loss {history.train_loss[-1]:.3f}, validation loss "
            f"{history.val_loss[-1]:.3f} (lowest {history.val_loss[best]:.3f} at step "
            f"{history.eval_step[best]}); largest spread {spread1.max():.2f}"
        )

    return slider_app(
        controls, figure, draw, artists=artists, results=results, kind="retrain", progress_max=steps
    )
