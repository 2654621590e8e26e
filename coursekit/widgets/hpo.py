"""Hyperparameter optimization (5.6): grid against random search, and one step of Bayesian
optimization."""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure

from .. import hpo, validate
from .core import WIDGET_DPI, SliderApp, freeze, slider_app, slider_range, style_controls

TRIAL_COUNTS = (4, 9, 16, 25, 36, 49)


def importance_explorer(importance: float = 10.0, n_trials: int = 9, seed: int = 0) -> SliderApp:
    """Grid and random search with the same budget on f(x, y) = g(x) + h(y) / importance
    (:func:`coursekit.hpo.importance_toy`): x matters, y hardly.

    Left: the contours of f with the grid (squares) and the random points (dots). Right: the
    important direction alone, g(x), with the x values each search tried: a grid of n points
    tries only sqrt(n) values of x, random search n.
    """
    importance = slider_range("importance", importance, 1.0, 100.0)
    if n_trials not in TRIAL_COUNTS:
        raise ValueError(f"n_trials must be one of {list(TRIAL_COUNTS)}, got {n_trials!r}")
    seed = validate.seed("seed", seed)
    controls: dict[str, widgets.ValueWidget] = {
        "importance": widgets.FloatLogSlider(
            value=importance, base=10, min=0, max=2, step=0.25, description="importance of x"
        ),
        "n_trials": widgets.SelectionSlider(
            options=list(TRIAL_COUNTS), value=n_trials, description="trials n"
        ),
    }
    style_controls(controls, "24em")
    figure = Figure(figsize=(9.0, 3.6), dpi=WIDGET_DPI, layout="constrained")
    ax_f, ax_g = figure.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.3]})
    grid_x = np.linspace(0, 1, 121)
    mesh = np.meshgrid(grid_x, grid_x)
    background = ax_f.imshow(
        np.zeros((121, 121)),
        origin="lower",
        extent=(0, 1, 0, 1),
        cmap="viridis_r",
        vmin=0,
        vmax=1 + 1 / importance,
        aspect="auto",
    )
    (grid_points,) = ax_f.plot([], [], "s", color="C3", ms=7, label="grid")
    (random_points,) = ax_f.plot([], [], "o", color="w", mec="k", ms=6, label="random")
    ax_f.set(
        xlabel="x (important)", ylabel="y (unimportant)", title="f(x, y): yellow is low (good)"
    )
    # no legend on the image: the right panel's legend names the same markers
    g = hpo.importance_toy(1e9)  # the important part alone: g(x)
    ax_g.plot(grid_x, g(grid_x, 0.35), color="0.3", label="g(x)")
    (grid_marks,) = ax_g.plot([], [], "s", color="C3", ms=7, label="grid (its x values)")
    (random_marks,) = ax_g.plot([], [], "o", color="w", mec="k", ms=6, label="random (x values)")
    ax_g.set(xlabel="x", ylabel="g(x)", ylim=(-0.25, 1.1), title="g(x), the part of f in x")
    ax_g.legend(loc="center left")
    dynamic = [background, grid_points, random_points, grid_marks, random_marks]
    blitter = freeze(figure, dynamic)
    artists: dict[str, Any] = {
        "background": background,
        "grid": grid_points,
        "random": random_points,
        "grid_marks": grid_marks,
        "random_marks": random_marks,
    }
    results: dict[str, Any] = {}

    def draw(importance: float, n_trials: int, progress: widgets.IntProgress) -> str:
        f = hpo.importance_toy(importance)
        background.set_data(f(*mesh))
        background.set_clim(0, 1 + 1 / importance)  # the range of f: y's effect stays visible
        found = hpo.grid_versus_random(f, int(n_trials), seed=seed)
        grid_points.set_data(found["grid"][:, 0], found["grid"][:, 1])
        random_points.set_data(found["random"][:, 0], found["random"][:, 1])
        grid_marks.set_data(found["grid"][:, 0], np.full(len(found["grid"]), -0.1))
        random_marks.set_data(found["random"][:, 0], np.full(len(found["random"]), -0.18))
        results.update(found)
        return (
            f"best value: grid {found['grid_best']:.3f} ({found['grid_distinct_x']} values of x), "
            f"random {found['random_best']:.3f} ({found['random_distinct_x']} values of x)"
        )

    return slider_app(
        controls, figure, draw, artists=artists, results=results, kind="toy", render=blitter.png
    )


