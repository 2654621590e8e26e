"""coursekit.widgets: the 5.2 retraining widget."""

from __future__ import annotations

import dataclasses

import ipywidgets as widgets
import numpy as np
import pytest
from matplotlib.figure import Figure

import coursekit as ck
from coursekit.widgets import minibatch_explorer, slider_app


@pytest.fixture(scope="module")
def explorer() -> ck.widgets.SliderApp:
    data = ck.data.load_digits_split(seed=0)
    return minibatch_explorer(data, steps=60, batch_size=32, lr=0.1)


def line(app: ck.widgets.SliderApp, name: str) -> np.ndarray:
    return np.asarray(app.artists[name].get_ydata(), dtype=float)


def test_explorer_starts_with_a_drawn_figure(explorer: ck.widgets.SliderApp) -> None:
    assert isinstance(explorer.widget, widgets.VBox)
    assert explorer.image.value[:4] == b"\x89PNG"
    assert "final training loss" in explorer.status.value
    assert len(line(explorer, "smooth_step")) == 60
    for control in explorer.controls.values():
        assert control.continuous_update is False


def test_moving_a_slider_retrains_and_redraws(explorer: ck.widgets.SliderApp) -> None:
    before_curve, before_image = line(explorer, "raw_step").copy(), explorer.image.value
    reference = line(explorer, "reference_step").copy()
    explorer.controls["batch_size"].value = 256
    assert not np.array_equal(line(explorer, "raw_step"), before_curve)
    assert explorer.image.value != before_image
    np.testing.assert_array_equal(
        line(explorer, "reference_step"), reference
    )  # kept for comparison
    assert explorer.results["history"].batch_size == 256
    explorer.controls["lr"].value = 1.0
    assert explorer.results["history"].step_lr[0] == 1.0
    assert "K = 256, α = 1:" in explorer.artists["title"].get_text()


@pytest.mark.parametrize(("batch_size", "lr"), [(1, 10.0), (1077, 10.0), (1, 0.001), (1077, 0.001)])
def test_extreme_settings_never_raise(
    explorer: ck.widgets.SliderApp, batch_size: int, lr: float
) -> None:
    explorer.set(batch_size=batch_size, lr=lr)
    assert np.all(line(explorer, "smooth_step") <= 10.0)
    assert explorer.status.value


def test_a_diverging_run_is_reported_not_raised() -> None:
    data = ck.data.load_digits_split(seed=0)
    loud = dataclasses.replace(data, X_train=data.X_train * 1e4)
    app = minibatch_explorer(loud, steps=40, batch_size=32, lr=10.0)
    assert "training diverged" in app.status.value and "learning rate 10" in app.status.value
    ys = line(app, "smooth_step")
    assert np.all(np.isfinite(ys)) and np.all(ys <= 10.0)


def test_set_validates_names_and_redraws_once(explorer: ck.widgets.SliderApp) -> None:
    calls = []
    original = explorer.update
    explorer.update = lambda: calls.append(1) or original()  # type: ignore[method-assign]
    explorer.set(batch_size=64, lr=0.1)
    assert calls == [1]
    explorer.update = original  # type: ignore[method-assign]
    with pytest.raises(KeyError, match="unknown control 'momentum'"):
        explorer.set(momentum=0.9)


def test_explorer_validates_its_arguments() -> None:
    data = ck.data.load_digits_split(seed=0)
    with pytest.raises(ValueError, match="steps must be an integer >= 1"):
        minibatch_explorer(data, steps=0)
    with pytest.raises(ValueError, match="batch_size must be one of"):
        minibatch_explorer(data, batch_size=3)


def test_a_run_without_progress_is_flagged(explorer: ck.widgets.SliderApp) -> None:
    explorer.set(batch_size=1, lr=10.0)
    history = explorer.results["history"]
    assert history.train_loss[-1] >= history.train_loss[0]
    assert (
        "no progress" in explorer.status.value
        and "1077 iterations per epoch" in explorer.status.value
    )
    explorer.set(batch_size=1077, lr=0.1)
    assert "no progress" not in explorer.status.value
    assert "(1 iteration per epoch)" in explorer.status.value


def test_the_kind_of_widget_sets_its_budget_and_css_class(
    explorer: ck.widgets.SliderApp,
) -> None:
    assert explorer.kind == "retrain"
    assert "coursekit-retrain" in explorer.widget._dom_classes
    assert ck.widgets.LATENCY_BUDGET == {"toy": 0.05, "retrain": 2.0}
    slider = widgets.FloatSlider(value=1.0, min=0.0, max=2.0)
    figure = Figure()
    toy = slider_app({"x": slider}, figure, lambda progress, x: f"x = {x}")
    assert toy.kind == "toy" and "coursekit-toy" in toy.widget._dom_classes
    with pytest.raises(ValueError, match=r"kind must be one of \('toy', 'retrain'\)"):
        slider_app({"x": slider}, figure, lambda progress, x: "", kind="slow")
