"""Parameter initialization (5.4): per-layer activations and gradients of a deep network."""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets
import numpy as np
import torch
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from .. import init as init_module
from ..models import ACTIVATIONS
from .core import (
    WIDGET_DPI,
    SliderApp,
    freeze,
    slider_app,
    slider_option,
    slider_range,
    style_controls,
)

#: Initialisation schemes offered by :func:`init_explorer`: (init scheme, options).
INIT_CHOICES: dict[str, tuple[str, dict[str, float]]] = {
    "N(0, 0.01²)": ("normal", {"std": 0.01}),
    "N(0, 1)": ("normal", {"std": 1.0}),
    "Xavier normal": ("xavier_normal", {}),
    "He normal": ("he_normal", {}),
    "orthogonal": ("orthogonal", {}),
}
WIDTHS = (32, 64, 128, 256)
_ACTIVATION_LAYERS = {k: v for k, v in ACTIVATIONS.items() if k != "identity"}


def init_explorer(
    activation: str = "tanh", scheme: str = "Xavier normal", depth: int = 10, width: int = 128
) -> SliderApp:
    """Per-layer histograms of activations and gradients for an activation, scheme, depth, width.

    Each row of the two heat maps is one layer; its colours show how the magnitudes |a| (left)
    and |dL/da| (right) are spread on a log scale, so a signal that vanishes slides to the left
    row by row, one that saturates piles up at |a| = 1, and a healthy one stays put.
    """
    max_depth = 20
    slider_option("activation", activation, list(_ACTIVATION_LAYERS))
    slider_option("scheme", scheme, list(INIT_CHOICES))
    depth = slider_range("depth", depth, 2, max_depth, integer=True)
    width = slider_option("width", width, WIDTHS)
    controls: dict[str, widgets.ValueWidget] = {
        "activation": widgets.Dropdown(
            options=list(_ACTIVATION_LAYERS), value=activation, description="activation"
        ),
        "scheme": widgets.Dropdown(options=list(INIT_CHOICES), value=scheme, description="init"),
        "depth": widgets.IntSlider(value=depth, min=2, max=max_depth, description="depth"),
        "width": widgets.SelectionSlider(options=list(WIDTHS), value=width, description="width"),
    }
    style_controls(controls, "24em")
    a_bins, g_bins = np.linspace(-9, 1, 61), np.linspace(-13, 2, 61)
    figure = Figure(figsize=(9.0, 3.6), dpi=WIDGET_DPI, layout="constrained")
    ax_a, ax_g = figure.subplots(1, 2)
    images = {}
    for ax, bins, key, label in (
        (ax_a, a_bins, "activations", "log₁₀ |activation|"),
        (ax_g, g_bins, "gradients", "log₁₀ |gradient|"),
    ):
        images[key] = ax.imshow(
            np.zeros((max_depth, len(bins) - 1)),
            aspect="auto",
            origin="lower",
            cmap="magma",
            vmin=0,
            vmax=0.3,
            extent=(bins[0], bins[-1], 0.5, max_depth + 0.5),
        )
        ax.set(xlabel=label, ylabel="layer", title=key)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # layers are whole numbers
    figure.colorbar(images["gradients"], ax=ax_g, label="fraction of the layer's values")
    blitter = freeze(figure, images.values())
    artists: dict[str, Any] = dict(images)
    results: dict[str, Any] = {}

    def histograms(values: list[torch.Tensor], bins: np.ndarray) -> np.ndarray:
        rows = np.full((max_depth, len(bins) - 1), np.nan)
        for i, v in enumerate(values):
            logs = np.log10(np.abs(v.numpy().ravel()) + 1e-30)
            low, high = bins[0], bins[-1]
            counts, _ = np.histogram(
                np.clip(logs, low, high - 1e-9), bins=len(bins) - 1, range=(low, high)
            )
            rows[i] = counts / counts.sum()
        return rows

    def draw(
        activation: str, scheme: str, depth: int, width: int, progress: widgets.IntProgress
    ) -> str:
        name, options = INIT_CHOICES[scheme]
        outputs, grads = init_module.layer_statistics(
            activation, name, depth=depth, width=int(width), **options
        )
        images["activations"].set_data(histograms(outputs, a_bins))
        images["gradients"].set_data(histograms(grads, g_bins))
        a_std = [float(o.std()) for o in outputs]
        g_std = [float(g.std()) for g in grads]
        results["activation_std"], results["gradient_std"] = a_std, g_std
        saturated = float((outputs[-1].abs() > 0.99).float().mean())
        results["saturated"] = saturated if activation == "tanh" else 0.0
        return (
            f"std of activations: layer 1 {a_std[0]:.2g}, layer {depth} {a_std[-1]:.2g}; "
            f"of gradients: layer 1 {g_std[0]:.2g}, layer {depth} {g_std[-1]:.2g}"
            + (
                f"; {saturated:.0%} of the last tanh outputs saturated"
                if activation == "tanh"
                else ""
            )
        )

    return slider_app(
        controls, figure, draw, artists=artists, results=results, kind="toy", render=blitter.png
    )