def bayes_explorer(
    n_observations: int = 4, length_scale: float = 0.1, xi: float = 0.01, seed: int = 0
) -> SliderApp:
    """One step of Bayesian optimization on :func:`coursekit.hpo.toy_objective_1d`.

    Top: the objective (dashed), the observations, and the posterior of a Gaussian process
    (Matérn 5/2, standardized targets): its mean and a band of two standard deviations. Bottom:
    the expected improvement over the best observation, and the point it picks next.
    """
    n_observations = slider_range("n_observations", n_observations, 1, 15, integer=True)
    length_scale = slider_range("length_scale", length_scale, 0.01, 1.0)
    xi = slider_range("xi", xi, 0.0, 0.2)
    seed = validate.seed("seed", seed)
    order = np.random.default_rng(seed).uniform(0, 1, 15)  # the observations, in this order
    controls: dict[str, widgets.ValueWidget] = {
        "n_observations": widgets.IntSlider(
            value=n_observations, min=1, max=15, description="observations"
        ),
        "length_scale": widgets.FloatLogSlider(
            value=length_scale,
            base=10,
            min=-2,
            max=0,
            step=0.125,
            description="length scale",
            readout_format=".3g",
        ),
        "xi": widgets.FloatSlider(
            value=xi, min=0, max=0.2, step=0.005, description="ξ", readout_format=".3f"
        ),
    }
    style_controls(controls, "24em")
    figure = Figure(figsize=(8.0, 4.6), dpi=WIDGET_DPI, layout="constrained")
    ax_f, ax_ei = figure.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [2, 1]})
    x = np.linspace(0, 1, 400)
    ax_f.plot(x, hpo.toy_objective_1d(x), "--", color="0.4", label="objective")
    (mean_line,) = ax_f.plot([], [], color="C0", label="posterior mean")
    band = ax_f.fill_between(
        x, np.zeros_like(x), np.zeros_like(x), color="C0", alpha=0.2, label="mean ± 2σ"
    )
    (observed,) = ax_f.plot([], [], "o", color="k", label="observations")
    (next_f,) = ax_f.plot([], [], "v", color="C3", ms=10, label="next point", clip_on=False)
    ax_f.set(ylabel="f(x)", ylim=(-1.5, 1.5), title="Gaussian-process posterior")
    ax_f.legend(loc="upper left", ncol=2)
    (ei_line,) = ax_ei.plot([], [], color="C2")
    (next_ei,) = ax_ei.plot([], [], "v", color="C3", ms=10, clip_on=False)
    ax_ei.set(xlabel="x", ylabel="EI / its maximum", xlim=(0, 1), ylim=(0, 1.2))
    results: dict[str, Any] = {}
    artists: dict[str, Any] = {
        "mean": mean_line,
        "band": band,
        "observed": observed,
        "ei": ei_line,
        "next": next_f,
    }
    blitter = freeze(figure, [mean_line, band, observed, next_f, ei_line, next_ei])

    def draw(
        n_observations: int, length_scale: float, xi: float, progress: widgets.IntProgress
    ) -> str:
        X = order[: int(n_observations)]
        y = hpo.toy_objective_1d(X)
        gp = hpo.GaussianProcess("matern52", length_scale, 1.0, 1e-6, normalize_y=True)
        gp.fit(X[:, None], y)
        mean, std = gp.predict(x[:, None], return_std=True)
        ei = hpo.expected_improvement(mean, std, float(y.min()), xi)
        pick = float(x[int(np.argmax(ei))])
        # no point is expected to improve by xi (relative to the spread of the observations)
        hopeless = bool(ei.max() <= 1e-6 * max(float(np.ptp(y)), 1e-12))
        mean_line.set_data(x, mean)
        band.set_data(x, mean - 2 * std, mean + 2 * std)
        observed.set_data(X, y)
        scale = float(ei.max()) if not hopeless else 1.0
        ei_line.set_data(x, ei / scale)
        if hopeless:
            next_f.set_data([], [])
            next_ei.set_data([], [])
        else:
            next_f.set_data([pick], [-1.4])
            next_ei.set_data([pick], [float(ei.max()) / scale])
        results.update(
            gp=gp, mean=mean, std=std, ei=ei, next=None if hopeless else pick, best=float(y.min())
        )
        if hopeless:
            return (
                f"best of {len(X)} observation(s): {y.min():.3f}; EI is about 0 everywhere "
                f"(largest {ei.max():.1g}): no point is expected to improve on it by ξ = {xi:g}"
            )
        return (
            f"best of {len(X)} observation(s): {y.min():.3f}; EI picks x = {pick:.3f} "
            f"(largest EI {ei.max():.3g})"
        )

    return slider_app(
        controls, figure, draw, artists=artists, results=results, kind="toy", render=blitter.png
    )
