"""coursekit.widgets: the machinery every widget shares: slider_app, style_controls, freeze."""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
import pytest
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine

import coursekit as ck
from coursekit.widgets import slider_app


def test_slider_app_pattern_with_a_toy_figure() -> None:
    figure = Figure()
    ax = figure.subplots()
    (curve,) = ax.plot([], [])
    xs = np.linspace(0, 1, 20)

    def draw(progress: widgets.IntProgress, slope: float) -> str:
        curve.set_data(xs, slope * xs)
        return f"slope {slope}"

    app = slider_app({"slope": widgets.FloatSlider(value=1.0, min=-5, max=5)}, figure, draw)
    assert app.status.value == "slope 1.0"
    first = app.image.value
    app.controls["slope"].value = -2.0
    np.testing.assert_allclose(curve.get_ydata(), -2.0 * xs)
    assert app.status.value == "slope -2.0" and app.image.value != first


def test_style_controls_shows_whole_descriptions_and_sets_one_width() -> None:
    controls = {"a": widgets.FloatSlider(description="a long description"), "b": widgets.Checkbox()}
    ck.widgets.style_controls(controls, "20em")
    assert all(c.style.description_width == "initial" for c in controls.values())
    assert all(c.layout.width == "20em" for c in controls.values())


def test_freeze_keeps_the_layout_and_blits_only_the_dynamic_artists() -> None:
    figure = Figure(figsize=(3, 2), dpi=50, layout="constrained")
    ax = figure.subplots()
    ax.plot([0, 1], [0, 1])  # static: drawn once, into the background
    (moving,) = ax.plot([], [])
    blitter = ck.widgets.freeze(figure, [moving])
    assert not isinstance(figure.get_layout_engine(), ConstrainedLayoutEngine)
    position = ax.get_position().bounds
    first = blitter.png()
    moving.set_data([0, 1], [1, 0])
    assert blitter.png() != first and ax.get_position().bounds == position


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: ck.widgets.saddle_escape(lr=5.0), r"lr must be in \[0.02, 0.5\], got 5.0"),
        (lambda: ck.widgets.saddle_escape(offset=-1e-6), r"offset must be in \[1e-12, 0.1\]"),
        (lambda: ck.widgets.optimizer_race(momentum=1.5), r"momentum must be in \[0, 0.99\]"),
        (lambda: ck.widgets.optimizer_race(beta2=0.5), r"beta2 must be one of \[0.9, "),
        (lambda: ck.widgets.optimizer_race(steps=1000), r"steps must be an integer in \[10, 300\]"),
        (lambda: ck.widgets.init_explorer(depth=100), r"depth must be an integer in \[2, 20\]"),
        (lambda: ck.widgets.init_explorer(width=100), r"width must be one of \[32, 64, 128, 256\]"),
    ],
)
def test_factories_raise_instead_of_clamping(make, message: str) -> None:
    """ipywidgets would silently move an out-of-range value to the slider's end."""
    with pytest.raises(ValueError, match=message):
        make()
