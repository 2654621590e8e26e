"""Interactive figures for lectures: every factory returns the widget *and* its update function.

The pattern (one figure, reused; sliders that fire on release; the figure rendered to a PNG
image widget) keeps the figures testable without a browser: a test sets a slider's ``.value``
and reads the artists' data or the image bytes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import ipywidgets as widgets
import numpy as np
import torch
from matplotlib.figure import Figure

from . import init as init_module
from . import optim, schedules
from . import surfaces as surfaces_module
from .data import Dataset
from .models import ACTIVATIONS, mlp
from .plot import Blitter, curve_data, figure_png, smooth
from .train import History, fit

#: The two kinds of live figure, with their latency budgets in seconds (DESIGN.md section 9).
WIDGET_KINDS = ("toy", "retrain")
LATENCY_BUDGET = {"toy": 0.05, "retrain": 2.0}


@dataclass
class SliderApp:
    """A live figure: ``widget`` to display, ``update()`` to redraw from the controls' values.

    ``artists`` names the lines and texts that ``update`` changes, so tests can read them.
    ``kind`` is ``"toy"`` for a figure computed in milliseconds (budget: 50 ms per change) or
    ``"retrain"`` for one that trains a network (budget: 2 s, with a progress bar); the widget
    carries it as the CSS class ``coursekit-toy`` or ``coursekit-retrain`` so that browser tests
    and benchmarks know which budget applies.
    """

    widget: widgets.Widget
    update: Callable[[], None]
    controls: dict[str, widgets.ValueWidget]
    figure: Figure
    image: widgets.Image
    status: widgets.HTML
    progress: widgets.IntProgress
    artists: dict[str, Any] = field(default_factory=dict)
    kind: str = "toy"
    paused: bool = False

    def set(self, **values: Any) -> None:
        """Set several controls at once and redraw once (for tests and scripted demos)."""
        for name in values:
            if name not in self.controls:
                raise KeyError(f"unknown control {name!r}; the controls are {list(self.controls)}")
        self.paused = True
        try:
            for name, value in values.items():
                self.controls[name].value = value
        finally:
            self.paused = False
        self.update()

    def _ipython_display_(self) -> None:  # pragma: no cover - needs a kernel
        from IPython.display import display

        display(self.widget)


def slider_app(
    controls: dict[str, widgets.ValueWidget],
    figure: Figure,
    draw: Callable[..., str],
    *,
    artists: dict[str, Any] | None = None,
    progress_max: int = 1,
    kind: str = "toy",
    render: Callable[[], bytes] | None = None,
    panel: widgets.Widget | None = None,
) -> SliderApp:
    """Wire ``controls`` to ``draw(progress=..., **values)`` and show ``figure`` as an image.

    ``draw`` updates the figure's artists in place and returns a status message (HTML). Each
    control fires only when the slider is released (``continuous_update=False``). ``kind`` is
    ``"toy"`` or ``"retrain"`` (see :class:`SliderApp`). ``render`` makes the PNG (default:
    ``figure_png(figure)``; a :class:`coursekit.plot.Blitter` is much faster). ``panel`` lays
    out the controls (default: one row that wraps).
    """
    if kind not in WIDGET_KINDS:
        raise ValueError(f"kind must be one of {WIDGET_KINDS}, got {kind!r}")
    # shown at its natural size (a stretched PNG looks blurred), shrunk on narrow screens
    natural = f"{round(figure.get_figwidth() * figure.dpi)}px"
    image = widgets.Image(format="png", layout=widgets.Layout(width=natural, max_width="100%"))
    status = widgets.HTML(layout=widgets.Layout(min_height="1.5em"))
    progress = widgets.IntProgress(
        value=0, min=0, max=progress_max, layout=widgets.Layout(width="16em", visibility="hidden")
    )
    app = SliderApp(
        widget=widgets.VBox(),
        update=lambda: None,
        controls=controls,
        figure=figure,
        image=image,
        status=status,
        progress=progress,
        artists=artists if artists is not None else {},
        kind=kind,
    )

    def update(_change: Any = None) -> None:
        if app.paused:
            return
        values = {name: control.value for name, control in controls.items()}
        status.value = draw(progress=progress, **values)
        image.value = render() if render is not None else figure_png(figure)

    for control in controls.values():
        if hasattr(control, "continuous_update"):
            control.continuous_update = False
        control.observe(update, names="value")
    app.update = update
    app.widget.children = [
        panel
        if panel is not None
        else widgets.HBox(list(controls.values()), layout=widgets.Layout(flex_flow="row wrap")),
        widgets.HBox([progress, status]),
        image,
    ]
    app.widget.add_class(f"coursekit-{kind}")
    update()
    return app


#: Batch sizes offered by :func:`minibatch_explorer` (capped at the training-set size).
BATCH_SIZES = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)


def minibatch_explorer(
    data: Dataset,
    *,
    steps: int = 300,
    hidden: int = 64,
    batch_size: int = 32,
    lr: float = 0.1,
    seed: int = 0,
    y_max: float = 10.0,
) -> SliderApp:
    """Sliders for the batch size K and the learning rate; each change retrains an MLP.

    The network (``data.n_features`` -> ``hidden`` -> classes, ReLU) trains for ``steps``
    iterations of plain SGD from the same initial weights. Left: the mini-batch loss per
    iteration (faint) and its moving average; right: the same against epochs. The grey line is
    the first setting, for comparison. A run whose loss blows up stops (see ``fit``); its curve
    is clipped at ``y_max`` and the status says at which step and learning rate it diverged. A
    run that ends no lower than it started is flagged too.
    """
    if steps < 1:
        raise ValueError(f"steps must be >= 1, got {steps}")
    n = len(data.X_train)
    options = [k for k in BATCH_SIZES if k < n] + [n]
    if batch_size not in options:
        raise ValueError(f"batch_size must be one of {options}, got {batch_size}")
    controls = {
        "batch_size": widgets.SelectionSlider(
            options=options, value=batch_size, description="batch size K"
        ),
        "lr": widgets.FloatLogSlider(
            value=lr,
            base=10,
            min=-3,
            max=1,
            step=0.25,
            description="learning rate",
            readout_format=".3g",
        ),
    }
    for control in controls.values():
        control.style.description_width = "initial"
        control.layout.width = "22em"

    figure = Figure(figsize=(9.0, 3.2), dpi=80, layout="constrained")
    ax_step, ax_epoch = figure.subplots(1, 2, sharey=True)
    lines: dict[str, Any] = {}
    for ax, x in ((ax_step, "step"), (ax_epoch, "epoch")):
        (lines[f"reference_{x}"],) = ax.plot(
            [], [], color="0.6", linewidth=1.2, label="first setting"
        )
        (lines[f"raw_{x}"],) = ax.plot([], [], color="C0", alpha=0.25, linewidth=0.8)
        (lines[f"smooth_{x}"],) = ax.plot([], [], color="C0", label="current")
        ax.set_yscale("log")
        ax.set_ylim(0.01, y_max)
    ax_step.set_xlabel("iteration")
    ax_epoch.set_xlabel("epoch")
    ax_epoch.set_xscale("log")
    ax_step.set_ylabel("mini-batch loss")
    ax_step.legend(loc="upper right")
    lines["title"] = figure.suptitle("")
    X_train = torch.as_tensor(data.X_train)
    y_train = torch.as_tensor(data.y_train)

    def train(batch_size: int, lr: float, progress: widgets.IntProgress) -> History:
        model = mlp([data.n_features, hidden, data.n_classes], seed=seed)
        optimizer = torch.optim.SGD(model.parameters(), lr=lr)
        progress.max = steps
        progress.value = 0
        progress.layout.visibility = "visible"

        def report(history: History) -> None:
            progress.value = history.steps

        history = fit(
            model,
            optimizer,
            X_train,
            y_train,
            batch_size=int(batch_size),
            max_steps=steps,
            seed=seed,
            on_divergence="stop",
            progress=False,
            callback=report,
        )
        progress.layout.visibility = "hidden"
        return history

    def draw(batch_size: int, lr: float, progress: widgets.IntProgress) -> str:
        history = train(batch_size, lr, progress)
        window = max(1, min(25, history.steps // 10))
        for x in ("step", "epoch"):
            xs, ys = curve_data(history, x, "step_loss")
            ys = np.clip(ys, None, y_max)
            lines[f"raw_{x}"].set_data(xs, ys)
            lines[f"smooth_{x}"].set_data(xs, np.clip(smooth(ys, window), None, y_max))
            if "reference_set" not in lines:
                lines[f"reference_{x}"].set_data(xs, np.clip(smooth(ys, window), None, y_max))
        lines["reference_set"] = True
        ax_step.set_xlim(0, steps)
        epochs = steps / history.steps_per_epoch
        ax_epoch.set_xlim(1.0 / history.steps_per_epoch, max(epochs, 2.0 / history.steps_per_epoch))
        lines["title"].set_text(
            f"K = {batch_size}, learning rate = {lr:.3g}: {steps} iterations = {epochs:.3g} epochs"
        )
        lines["history"] = history
        if history.diverged is not None:
            return f'<span style="color:#b00">{history.diverged.message}</span>'
        per_epoch = history.steps_per_epoch
        result = (
            f"final training loss {history.train_loss[-1]:.3f}, accuracy "
            f"{history.train_acc[-1]:.3f} ({per_epoch} iteration{'s' if per_epoch > 1 else ''} "
            "per epoch)"
        )
        if history.train_loss[-1] >= history.train_loss[0]:
            return (
                f'<span style="color:#b00">no progress: {result}, not below the initial '
                f"{history.train_loss[0]:.3f}; the learning rate is too large for this batch "
                "size</span>"
            )
        return result

    return slider_app(controls, figure, draw, artists=lines, progress_max=steps, kind="retrain")


#: The update rules offered by :func:`optimizer_race`, built from the sliders' values.
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
    unknown = [name for name in optimizers if name not in RACE_RULES]
    if unknown:
        raise ValueError(f"optimizers must be among {list(RACE_RULES)}, got {unknown}")
    controls: dict[str, widgets.ValueWidget] = {
        "surface": widgets.Dropdown(options=list(catalogue), value=surface, description="surface"),
        "optimizers": widgets.SelectMultiple(
            options=list(RACE_RULES), value=tuple(optimizers), rows=7, description="optimizers"
        ),
        "lr": widgets.FloatLogSlider(
            value=lr, base=10, min=-4, max=0, step=0.25, description="learning rate α"
        ),
        "momentum": widgets.FloatSlider(
            value=momentum, min=0.0, max=0.99, step=0.01, description="momentum λ, β₁"
        ),
        "beta2": widgets.SelectionSlider(
            options=[0.9, 0.99, 0.999, 0.9999], value=beta2, description="β₂ (RMSprop, Adam)"
        ),
        "steps": widgets.IntSlider(value=steps, min=10, max=300, step=10, description="steps"),
    }
    for control in controls.values():
        control.style.description_width = "initial"
    for name in ("lr", "momentum", "beta2", "steps"):
        controls[name].layout.width = "26em"
    panel = widgets.HBox(
        [
            widgets.VBox([controls["surface"], controls["optimizers"]]),
            widgets.VBox([controls[name] for name in ("lr", "momentum", "beta2", "steps")]),
        ]
    )

    figure = Figure(figsize=(9.0, 3.6), dpi=84, layout="constrained")
    ax_path, ax_loss = figure.subplots(1, 2, width_ratios=(1.2, 1.0))
    ax_loss.set_xlabel("step t")
    max_steps = controls["steps"].max
    colors = {name: f"C{i}" for i, name in enumerate(RACE_RULES)}
    lines: dict[str, Any] = {}
    for name in RACE_RULES:
        (lines[f"path_{name}"],) = ax_path.plot([], [], "-", color=colors[name], lw=1.5, label=name)
        (lines[f"end_{name}"],) = ax_path.plot([], [], "o", color=colors[name], ms=5)
        (lines[f"loss_{name}"],) = ax_loss.plot([], [], color=colors[name], lw=1.5)
    (lines["start"],) = ax_path.plot([], [], "k^", ms=7, label="start")
    (lines["minimum"],) = ax_path.plot([], [], "k*", ms=10, label="minimum")
    handles = [lines[f"path_{name}"] for name in RACE_RULES] + [lines["start"], lines["minimum"]]
    ax_loss.legend(handles=handles, loc="upper right", fontsize=7, ncol=3)
    lines["shown_surface"] = None
    dynamic = [lines[f"{part}_{name}"] for name in RACE_RULES for part in ("path", "end", "loss")]
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
                y_scales[s.name] = ("log", (1e-10, top), "f(θ_t) − f(θ*)")
            else:
                y_scales[s.name] = ("linear", (Z.min(), Z.max()), "f(θ_t)")
        for name, contour in contours.items():
            contour.set_visible(name == s.name)
        ax_path.set_xlim(*s.xlim)
        ax_path.set_ylim(*s.ylim)
        ax_path.set_title(f"{s.name}: f = {s.formula}", fontsize=9)
        lines["start"].set_data([s.start[0]], [s.start[1]])
        lines["minimum"].set_data([s.minimum[0]], [s.minimum[1]])
        # fixed limits, so that the background (ticks included) never needs a redraw
        scale, limits, label = y_scales[s.name]
        ax_loss.set_xlim(0, max_steps)
        ax_loss.set_yscale(scale)
        ax_loss.set_ylim(*limits)
        ax_loss.set_ylabel(label)
        blitter.scene = s.name
        lines["shown_surface"] = s.name

    show_surface(catalogue["Beale"])  # the longest title
    figure.get_layout_engine().execute(figure)  # lay out once, then keep the axes in place
    figure.set_layout_engine("none")
    for other in catalogue.values():  # draw every surface's background now, once
        show_surface(other)
        blitter.prepare()

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
        if lines["shown_surface"] != s.name:
            show_surface(s)
        finite_min = np.isfinite(s.minimum[0])
        f_min = s(s.minimum) if finite_min else 0.0
        notes, finals = [], {}
        for name in RACE_RULES:
            keys = (f"path_{name}", f"end_{name}", f"loss_{name}")
            if name not in optimizers:
                for key in keys:
                    lines[key].set_data([], [])
                continue
            path = path_of(name, s, lr, momentum, beta2, steps)
            lines[f"path_{name}"].set_data(path[:, 0], path[:, 1])
            lines[f"end_{name}"].set_data(path[-1:, 0], path[-1:, 1])
            gap = s.value(path[:, 0], path[:, 1]) - f_min
            shown = np.clip(gap, 1e-12, 1e12) if finite_min else np.clip(gap, -1e12, 1e12)
            lines[f"loss_{name}"].set_data(np.arange(len(path)), shown)
            if len(path) < steps + 1:
                notes.append(f"{name} diverged at step {len(path) - 1}")
            else:
                finals[name] = float(gap[-1])
        lines["finals"] = finals
        best = min(finals, key=finals.get) if finals else None
        status = f"α = {lr:.3g}, λ = β₁ = {momentum:.2f}, β₂ = {beta2}: "
        status += f"lowest after {steps} steps: {best}" if best else "no run finished"
        if notes:
            status += ' · <span style="color:#b00">' + "; ".join(notes) + "</span>"
        return status

    return slider_app(
        controls, figure, draw, artists=lines, kind="toy", render=blitter.png, panel=panel
    )


def schedule_explorer(total_steps: int = 1000) -> SliderApp:
    """The decay schedules of 5.3 side by side, with sliders for their parameters.

    Controls: the initial rate alpha_0, the decay rates beta of inverse-time, exponential and
    natural-exponential decay, the length T of the cosine schedule, and a warmup length T'
    applied to all of them (0: none). Piecewise-constant decay divides by 10 at T/2 and by 100
    at 3T/4. The axes stay fixed so that the figure is redrawn in milliseconds.
    """
    if total_steps < 10:
        raise ValueError(f"total_steps must be >= 10, got {total_steps}")
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
    for control in controls.values():
        control.style.description_width = "initial"
        control.layout.width = "19em"
    figure = Figure(figsize=(8.0, 3.2), dpi=90, layout="constrained")
    ax = figure.subplots()
    ax.set_xlim(0, total_steps)
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("step t")
    ax.set_ylabel("learning rate α_t")
    names = ("piecewise constant", "inverse time", "exponential", "natural exponential", "cosine")
    lines: dict[str, Any] = {}
    for i, name in enumerate(names):
        (lines[name],) = ax.plot([], [], color=f"C{i}", lw=1.8, label=name)
    ax.legend(loc="upper right", fontsize=8)
    figure.get_layout_engine().execute(figure)
    figure.set_layout_engine("none")
    blitter = Blitter(figure, list(lines.values()))
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
        lines["finals"] = finals
        return "α at the last step: " + ", ".join(f"{k} {v:.2g}" for k, v in finals.items())

    return slider_app(controls, figure, draw, artists=lines, kind="toy", render=blitter.png)


def saddle_escape(
    offset: float = 1e-6, noise: float = 0.01, lr: float = 0.1, steps: int = 300, seed: int = 0
) -> SliderApp:
    """Gradient descent near the saddle of the double well, with and without gradient noise.

    Both runs start at (1.5, offset), a distance ``offset`` beside the ridge y = 0 that leads
    into the saddle at the origin. The noisy run adds N(0, noise^2) to each gradient
    coordinate, a stand-in for mini-batch noise. Left: the paths on the contour plot; right:
    |y_t| per step, with the step at which each run got away (|y| > 0.5).
    """
    if steps < 1:
        raise ValueError(f"steps must be >= 1, got {steps}")
    surface = surfaces_module.double_well()
    controls: dict[str, widgets.ValueWidget] = {
        "offset": widgets.FloatLogSlider(
            value=offset, base=10, min=-12, max=-1, step=1, description="start offset y₀"
        ),
        "noise": widgets.FloatLogSlider(
            value=noise, base=10, min=-6, max=0, step=0.5, description="gradient noise σ"
        ),
        "lr": widgets.FloatSlider(
            value=lr, min=0.02, max=0.5, step=0.02, description="learning rate α"
        ),
    }
    for control in controls.values():
        control.style.description_width = "initial"
        control.layout.width = "22em"
    figure = Figure(figsize=(9.0, 3.4), dpi=84, layout="constrained")
    ax_path, ax_y = figure.subplots(1, 2)
    X, Y, Z = surface.grid(100)
    ax_path.contour(X, Y, Z, levels=np.linspace(0, 3, 16), colors="0.75", linewidths=0.7)
    ax_path.plot([0], [0], "kx", ms=8, label="saddle")
    ax_path.plot([0, 0], [-1, 1], "k*", ms=9, label="minima")
    ax_path.set(xlim=surface.xlim, ylim=surface.ylim, title=f"f = {surface.formula}")
    ax_y.set(xlim=(0, steps), ylim=(1e-13, 3), yscale="log", xlabel="step t", ylabel="|y_t|")
    ax_y.axhline(0.5, color="k", lw=0.6, ls=":")
    lines: dict[str, Any] = {}
    for name, color in (("plain", "C0"), ("noisy", "C3")):
        (lines[f"path_{name}"],) = ax_path.plot([], [], ".-", ms=2, lw=0.8, color=color)
        (lines[f"y_{name}"],) = ax_y.plot([], [], color=color, label=f"{name} gradient")
        lines[f"escape_{name}"] = ax_y.axvline(-1, color=color, lw=0.8, ls="--")
    ax_y.legend(loc="lower right", fontsize=8)
    ax_path.legend(loc="upper right", fontsize=8)
    figure.get_layout_engine().execute(figure)
    figure.set_layout_engine("none")
    blitter = Blitter(figure, [v for v in lines.values()])

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
            away = np.nonzero(ys > 0.5)[0]
            escaped = int(away[0]) if len(away) else None
            lines[f"escape_{name}"].set_xdata([escaped if escaped is not None else -1] * 2)
            lines[f"escape_{name}_step"] = escaped
            status.append(
                f"{name}: away after {escaped} steps"
                if escaped is not None
                else f"{name}: still at the saddle after {steps} steps"
            )
        return "; ".join(status)

    return slider_app(controls, figure, draw, artists=lines, kind="toy", render=blitter.png)


#: Initialisation schemes offered by :func:`init_explorer`: (init scheme, options).
INIT_CHOICES: dict[str, tuple[str, dict[str, float]]] = {
    "N(0, 0.01²)": ("normal", {"std": 0.01}),
    "N(0, 1)": ("normal", {"std": 1.0}),
    "Xavier normal": ("xavier_normal", {}),
    "He normal": ("he_normal", {}),
    "orthogonal": ("orthogonal", {}),
}
_ACTIVATION_LAYERS = {k: v for k, v in ACTIVATIONS.items() if k != "identity"}


def layer_statistics(
    activation: str, scheme: str, depth: int, width: int, *, batch: int = 100, seed: int = 0
) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
    """Activations and their gradients, layer by layer, of a fresh deep network.

    A stack of ``depth`` Linear(width, width) + ``activation`` layers, initialised with
    ``scheme`` (a key of :data:`INIT_CHOICES`), gets ``batch`` standard normal inputs; the
    gradients are those of the sum of the last layer's outputs times a fixed random vector.
    """
    if activation not in _ACTIVATION_LAYERS:
        raise ValueError(
            f"activation must be one of {list(_ACTIVATION_LAYERS)}, got {activation!r}"
        )
    if scheme not in INIT_CHOICES:
        raise ValueError(f"scheme must be one of {list(INIT_CHOICES)}, got {scheme!r}")
    if depth < 1 or width < 1:
        raise ValueError(f"depth and width must be >= 1, got depth={depth}, width={width}")
    generator = torch.Generator().manual_seed(seed)
    name, options = INIT_CHOICES[scheme]
    fill = init_module.SCHEMES[name]
    weights = []  # the biases are 0, as init_model sets them
    for _ in range(depth):
        layer_generator = torch.Generator().manual_seed(
            int(torch.randint(2**31, (1,), generator=generator))
        )
        weights.append(fill(torch.empty(width, width), layer_generator, **options))
    x = torch.randn(batch, width, generator=generator, requires_grad=True)
    outputs = []
    nonlinearity = _ACTIVATION_LAYERS[activation]()
    for weight in weights:
        x = nonlinearity(x @ weight.T)
        x.retain_grad()
        outputs.append(x)
    direction = torch.randn(width, generator=generator)
    (x @ direction).sum().backward()
    return [o.detach() for o in outputs], [o.grad.detach() for o in outputs]


def init_explorer(
    activation: str = "tanh", scheme: str = "Xavier normal", depth: int = 10, width: int = 128
) -> SliderApp:
    """Per-layer histograms of activations and gradients for an activation, scheme, depth, width.

    Each row of the two heat maps is one layer; its colours show how the magnitudes |a| (left)
    and |dL/da| (right) are spread on a log scale, so a signal that vanishes slides to the left
    row by row, one that saturates piles up at |a| = 1, and a healthy one stays put.
    """
    max_depth = 20
    controls: dict[str, widgets.ValueWidget] = {
        "activation": widgets.Dropdown(
            options=list(_ACTIVATION_LAYERS), value=activation, description="activation"
        ),
        "scheme": widgets.Dropdown(options=list(INIT_CHOICES), value=scheme, description="init"),
        "depth": widgets.IntSlider(value=depth, min=2, max=max_depth, description="depth"),
        "width": widgets.SelectionSlider(
            options=[32, 64, 128, 256], value=width, description="width"
        ),
    }
    for control in controls.values():
        control.style.description_width = "initial"
    a_bins, g_bins = np.linspace(-9, 1, 61), np.linspace(-13, 2, 61)
    figure = Figure(figsize=(9.0, 3.6), dpi=84, layout="constrained")
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
    figure.colorbar(images["gradients"], ax=ax_g, label="fraction of the layer's values")
    figure.get_layout_engine().execute(figure)
    figure.set_layout_engine("none")
    blitter = Blitter(figure, list(images.values()))
    artists: dict[str, Any] = dict(images)

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
        outputs, grads = layer_statistics(activation, scheme, depth, int(width))
        images["activations"].set_data(histograms(outputs, a_bins))
        images["gradients"].set_data(histograms(grads, g_bins))
        a_std = [float(o.std()) for o in outputs]
        g_std = [float(g.std()) for g in grads]
        artists["activation_std"], artists["gradient_std"] = a_std, g_std
        saturated = float((outputs[-1].abs() > 0.99).float().mean())
        artists["saturated"] = saturated if activation == "tanh" else 0.0
        return (
            f"std of activations: layer 1 {a_std[0]:.2g}, layer {depth} {a_std[-1]:.2g}; "
            f"of gradients: layer 1 {g_std[0]:.2g}, layer {depth} {g_std[-1]:.2g}"
            + (
                f"; {saturated:.0%} of the last tanh outputs saturated"
                if activation == "tanh"
                else ""
            )
        )

    return slider_app(controls, figure, draw, artists=artists, kind="toy", render=blitter.png)
