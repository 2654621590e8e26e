"""Network optimization (5.1): escaping a saddle with and without gradient noise."""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from .. import optim, validate
from .. import surfaces as surfaces_module
from ..plot import surface_contours
from .core import WIDGET_DPI, SliderApp, freeze, slider_app, slider_range, style_controls


def saddle_escape(
    offset: float = 1e-6, noise: float = 0.01, lr: float = 0.1, steps: int = 300, seed: int = 0
) -> SliderApp:
    """Gradient descent near the saddle of the double well, with and without gradient noise.

    Both runs start at (1.5, offset), a distance ``offset`` beside the ridge y = 0 that leads
    into the saddle at the origin. The noisy run adds N(0, noise^2) to each gradient
    coordinate, a stand-in for mini-batch noise. Left: the paths on the contour plot; right:
    |y_t| per step, with the step at which each run got away (|y| > 0.5).
    """
    offset = slider_range("offset", offset, 1e-12, 1e-1)
    noise = slider_range("noise", noise, 1e-6, 1.0)
    lr = slider_range("lr", lr, 0.02, 0.5)
    steps = validate.integer("steps", steps, low=1)
    seed = validate.seed("seed", seed)
    surface = surfaces_module.double_well()
    controls: dict[str, widgets.ValueWidget] = {
        "offset": widgets.FloatLogSlider(
            value=offset,
            base=10,
            min=-12,
            max=-1,
            step=1,
            description="start offset y₀",
            readout_format=".0e",
        ),
        "noise": widgets.FloatLogSlider(
            value=noise,
            base=10,
            min=-6,
            max=0,
            step=0.5,
            description="gradient noise σ",
            readout_format=".1e",
        ),
        "lr": widgets.FloatSlider(
            value=lr, min=0.02, max=0.5, step=0.02, description="learning rate α"
        ),
    }
    style_controls(controls, "24em")
    figure = Figure(figsize=(9.0, 3.4), dpi=WIDGET_DPI, layout="constrained")
    ax_path, ax_y = figure.subplots(1, 2)
    surface_contours(ax_path, surface, np.linspace(0, 3, 16), n=100)
    ax_path.plot([0], [0], "kx", ms=8, label="saddle")
    ax_path.plot([0, 0], [-1, 1], "k*", ms=9, label="minima")
    ax_path.set(title=f"f = {surface.formula}")
    ax_y.set(xlim=(0, steps), ylim=(1e-13, 3), yscale="log", xlabel="step $t$", ylabel="$|y_t|$")
    ax_y.axhline(0.5, color="k", lw=0.6, ls=":")
    ax_y.xaxis.set_major_locator(MaxNLocator(integer=True))  # steps are whole numbers
    lines: dict[str, Any] = {}
    results: dict[str, Any] = {}
    for name, color in (("plain", "C0"), ("noisy", "C3")):
        (lines[f"path_{name}"],) = ax_path.plot([], [], ".-", ms=2, lw=0.8, color=color)
        (lines[f"y_{name}"],) = ax_y.plot([], [], color=color, label=f"{name} gradient")
        lines[f"escape_{name}"] = ax_y.axvline(-1, color=color, lw=0.8, ls="--")
    ax_y.legend(loc="lower right")
    ax_path.legend(loc="upper right")
    blitter = freeze(figure, lines.values())

    def draw(offset: float, noise: float, lr: float, progress: widgets.IntProgress) -> str:
        rng = np.random.default_rng(seed)
        noisy = lambda t: surface.gradient(t) + noise * rng.standard_normal(2)  # noqa: E731
        start = (surface.start[0], offset)
        status = []
        for name, grad in (("plain", surface.gradient), ("noisy", noisy)):
            path = optim.descend(optim.sgd(), grad, start, steps, lr, limit=1e3)
            lines[f"path_{name}"].set_data(path[:, 0], path[:, 1])
            ys = np.abs(path[:, 1])
            lines[f"y_{name}"].set_data(np.arange(len(path)), np.clip(ys, 1e-13, None))
            escaped = optim.first_step(ys > 0.5)
            lines[f"escape_{name}"].set_xdata([escaped if escaped is not None else -1] * 2)
            results[f"escape_{name}_step"] = escaped
            status.append(
                f"{name}: away after {escaped} steps"
                if escaped is not None
                else f"{name}: still at the saddle after {steps} steps"
            )
        return "; ".join(status)

    return slider_app(
        controls, figure, draw, artists=lines, results=results, kind="toy", render=blitter.png
    )
