"""coursekit.widgets: the 5.3 schedule explorer and optimizer race."""

from __future__ import annotations

import numpy as np
import pytest

import coursekit as ck


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
    assert set(race.results["finals"]) == {"Newton"}
    race.set(surface="saddle", optimizers=("SGD",), lr=0.1, steps=100)
    assert race.results["shown_surface"] == "saddle"


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
    assert app.results["finals"]["piecewise constant"] == pytest.approx(1.0 * 0.01)
    with pytest.raises(ValueError, match="total_steps must be an integer >= 100"):
        ck.widgets.schedule_explorer(total_steps=5)


def test_the_race_legend_lists_what_is_drawn_and_the_loss_axis_ends_at_the_steps() -> None:
    race = ck.widgets.optimizer_race(surface="Rosenbrock", optimizers=("SGD", "Adam"), steps=50)
    assert race.results["legend"] == ["SGD", "Adam", "start", "minimum"]
    ax_loss = race.figure.axes[1]
    assert ax_loss.get_xlim() == (0, 50)
    race.controls["optimizers"].buttons["Nesterov"].value = True  # a click, no modifier key
    assert race.results["legend"] == ["SGD", "Nesterov", "Adam", "start", "minimum"]
    race.set(steps=200)
    assert ax_loss.get_xlim() == (0, 200)
    assert len(race.artists["loss_Nesterov"].get_xdata()) == 201
    with pytest.raises(ValueError, match="optimizers must be one of"):
        race.set(optimizers=("SGD", "LBFGS"))


def test_a_new_scene_redraws_one_panel_and_looks_like_a_fresh_figure() -> None:
    import io

    import PIL.Image

    race = ck.widgets.optimizer_race(surface="Rosenbrock", lr=0.001, steps=150)
    race.set(steps=60)
    race.set(optimizers=("SGD", "Adam"), surface="saddle", lr=0.01, steps=200)
    fresh = ck.widgets.optimizer_race(
        surface="saddle", optimizers=("SGD", "Adam"), lr=0.01, steps=200
    )

    def pixels(app: ck.widgets.SliderApp) -> np.ndarray:
        return np.asarray(PIL.Image.open(io.BytesIO(bytes(app.image.value))).convert("RGB"))

    np.testing.assert_array_equal(pixels(race), pixels(fresh))
