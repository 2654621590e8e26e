"""Learning rates and optimizers (5.3): the schedules, and an optimizer race on 2-D surfaces."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ipywidgets as widgets
import matplotlib as mpl
import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.ticker import MaxNLocator
from matplotlib.transforms import IdentityTransform

from .. import optim, schedules, validate
from .. import surfaces as surfaces_module
from ..plot import Blitter
from .core import (
    WIDGET_DPI,
    MultiToggle,
    SliderApp,
    freeze,
    slider_app,
    slider_option,
    slider_range,
    style_controls,
)

#: The update rules offered by :func:`optimizer_race`, built from the sliders' values.
BETA2_OPTIONS = (0.9, 0.99, 0.999, 0.9999)
#: The bottom of the race's log loss axis; a run at or below it is marked as having reached f*.
LOSS_FLOOR = 1e-10
RACE_RULES: dict[str, Callable[[float, float], Any]] = {
    "SGD": lambda m, b2: optim.sgd(),
    "momentum": lambda m, b2: optim.momentum(m),
    "Nesterov": lambda m, b2: optim.momentum(m, nesterov=True),
    "AdaGrad": lambda m, b2: optim.adagrad(1e-8),
    "RMSprop": lambda m, b2: optim.rmsprop(b2, 1e-8),
    "Adam": lambda m, b2: optim.adam(m, b2, 1e-8),
    "Newton": None,  # needs the Hessian: optim.newton, with step size 1
}


def optimizer_race(
    surface: str = "Rosenbrock",
    optimizers: tuple[str, ...] = ("SGD", "momentum", "RMSprop", "Adam"),
    *,
    lr: float = 0.001,
    momentum: float = 0.9,
    beta2: float = 0.999,
    steps: int = 150,
) -> SliderApp:
    """Optimizers racing on a 2-D surface: paths on the contour plot, f(theta_t) per step.

    Controls: the surface (:func:`coursekit.surfaces.catalogue`), which optimizers run, the
    learning rate alpha (shared), the momentum factor lambda (also Adam's beta1), the decay
    beta2 of the squared-gradient average (RMSprop's and Adam's), and the number of steps.
    A run that leaves the region is cut where it diverged and named in the status line.
    Paths are cached per setting, so a slider that affects one rule recomputes only it.
    """
    catalogue = surfaces_module.catalogue()
    if surface not in catalogue:
        raise ValueError(f"surface must be one of {list(catalogue)}, got {surface!r}")
    if isinstance(optimizers, str) or not isinstance(optimizers, (tuple, list)):
        raise TypeError(f"optimizers must be a tuple of names, got {optimizers!r}")
    lr = slider_range("lr", lr, 1e-4, 1.0)
    momentum = slider_range("momentum", momentum, 0.0, 0.99)
    beta2 = slider_option("beta2", beta2, BETA2_OPTIONS)
    steps = slider_range("steps", steps, 10, 300, integer=True)
    unknown = [name for name in optimizers if name not in RACE_RULES]
    if unknown:
        raise ValueError(f"optimizers must be among {list(RACE_RULES)}, got {unknown}")
    controls: dict[str, widgets.ValueWidget] = {
        "surface": widgets.Dropdown(options=list(catalogue), value=surface, description="surface"),
        "optimizers": MultiToggle(
            RACE_RULES, optimizers, description="optimizers (click to add or remove)"
        ),
        "lr": widgets.FloatLogSlider(
            value=lr, base=10, min=-4, max=0, step=0.25, description="learning rate α"
        ),
        "momentum": widgets.FloatSlider(
            value=momentum, min=0.0, max=0.99, step=0.01, description="momentum λ, β₁"
        ),
        "beta2": widgets.SelectionSlider(
            options=list(BETA2_OPTIONS), value=beta2, description="β₂ (RMSprop, Adam)"
        ),
        "steps": widgets.IntSlider(value=steps, min=10, max=300, step=10, description="steps"),
    }
    style_controls(controls)
    for name in ("lr", "momentum", "beta2", "steps"):
        controls[name].layout.width = "30em"
    panel = widgets.HBox(
        [
            widgets.VBox([controls["surface"], controls["optimizers"]]),
            widgets.VBox([controls[name] for name in ("lr", "momentum", "beta2", "steps")]),
        ],
        layout=widgets.Layout(flex_flow="row wrap"),  # a narrow column: the sliders go below
    )

    figure = Figure(figsize=(9.0, 4.0), dpi=WIDGET_DPI, layout="none")
    # fixed margins, wide enough for every surface's tick labels (minus signs included): the
    # layout is never recomputed, so that the cached backgrounds stay valid
    large = mpl.rcParams["font.size"] > 11  # the lecture style: room for larger labels
    figure.subplots_adjust(
        left=0.09 if large else 0.075,
        right=0.985,
        bottom=0.34 if large else 0.27,
        top=0.91 if large else 0.92,
        wspace=0.3 if large else 0.25,
    )
    ax_path, ax_loss = figure.subplots(1, 2, width_ratios=(1.2, 1.0))
    ax_loss.set_xlabel("step $t$")
    ax_loss.xaxis.set_major_locator(MaxNLocator(integer=True))  # steps are whole numbers
    ax_path.set(xlabel="$x$", ylabel="$y$")
    colors = {name: f"C{i}" for i, name in enumerate(RACE_RULES)}
    lines: dict[str, Any] = {}
    results: dict[str, Any] = {}
    for name in RACE_RULES:
        (lines[f"path_{name}"],) = ax_path.plot([], [], "-", color=colors[name], lw=1.5, label=name)
        (lines[f"end_{name}"],) = ax_path.plot([], [], "o", color=colors[name], ms=5)
        (lines[f"loss_{name}"],) = ax_loss.plot([], [], color=colors[name], lw=1.5)
        # where a run reaches f* exactly: a zero has no place on a log axis, so a marker at the
        # bottom edge says so
        (lines[f"zero_{name}"],) = ax_loss.plot(
            [], [], "v", color=colors[name], ms=8, clip_on=False
        )
    (lines["start"],) = ax_path.plot([], [], "k^", ms=7, label="start")
    (lines["minimum"],) = ax_path.plot([], [], "k*", ms=10, label="minimum")
    legend: list[Any] = []  # the figure's legend: the optimizers drawn, the start, the minimum
    bases: dict[str, Any] = {}  # per surface: the figure without legend, drawn once
    loss_left: dict[str, float] = {}  # per surface: where the loss panel's pixels begin
    results["shown_surface"] = None
    results["shown_scene"] = None
    dynamic = [
        lines[f"{part}_{name}"] for name in RACE_RULES for part in ("path", "end", "loss", "zero")
    ]
    blitter = Blitter(figure, dynamic)
    cache: dict[tuple, np.ndarray] = {}

    def path_of(name: str, s: surfaces_module.Surface, lr: float, m: float, b2: float, n: int):
        rate = None if name == "Newton" else lr  # Newton takes full steps
        key = (s.name, name, rate, m if name in ("momentum", "Nesterov", "Adam") else None)
        key += (b2 if name in ("RMSprop", "Adam") else None, n)
        if key not in cache:
            if name == "Newton":
                cache[key] = optim.newton(s.gradient, s.hessian, s.start, n, 1.0, limit=1e3)
            else:
                rule = RACE_RULES[name](m, b2)
                cache[key] = optim.descend(rule, s.gradient, s.start, n, lr, limit=1e3)
            if len(cache) > 256:
                cache.pop(next(iter(cache)))
        return cache[key]

    contours: dict[str, Any] = {}
    y_scales: dict[str, tuple] = {}

    def show_surface(s: surfaces_module.Surface) -> None:
        """Put the static part of ``s`` in place; its background is cached per surface."""
        if s.name not in contours:
            X, Y, Z = s.grid(80)
            if s.log_levels:
                levels = np.geomspace(max(Z.min(), 1e-3), Z.max(), 14)
            else:
                levels = np.linspace(Z.min(), Z.max(), 16)
            contours[s.name] = ax_path.contour(
                X, Y, Z, levels=levels, colors="0.75", linewidths=0.7
            )
            if np.isfinite(s.minimum[0]):
                top = 10 * max(s(s.start) - s(s.minimum), 1.0)
                y_scales[s.name] = ("log", (LOSS_FLOOR, top), r"$f(\theta_t) - f(\theta^*)$")
            else:
                y_scales[s.name] = ("linear", (Z.min(), Z.max()), r"$f(\theta_t)$")
        for name, contour in contours.items():
            contour.set_visible(name == s.name)
        ax_path.set_xlim(*s.xlim)
        ax_path.set_ylim(*s.ylim)
        ax_path.set_title(f"{s.name}: f = {s.formula}")
        lines["start"].set_data([s.start[0]], [s.start[1]])
        lines["minimum"].set_data([s.minimum[0]], [s.minimum[1]])
        # limits fixed per scene, so that the background (ticks included) is drawn once
        scale, limits, label = y_scales[s.name]
        ax_loss.set_yscale(scale)
        ax_loss.set_ylim(*limits)
        ax_loss.set_ylabel(label)
        results["shown_surface"] = s.name

    def show_scene(s: surfaces_module.Surface, optimizers: tuple[str, ...], steps: int) -> None:
        """The static part for a surface, a choice of optimizers (the legend lists only those
        drawn) and a number of steps (the loss axis ends there); each scene's background is
        drawn at its first visit and kept (:class:`coursekit.plot.Blitter`)."""
        scene = (s.name, tuple(optimizers), int(steps))
        if results["shown_scene"] == scene:
            return
        if results["shown_surface"] != s.name:
            show_surface(s)
        for old in legend:
            old.remove()
        legend.clear()
        handles = [lines[f"path_{name}"] for name in RACE_RULES if name in optimizers]
        handles += [lines["start"], lines["minimum"]]
        legend.append(
            figure.legend(
                handles=handles,
                loc="lower center",
                ncol=len(handles) if len(handles) <= 6 else 5,
            )
        )
        ax_loss.set_xlim(0, steps)
        blitter.scene = scene
        results["shown_scene"] = scene
        results["legend"] = [h.get_label() for h in handles]
        if scene in blitter._backgrounds:
            return
        # a new scene costs one panel, not the figure: the surface's background (drawn once,
        # without legend) with the loss panel cleared and redrawn, and the legend on top
        renderer = blitter.canvas.get_renderer()
        blitter.canvas.restore_region(bases[s.name])
        width, height = blitter.canvas.get_width_height()
        cover = Rectangle(
            (loss_left[s.name], 0),
            width,
            height,
            transform=IdentityTransform(),
            facecolor=figure.get_facecolor(),
            edgecolor="none",
        )
        cover.set_figure(figure)
        cover.draw(renderer)
        ax_loss.draw(renderer)
        legend[0].draw(renderer)
        blitter.store()

    for other in catalogue.values():  # each surface's background, drawn now, once
        show_surface(other)
        blitter.canvas.draw()
        bases[other.name] = blitter.canvas.copy_from_bbox(figure.bbox)
        # the loss panel starts right of the path panel's pixels (its tick labels included)
        loss_left[other.name] = ax_path.get_tightbbox(blitter.canvas.get_renderer()).x1 + 2

    def draw(
        surface: str,
        optimizers: tuple[str, ...],
        lr: float,
        momentum: float,
        beta2: float,
        steps: int,
        progress: widgets.IntProgress,
    ) -> str:
        s = catalogue[surface]
        show_scene(s, optimizers, steps)
        finite_min = np.isfinite(s.minimum[0])
        f_min = s(s.minimum) if finite_min else 0.0
        notes, finals = [], {}
        for name in RACE_RULES:
            keys = (f"path_{name}", f"end_{name}", f"loss_{name}", f"zero_{name}")
            if name not in optimizers:
                for key in keys:
                    lines[key].set_data([], [])
                continue
            path = path_of(name, s, lr, momentum, beta2, steps)
            lines[f"path_{name}"].set_data(path[:, 0], path[:, 1])
            lines[f"end_{name}"].set_data(path[-1:, 0], path[-1:, 1])
            gap = s.value(path[:, 0], path[:, 1]) - f_min
            steps_drawn = np.arange(len(path))
            if finite_min:
                exact = gap <= LOSS_FLOOR  # at the minimum, to rounding: not drawable on log axes
                lines[f"loss_{name}"].set_data(steps_drawn[~exact], np.minimum(gap[~exact], 1e12))
                first = steps_drawn[exact][:1]
                lines[f"zero_{name}"].set_data(first, np.full(len(first), LOSS_FLOOR))
                if len(first):
                    notes.append(f"{name}: f* at step {first[0]} ▼")
            else:
                lines[f"loss_{name}"].set_data(steps_drawn, np.clip(gap, -1e12, 1e12))
                lines[f"zero_{name}"].set_data([], [])
            if len(path) < steps + 1:
                notes.append(f"{name} diverged at step {len(path) - 1}")
            else:
                finals[name] = float(gap[-1])
        results["finals"] = finals
        best = min(finals, key=finals.get) if finals else None
        status = f"α = {lr:.3g}, λ = β₁ = {momentum:.2f}, β₂ = {beta2}: "
        status += f"lowest after {steps} steps: {best}" if best else "no run finished"
        if notes:
            kept = [f'<span style="white-space:nowrap">{note}</span>' for note in notes]
            status += ' · <span style="color:#b00">' + "; ".join(kept) + "</span>"
        return status

    return slider_app(
        controls,
        figure,
        draw,
        artists=lines,
        results=results,
        kind="toy",
        render=blitter.png,
        panel=panel,
    )


def schedule_explorer(total_steps: int = 1000) -> SliderApp:
    """The decay schedules of 5.3 side by side, with sliders for their parameters.

    Controls: the initial rate alpha_0, the decay rates beta of inverse-time, exponential and
    natural-exponential decay, the length T of the cosine schedule, and a warmup length T'
    applied to all of them (0: none). Piecewise-constant decay divides by 10 at T/2 and by 100
    at 3T/4. The axes stay fixed so that the figure is redrawn in milliseconds.
    """
    total_steps = validate.integer("total_steps", total_steps, low=100)  # T cosine's minimum
    controls: dict[str, widgets.ValueWidget] = {
        "lr0": widgets.FloatSlider(value=0.5, min=0.05, max=1.0, step=0.05, description="α₀"),
        "inverse_beta": widgets.FloatLogSlider(
            value=0.01, base=10, min=-4, max=0, step=0.25, description="β inverse time"
        ),
        "exponential_beta": widgets.FloatSlider(
            value=0.995,
            min=0.98,
            max=1.0,
            step=0.001,
            readout_format=".3f",
            description="β exponential",
        ),
        "natural_beta": widgets.FloatLogSlider(
            value=0.003,
            base=10,
            min=-4,
            max=-1,
            step=0.25,
            description="β natural exp",
        ),
        "cosine_steps": widgets.IntSlider(
            value=total_steps, min=100, max=total_steps, step=50, description="T cosine"
        ),
        "warmup": widgets.IntSlider(value=0, min=0, max=200, step=10, description="T′ warmup"),
    }
    style_controls(controls, "24em")
    figure = Figure(figsize=(8.0, 3.2), dpi=WIDGET_DPI, layout="constrained")
    ax = figure.subplots()
    ax.set_xlim(0, total_steps)
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("step $t$")
    ax.set_ylabel(r"learning rate $\alpha_t$")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    names = ("piecewise constant", "inverse time", "exponential", "natural exponential", "cosine")
    lines: dict[str, Any] = {}
    results: dict[str, Any] = {}
    for i, name in enumerate(names):
        (lines[name],) = ax.plot([], [], color=f"C{i}", lw=1.8, label=name)
    ax.legend(loc="upper right")
    blitter = freeze(figure, lines.values())
    steps = np.arange(total_steps + 1)

    def draw(
        lr0: float,
        inverse_beta: float,
        exponential_beta: float,
        natural_beta: float,
        cosine_steps: int,
        warmup: int,
        progress: widgets.IntProgress,
    ) -> str:
        made = {
            "piecewise constant": schedules.piecewise_constant(
                lr0, [total_steps // 2, 3 * total_steps // 4], [0.1, 0.01]
            ),
            "inverse time": schedules.inverse_time(lr0, inverse_beta),
            "exponential": schedules.exponential(lr0, exponential_beta),
            "natural exponential": schedules.natural_exponential(lr0, natural_beta),
            "cosine": schedules.cosine(lr0, cosine_steps),
        }
        finals = {}
        for name, schedule in made.items():
            if warmup > 0:
                schedule = schedules.linear_warmup(schedule, warmup)
            rates = np.array([schedule(int(t)) for t in steps])
            lines[name].set_data(steps, rates)
            finals[name] = rates[-1]
        results["finals"] = finals
        return "α at the last step: " + ", ".join(f"{k} {v:.2g}" for k, v in finals.items())

    return slider_app(
        controls, figure, draw, artists=lines, results=results, kind="toy", render=blitter.png
    )
