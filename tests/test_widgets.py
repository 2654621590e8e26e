"""coursekit.widgets: driven headlessly by setting slider values, as a lecturer would."""

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
    assert explorer.artists["history"].batch_size == 256
    explorer.controls["lr"].value = 1.0
    assert explorer.artists["history"].step_lr[0] == 1.0
    assert "K = 256, learning rate = 1" in explorer.artists["title"].get_text()


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
    with pytest.raises(ValueError, match="steps must be >= 1"):
        minibatch_explorer(data, steps=0)
    with pytest.raises(ValueError, match="batch_size must be one of"):
        minibatch_explorer(data, batch_size=3)


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


def test_a_run_without_progress_is_flagged(explorer: ck.widgets.SliderApp) -> None:
    explorer.set(batch_size=1, lr=10.0)
    history = explorer.artists["history"]
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


@pytest.fixture(scope="module")
def race() -> ck.widgets.SliderApp:
    return ck.widgets.optimizer_race()


def test_race_is_a_toy_widget_with_the_promised_controls(race: ck.widgets.SliderApp) -> None:
    assert race.kind == "toy"
    assert list(race.controls) == ["surface", "optimizers", "lr", "momentum", "beta2", "steps"]
    assert race.image.value[:4] == b"\x89PNG"
    assert set(race.controls["surface"].options) == set(ck.surfaces.catalogue())


def test_race_paths_follow_the_update_rules(race: ck.widgets.SliderApp) -> None:
    race.set(surface="Rosenbrock", optimizers=("SGD", "Adam"), lr=0.001, steps=100)
    s = ck.surfaces.rosenbrock()
    expected = ck.optim.descend(ck.optim.adam(0.9, 0.999, 1e-8), s.gradient, s.start, 100, 0.001)
    np.testing.assert_allclose(race.artists["path_Adam"].get_xydata(), expected)
    assert len(race.artists["path_momentum"].get_xdata()) == 0  # not selected: not drawn
    before = race.image.value
    race.controls["lr"].value = 0.01
    assert race.image.value != before
    assert len(race.artists["path_Adam"].get_xdata()) == 101
    assert "SGD diverged at step" in race.status.value  # Rosenbrock's valley is steep


def test_race_reports_divergence_instead_of_raising(race: ck.widgets.SliderApp) -> None:
    race.set(surface="quadratic", optimizers=("SGD", "Newton"), lr=1.0, steps=50)
    assert "SGD diverged at step" in race.status.value
    assert set(race.artists["finals"]) == {"Newton"}
    race.set(surface="saddle", optimizers=("SGD",), lr=0.1, steps=100)
    assert race.artists["shown_surface"] == "saddle"


def test_race_validates_its_arguments() -> None:
    with pytest.raises(ValueError, match="surface must be one of"):
        ck.widgets.optimizer_race(surface="moon")
    with pytest.raises(ValueError, match="optimizers must be among"):
        ck.widgets.optimizer_race(optimizers=("SGD", "LBFGS"))


def test_race_survives_extreme_settings_on_every_surface(race: ck.widgets.SliderApp) -> None:
    everyone = tuple(ck.widgets.RACE_RULES)
    for surface in ck.surfaces.catalogue():
        for lr in (1e-4, 1.0):
            race.set(surface=surface, optimizers=everyone, lr=lr, momentum=0.99, steps=300)
            assert race.image.value[:4] == b"\x89PNG"
            assert race.status.value
            for name in everyone:
                ys = race.artists[f"loss_{name}"].get_ydata()
                assert np.all(np.isfinite(ys)), (surface, lr, name)


def test_schedule_explorer_draws_the_five_schedules() -> None:
    app = ck.widgets.schedule_explorer(total_steps=200)
    assert app.kind == "toy"
    cosine = app.artists["cosine"].get_ydata()
    np.testing.assert_allclose(cosine, [ck.schedules.cosine(0.5, 200)(t) for t in range(201)])
    app.set(warmup=50, lr0=1.0)
    warm = app.artists["exponential"].get_ydata()
    assert warm[0] == pytest.approx(1.0 / 50) and warm[49] == pytest.approx(1.0)
    # after the warmup its clock restarts: at t = 200 it is at step 150, past both boundaries
    assert app.artists["finals"]["piecewise constant"] == pytest.approx(1.0 * 0.01)
    with pytest.raises(ValueError, match="total_steps must be >= 10"):
        ck.widgets.schedule_explorer(total_steps=5)


def test_saddle_escape_counts_the_steps_away_from_the_saddle() -> None:
    app = ck.widgets.saddle_escape(offset=1e-6, noise=0.01, lr=0.1, steps=300)
    assert app.kind == "toy"
    plain, noisy = app.artists["escape_plain_step"], app.artists["escape_noisy_step"]
    expected = np.log(0.5 / 1e-6) / np.log(1.1)
    assert abs(plain - expected) < 0.2 * expected and noisy < plain
    app.set(offset=1e-12, noise=1e-6, lr=0.04)  # near the ridge, little noise, small steps
    assert app.artists["escape_plain_step"] is None
    assert "still at the saddle" in app.status.value
    with pytest.raises(ValueError, match="steps must be >= 1"):
        ck.widgets.saddle_escape(steps=0)


def test_init_explorer_shows_vanishing_and_healthy_signals() -> None:
    app = ck.widgets.init_explorer(activation="tanh", scheme="N(0, 0.01²)", depth=10, width=128)
    assert app.kind == "toy"
    stds = app.artists["activation_std"]
    assert len(stds) == 10 and stds[-1] < 1e-5 * stds[0]
    rows = np.ma.filled(app.artists["activations"].get_array(), np.nan)
    assert np.allclose(np.nansum(rows[:10], axis=1), 1.0) and np.all(np.isnan(rows[10:]))
    app.set(activation="relu", scheme="He normal", depth=20)
    stds = app.artists["activation_std"]
    assert len(stds) == 20 and 0.25 < stds[-1] / stds[0] < 4
    app.set(activation="tanh", scheme="N(0, 1)")
    assert app.artists["saturated"] > 0.5
    with pytest.raises(ValueError, match="scheme must be one of"):
        ck.widgets.layer_statistics("tanh", "lecun", 3, 8)
    with pytest.raises(ValueError, match="activation must be one of"):
        ck.widgets.layer_statistics("gelu", "He normal", 3, 8)
