"""coursekit.widgets: the 5.6 toy widgets (grid against random search, one step of BO)."""

from __future__ import annotations

import numpy as np
import pytest

import coursekit as ck


def test_importance_explorer_shows_random_search_trying_more_values_of_x() -> None:
    app = ck.widgets.importance_explorer(importance=10, n_trials=9)
    assert app.kind == "toy"
    r = app.results
    assert r["grid_distinct_x"] == 3 and r["random_distinct_x"] == 9
    assert r["random_best"] < r["grid_best"]  # the grid misses the narrow valley in x
    xs, _ = app.artists["grid"].get_data()
    assert len(xs) == 9
    app.set(n_trials=25)
    assert app.results["grid_distinct_x"] == 5 and len(app.artists["random"].get_data()[0]) == 25
    before = app.image.value
    app.set(importance=17.78)  # a small change of importance changes the picture
    assert app.image.value != before
    assert app.artists["background"].get_clim() == pytest.approx((0, 1 + 1 / 17.78))
    with pytest.raises(ValueError, match="n_trials must be one of"):
        ck.widgets.importance_explorer(n_trials=10)
    with pytest.raises(ValueError, match=r"importance must be in \[1, 100\]"):
        ck.widgets.importance_explorer(importance=0.5)


def test_grid_versus_random_over_seeds() -> None:
    f = ck.hpo.importance_toy(10)
    wins = [
        ck.hpo.grid_versus_random(f, 9, seed=s)["random_best"]
        < ck.hpo.grid_versus_random(f, 9, seed=s)["grid_best"]
        for s in range(50)
    ]
    assert np.mean(wins) > 0.9


def test_bayes_explorer_picks_the_point_of_largest_expected_improvement() -> None:
    app = ck.widgets.bayes_explorer(n_observations=4, length_scale=0.1, xi=0.01)
    r = app.results
    x = np.linspace(0, 1, 400)
    assert r["next"] == pytest.approx(x[np.argmax(r["ei"])])
    X, y = app.artists["observed"].get_data()
    assert len(X) == 4 and r["best"] == pytest.approx(float(np.min(y)))
    # at an observation the posterior passes through it with (almost) no uncertainty
    gp = r["gp"]
    mean, std = gp.predict(np.asarray(X)[:, None], return_std=True)
    np.testing.assert_allclose(mean, y, atol=1e-3)
    assert np.all(std < 1e-2)
    before, ei_before = app.image.value, r["ei"].max()
    app.set(n_observations=8)
    assert len(app.artists["observed"].get_data()[0]) == 8 and app.image.value != before
    ei_8 = app.results["ei"].max()
    app.set(xi=0.2)  # a large xi asks for big improvements: EI shrinks
    assert app.results["ei"].max() < ei_8 and ei_before > 0
    app.set(n_observations=15, length_scale=1.0, xi=0.2)  # nothing left to gain by xi
    assert app.results["next"] is None and "EI is about 0 everywhere" in app.status.value
    assert len(app.artists["next"].get_data()[0]) == 0
    with pytest.raises(ValueError, match="n_observations must be"):
        ck.widgets.bayes_explorer(n_observations=0)
