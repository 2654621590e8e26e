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
    # one description width, the longest's (18 characters), so the tracks are equally long
    assert {c.style.description_width for c in controls.values()} == {"10.4em"}
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


def test_a_displayed_widget_carries_a_picture_and_a_hint_for_before_the_kernel_runs() -> None:
    figure = Figure(figsize=(3, 2), dpi=50)
    ax = figure.subplots()
    ax.set(title="a line", xlabel="x")
    (curve,) = ax.plot([], [])

    def draw(progress: widgets.IntProgress, slope: float) -> str:
        curve.set_data([0, 1], [0, slope])
        return f"slope {slope}"

    app = slider_app(
        {"slope": widgets.FloatSlider(value=1.0, min=-5, max=5, description="slope k")},
        figure,
        draw,
    )
    bundle = app.widget._repr_mimebundle_()
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == app.widget.model_id
    assert bundle["text/plain"] == ck.widgets.core.PREVIEW_HINT
    html = bundle["text/html"]
    assert html.count("<img") == 1 and 'alt="Figure, 1 panel. Panel 1, &quot;a line&quot;' in html
    assert f'width="{3 * 50}"' in html and "coursekit-caption" in html
    import base64

    assert base64.b64encode(bytes(app.image.value)).decode() in html  # the figure as drawn
    assert app.status.tooltip == "slope 1.0"
    assert "coursekit-live" in app.widget._dom_classes


def test_multi_toggle_needs_no_modifier_keys_and_follows_its_value() -> None:
    choice = ck.widgets.core.MultiToggle(["a", "b", "c"], ["c", "a"], description="pick")
    assert choice.value == ("a", "c")  # in the order of the options
    assert [b.value for b in choice.buttons.values()] == [True, False, True]
    choice.buttons["b"].value = True  # one click adds an option
    assert choice.value == ("a", "b", "c")
    choice.buttons["a"].value = False  # another removes one
    assert choice.value == ("b", "c")
    choice.value = ("a",)
    assert [b.value for b in choice.buttons.values()] == [True, False, False]
    assert [b.icon for b in choice.buttons.values()] == ["check", "", ""]  # chosen: ticked
    with pytest.raises(ValueError, match="value must be one of"):
        ck.widgets.core.MultiToggle(["a"], ["z"], description="pick")


def test_every_live_figure_fits_the_column_with_the_file_browser_open() -> None:
    import inspect
    import re

    import coursekit.widgets as package

    modules = ("hpo", "initialization", "landscape", "minibatch", "normalization", "optim")
    for module in [getattr(package, name) for name in (*modules, "regularization")]:
        for width in re.findall(r"Figure\(figsize=\(([\d.]+),", inspect.getsource(module)):
            assert float(width) * ck.widgets.core.WIDGET_DPI <= 848, (module.__name__, width)


def test_axes_of_whole_numbers_have_whole_ticks() -> None:
    from matplotlib.ticker import MaxNLocator

    race = ck.widgets.optimizer_race(steps=50)
    schedule = ck.widgets.schedule_explorer(total_steps=200)
    saddle = ck.widgets.saddle_escape(steps=40)
    for axis in (race.figure.axes[1].xaxis, schedule.figure.axes[0].xaxis):
        assert isinstance(axis.get_major_locator(), MaxNLocator)
    ticks = saddle.figure.axes[1].get_xticks()
    assert np.allclose(ticks, np.round(ticks))
