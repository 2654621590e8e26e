"""Figures used across the course: loss curves, annotated heatmaps, plain log-axis ticks, and a
colour map for spreads that starts visibly above white."""

from __future__ import annotations

import base64
import html
import io
import re
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import PIL.Image
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap, LogNorm
from matplotlib.figure import Figure
from matplotlib.ticker import LogLocator, NullFormatter, StrMethodFormatter

from . import validate
from .surfaces import Surface
from .train import History

#: x axes a loss curve can be drawn against, and what they mean.
X_AXES = {
    "step": "iteration (parameter updates)",
    "epoch": "epoch (passes over the training set)",
    "time": "training time (s)",
}
_EVAL_CURVES = ("train_loss", "val_loss", "train_acc", "val_acc")


def curve_data(
    history: History, x: str = "step", y: str = "step_loss"
) -> tuple[np.ndarray, np.ndarray]:
    """The (x, y) arrays of one loss curve.

    ``y="step_loss"`` is the mini-batch loss of every iteration; ``"train_loss"``,
    ``"val_loss"``, ``"train_acc"`` and ``"val_acc"`` are the evaluations after every epoch.
    ``x`` is ``"step"`` (iterations), ``"epoch"`` or ``"time"`` (training seconds).
    """
    if not isinstance(history, History):
        raise TypeError(
            f"history must be a History (what fit returns), got {type(history).__name__}"
        )
    validate.one_of("x", x, list(X_AXES))
    validate.one_of("y", y, ["step_loss", *_EVAL_CURVES])
    if y == "step_loss":
        ys = np.asarray(history.step_loss, dtype=float)
        steps = np.arange(1, len(ys) + 1, dtype=float)
        xs = {
            "step": steps,
            "epoch": steps / history.steps_per_epoch,
            "time": np.asarray(history.step_time, dtype=float),
        }[x]
        return xs, ys
    xs = {
        "step": np.asarray(history.eval_step, dtype=float),
        "epoch": np.asarray(history.eval_epoch, dtype=float),
        "time": np.asarray(history.eval_time, dtype=float),
    }[x]
    return xs, np.asarray(getattr(history, y), dtype=float)


def smooth(values: Sequence[float], window: int) -> np.ndarray:
    """Trailing moving average over ``window`` values (shorter at the start), same length."""
    window = validate.integer("window", window, low=1)
    v = validate.array("values", values, ndim=1, finite=False, nonempty=False)
    if len(v) == 0:
        return v
    cumulative = np.concatenate([[0.0], np.cumsum(v)])
    end = np.arange(1, len(v) + 1)
    width = np.minimum(end, window)
    return (cumulative[end] - cumulative[end - width]) / width


def plot_loss_curves(
    histories: Mapping[str, History],
    *,
    x: str = "step",
    y: str = "step_loss",
    ax: Axes | None = None,
    logx: bool = False,
    logy: bool = True,
    smooth_window: int = 1,
    title: str | None = None,
    legend: bool = True,
) -> Axes:
    """One line per named run: loss (or accuracy) against iterations, epochs or seconds.

    With ``smooth_window > 1`` the raw per-iteration curve is drawn faintly and its moving
    average on top. With ``logx`` the evaluation at x = 0 (before the first update) is left
    out: a log axis has no place for it. ``legend=False`` leaves the legend to the caller
    (one legend for several panels).
    """
    if not histories:
        raise ValueError("histories is empty: pass a dict of name -> History")
    if ax is None:
        _, ax = plt.subplots()
    smooth_window = validate.integer("smooth_window", smooth_window, low=1)
    legend = validate.flag("legend", legend)
    if not isinstance(histories, Mapping):
        raise TypeError(
            "histories must map names to histories, e.g. {'SGD': h}, got "
            f"{type(histories).__name__}"
        )
    for name, history in histories.items():
        xs, ys = curve_data(history, x, y)
        if logx:
            keep = np.asarray(xs) > 0
            xs, ys = np.asarray(xs)[keep], np.asarray(ys)[keep]
        if smooth_window > 1 and y == "step_loss":
            (raw,) = ax.plot(xs, ys, alpha=0.25, linewidth=0.8)
            ax.plot(xs, smooth(ys, smooth_window), color=raw.get_color(), label=name)
        else:
            ax.plot(xs, ys, label=name)
    ax.set_xlabel(X_AXES[x])
    ax.set_ylabel(y.replace("_", " "))
    if logx:
        ax.set_xscale("log")
    if logy:
        ax.set_yscale("log")
    if title:
        ax.set_title(title)
    if legend:
        ax.legend()
    return ax


def heatmap(
    values: np.ndarray,
    row_labels: Sequence[object],
    col_labels: Sequence[object],
    *,
    ax: Axes | None = None,
    row_title: str = "",
    col_title: str = "",
    title: str | None = None,
    fmt: str = "{:.3g}",
    log: bool = True,
    nan_text: str = "div.",
    cmap: str = "viridis_r",
    label: str | None = None,
    vmin: float | None = None,
    vmax: float | None = None,
) -> Axes:
    """An annotated heatmap of ``values`` (rows x columns); NaN or inf cells read ``nan_text``.

    With ``log`` the colours follow a logarithmic scale (losses span orders of magnitude), and
    the colour bar is marked in the values themselves. ``label`` names the colour bar (default:
    "value", or "value (log scale)" with ``log``); ``vmin`` and ``vmax`` fix the colour scale
    (in the values' units), so that several heatmaps share one.
    """
    if label is not None and not isinstance(label, str):
        raise TypeError(f"label must be a string, got {type(label).__name__}")
    values = validate.array("values", values, ndim=2, finite=False)  # NaN: a diverged run
    for name, labels in (("row_labels", row_labels), ("col_labels", col_labels)):
        if isinstance(labels, (str, bytes)) or not hasattr(labels, "__len__"):
            raise TypeError(f"{name} must be a sequence of labels, got {type(labels).__name__}")
    if not isinstance(fmt, str) or "{" not in fmt:
        raise ValueError(f"fmt must be a format string such as '{{:.3g}}', got {fmt!r}")
    try:
        fmt.format(1.5)
    except (ValueError, IndexError, KeyError) as error:
        raise ValueError(f"fmt {fmt!r} cannot format a float: {error}") from None
    if values.shape != (len(row_labels), len(col_labels)):
        raise ValueError(
            f"values has shape {values.shape} but there are {len(row_labels)} row labels "
            f"and {len(col_labels)} column labels"
        )
    if ax is None:
        _, ax = plt.subplots()
    finite = np.isfinite(values)
    shown = np.where(finite, values, np.nan)
    for name, bound in (("vmin", vmin), ("vmax", vmax)):
        if bound is not None:
            validate.real(name, bound, low=0 if log else None, low_open=log)
    colours = plt.get_cmap(cmap).with_extremes(bad="lightgrey")  # diverged cells in grey
    if log:
        shown = np.where(shown > 0, shown, np.nan)
        norm = LogNorm(vmin=vmin, vmax=vmax)
        image = ax.imshow(np.ma.masked_invalid(shown), cmap=colours, aspect="auto", norm=norm)
    else:
        image = ax.imshow(
            np.ma.masked_invalid(shown), cmap=colours, aspect="auto", vmin=vmin, vmax=vmax
        )
    ax.set_xticks(range(len(col_labels)), [str(c) for c in col_labels])
    ax.set_yticks(range(len(row_labels)), [str(r) for r in row_labels])
    ax.set_xlabel(col_title)
    ax.set_ylabel(row_title)
    ax.grid(False)
    for i in range(values.shape[0]):
        for j in range(values.shape[1]):
            text = fmt.format(values[i, j]) if finite[i, j] else nan_text
            dark = finite[i, j] and image.norm(shown[i, j]) > 0.5  # the dark end of viridis_r
            ax.text(
                j, i, text, ha="center", va="center", fontsize=8, color="white" if dark else "black"
            )
    if title:
        ax.set_title(title)
    bar = ax.figure.colorbar(image, ax=ax)
    bar.set_label(label if label is not None else ("value (log scale)" if log else "value"))
    return ax


def surface_contours(
    ax: Axes,
    surface: Surface,
    levels: int | Sequence[float] = 20,
    *,
    n: int = 150,
    color: str = "0.75",
) -> None:
    """Draw a 2-D test surface's contour lines in grey on ``ax``, within the surface's limits.

    The background of every optimizer-path figure (5.1, 5.3): the paths go on top, in colour.
    ``levels`` is a number of levels or the levels themselves (e.g. ``np.geomspace`` for a
    surface whose values span decades).
    """
    if not isinstance(surface, Surface):
        raise TypeError(
            f"surface must be a Surface, e.g. coursekit.surfaces.rosenbrock(), got {surface!r}"
        )
    n = validate.integer("n", n, low=2)
    X, Y, Z = surface.grid(n)
    ax.contour(X, Y, Z, levels=levels, colors=color, linewidths=0.7)
    ax.set(xlim=surface.xlim, ylim=surface.ylim)


def layer_histograms(
    outputs: Sequence[Any],
    title: str,
    ax_row: Sequence[Axes],
    value_range: tuple[float, float] = (-1.0, 1.0),
    *,
    layers: Sequence[int] | None = None,
    color: str | None = None,
) -> None:
    """One histogram per layer along ``ax_row``, each titled with the layer's std (5.4).

    ``outputs[k]`` holds the values of layer ``layers[k]`` (default: layer k+1), a tensor or
    an array; ``title`` labels the row; ``color`` draws every histogram in one colour (default:
    one colour per layer).
    """
    if not hasattr(ax_row, "__len__") or len(outputs) == 0:
        raise ValueError("outputs and ax_row must be sequences with one entry per layer")
    if len(outputs) != len(ax_row):
        raise ValueError(f"outputs and ax_row differ in length: {len(outputs)} and {len(ax_row)}")
    if layers is None:
        layers = range(1, len(outputs) + 1)
    layers = [validate.integer("layers[k]", n, low=1) for n in layers]
    if len(layers) != len(outputs):
        raise ValueError(f"layers and outputs differ in length: {len(layers)} and {len(outputs)}")
    low = validate.real("value_range[0]", value_range[0])
    if not validate.real("value_range[1]", value_range[1]) > low:
        raise ValueError(f"value_range must be (low, high) with low < high, got {value_range}")
    for k, (ax, out) in enumerate(zip(ax_row, outputs, strict=True)):
        values = validate.array(f"outputs[{k}]", out, finite=False).ravel()
        ax.hist(values, bins=40, range=value_range, color=color or f"C{(layers[k] - 1) % 10}")
        ax.set_yticks([])
        ax.set_title(f"layer {layers[k]}, std {values.std(ddof=1):.1e}")
    ax_row[0].set_ylabel(title)


#: The quantiles :func:`layer_spread` draws: the middle 50 % and 90 % of a layer's values.
SPREAD_QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


def layer_spread(
    outputs: Sequence[Any], ax: Axes, *, color: str = "C0", label: str | None = None
) -> np.ndarray:
    """How a deep network's activations spread, layer by layer, in one panel (5.4).

    For layer k = 1, 2, ... (x axis), the median of ``outputs[k - 1]`` as a line, and bands
    over the middle 50 % and 90 % of its values (quantiles 5, 25, 75 and 95 %): the summary of
    a row of per-layer histograms that reads at any size. Returns the quantiles, one row per
    layer (columns :data:`SPREAD_QUANTILES`).
    """
    if isinstance(outputs, (str, bytes)) or not hasattr(outputs, "__len__") or not len(outputs):
        raise ValueError("outputs must be a non-empty sequence with one entry per layer")
    if not isinstance(ax, Axes):
        raise TypeError(f"ax must be a matplotlib Axes, got {type(ax).__name__}")
    rows = []
    for k, out in enumerate(outputs):
        values = validate.array(f"outputs[{k}]", out).ravel()
        rows.append(np.quantile(values, SPREAD_QUANTILES))
    q = np.array(rows)
    layer = np.arange(1, len(q) + 1)
    ax.fill_between(layer, q[:, 0], q[:, 4], color=color, alpha=0.18, lw=0, label="middle 90 %")
    ax.fill_between(layer, q[:, 1], q[:, 3], color=color, alpha=0.4, lw=0, label="middle 50 %")
    ax.plot(layer, q[:, 2], "o-", color=color, label=label or "median")
    ax.set_xlabel("layer")
    ax.set_xticks(layer if len(layer) <= 12 else layer[:: int(np.ceil(len(layer) / 10))])
    return q


#: Greens without its near-white end, for a spread drawn with ``contourf(..., levels)`` whose
#: first level is above 0: below it the page stays white, and the first band is clearly green.
SPREAD_CMAP = ListedColormap(plt.get_cmap("Greens")(np.linspace(0.25, 1.0, 256)), name="spread")


def plain_log_ticks(ax: Axes, axis: str = "y") -> None:
    """Label a logarithmic axis with plain numbers at 1, 2 and 5 times powers of ten (0.2, 0.5,
    1, 2, ...) instead of matplotlib's 2x10^-1 style, and without minor-tick labels."""
    if not isinstance(ax, Axes):
        raise TypeError(f"ax must be a matplotlib Axes, got {type(ax).__name__}")
    if axis not in ("x", "y"):
        raise ValueError(f"axis must be 'x' or 'y', got {axis!r}")
    target = ax.yaxis if axis == "y" else ax.xaxis
    if target.get_scale() != "log":
        raise ValueError(f"the {axis} axis must be logarithmic (set {axis}scale='log' first)")
    target.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    target.set_major_formatter(StrMethodFormatter("{x:g}"))
    target.set_minor_formatter(NullFormatter())


def figure_png(fig: Figure, *, dpi: int | None = None) -> bytes:
    """The figure rendered as PNG bytes (what a widget's image shows), at the figure's own dpi.

    A widget shows the image at ``figwidth * fig.dpi`` pixels; rendering at the global
    ``savefig.dpi`` instead would make the browser rescale it, and blur it.
    """
    if not isinstance(fig, Figure):
        raise TypeError(f"fig must be a matplotlib Figure, got {type(fig).__name__}")
    buffer = io.BytesIO()
    fig.savefig(
        buffer, format="png", dpi=dpi if dpi is not None else "figure", metadata={"Software": None}
    )
    return buffer.getvalue()


class Blitter:
    """Fast PNGs of a figure whose static part (axes, ticks, contours) is drawn once.

    Only the ``dynamic`` artists are redrawn on top of a cached background, the way
    interactive matplotlib backends animate ("blitting"), then the pixels are encoded with
    fast PNG compression. Backgrounds are kept per ``scene`` (say, one per surface), so
    switching back and forth costs nothing after the first visit; call :meth:`invalidate`
    after changing anything static within a scene. This keeps a toy widget's answer to a
    slider in the tens of milliseconds, where a full ``savefig`` costs one to three hundred.
    """

    def __init__(self, figure: Figure, dynamic: list[Artist]) -> None:
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        self.figure = figure
        self.canvas = FigureCanvasAgg(figure)
        self.dynamic = list(dynamic)
        for artist in self.dynamic:
            artist.set_animated(True)
        self._backgrounds: dict[object, object] = {}
        self.scene: object = None
        #: How many scenes' backgrounds are kept (each is a full-size bitmap).
        self.max_scenes = 32

    def invalidate(self) -> None:
        """Forget the current scene's background (it is redrawn at the next :meth:`png`)."""
        self._backgrounds.pop(self.scene, None)

    def prepare(self) -> None:
        """Draw and keep the current scene's background now (e.g. while building a widget)."""
        self.canvas.draw()  # draws everything but the animated artists
        self.store()

    def store(self) -> None:
        """Keep what the canvas shows now as the current scene's background (after drawing it
        piece by piece, say a cached background with one panel redrawn on top)."""
        self._backgrounds.pop(self.scene, None)
        while len(self._backgrounds) >= self.max_scenes:  # forget the oldest scene
            self._backgrounds.pop(next(iter(self._backgrounds)))
        self._backgrounds[self.scene] = self.canvas.copy_from_bbox(self.figure.bbox)

    def png(self) -> bytes:
        """The figure as PNG bytes: the scene's background plus the dynamic artists."""
        if self.scene not in self._backgrounds:
            self.prepare()
        else:
            self.canvas.restore_region(self._backgrounds[self.scene])
        for artist in self.dynamic:
            if artist.get_visible():
                self.figure.draw_artist(artist)
        width, height = self.canvas.get_width_height()
        image = PIL.Image.frombuffer("RGBA", (width, height), self.canvas.buffer_rgba())
        buffer = io.BytesIO()
        image.save(buffer, format="png", compress_level=1)
        return buffer.getvalue()


#: Where a figure keeps the alternative text that :func:`describe` gives it.
_ALT_ATTRIBUTE = "_coursekit_alt"
#: Longest alternative text derived from a figure's titles and labels (screen readers read it
#: all; a sentence or two is what helps).
ALT_LIMIT = 400


def describe(fig: Figure, text: str) -> Figure:
    """Give ``fig`` its alternative text (what a screen reader says, and what an export shows
    when the image cannot be seen); returns ``fig``.

    Without it, :func:`alt_text` derives a description from the titles, axis labels and legend
    entries. Say what the figure shows, not how it is drawn: "Adam's loss falls below SGD's
    within 50 steps" rather than "a line plot".
    """
    if not isinstance(fig, Figure):
        raise TypeError(f"fig must be a matplotlib Figure, got {type(fig).__name__}")
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"text must be a non-empty string, got {text!r}")
    setattr(fig, _ALT_ATTRIBUTE, " ".join(text.split()))
    return fig


#: TeX commands in labels, as a screen reader should read them.
_SYMBOLS = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "eta": "η",
    "theta": "θ", "lambda": "λ", "mu": "μ", "xi": "ξ", "rho": "ρ", "sigma": "σ", "tau": "τ",
    "pm": "±", "times": "×", "cdot": "·", "leq": "≤", "geq": "≥", "approx": "≈", "to": "→",
    "Delta": "Δ", "nabla": "∇", "sqrt": "sqrt", "infty": "∞", "partial": "∂", "ell": "ℓ",
    "left": "", "right": "", "quad": " ", "qquad": " ", "top": "ᵀ",
}  # fmt: skip
#: Superscripts a screen reader reads as such.
_POWERS = {
    "0": "⁰", "1": "¹", "2": "²", "3": "³", "4": "⁴", "5": "⁵", "6": "⁶", "7": "⁷", "8": "⁸",
    "9": "⁹", "n": "ⁿ", "*": "*", "T": "ᵀ", "+": "⁺", "-": "⁻",
}  # fmt: skip


def _superscript(match: re.Match[str]) -> str:
    """``^2`` as ², ``^{10}`` as ¹⁰; a power without superscript characters stays ``^(...)``."""
    power = match.group(1) or match.group(2)
    if all(c in _POWERS for c in power):
        return "".join(_POWERS[c] for c in power)
    return f"^({power})" if len(power) > 1 else f"^{power}"


def _plain(text: str) -> str:
    """Label text without maths markup: ``$\\alpha_t$`` reads as ``alpha_t``."""
    text = re.sub(r"\\[,;:! ]", " ", text.replace("$", ""))  # maths spaces: \, \; \:
    text = re.sub(
        r"\\(?:mathbf|mathrm|mathcal|operatorname|text|boldsymbol)\{([^{}]*)\}", r"\1", text
    )
    text = re.sub(r"\\frac\{([^{}]*)\}\{([^{}]*)\}", r"(\1)/(\2)", text)
    text = re.sub(r"\^\{([^{}]+)\}|\^(.)", _superscript, text)
    text = re.sub(r"\\([A-Za-z]+)", lambda m: _SYMBOLS.get(m.group(1), m.group(1)), text)
    text = text.replace("{", "").replace("}", "")
    return " ".join(text.replace("\\", "").split())


def _entries(legend: Any) -> str:
    """A legend's entries, separated by semicolons (entries may contain commas)."""
    return "; ".join(_plain(t.get_text()) for t in legend.get_texts() if t.get_text())


def alt_text(fig: Figure) -> str:
    """The alternative text of ``fig``: what :func:`describe` set, or a description built from
    its title, each panel's title, axis labels (with their scales), colour-bar label and legend
    entries, cut at a word within :data:`ALT_LIMIT` characters.

    >>> alt_text(figure)  # doctest: +SKIP
    'Figure, 1 panel. Panel 1, "loss": x-axis iteration; y-axis loss (log scale); lines SGD; Adam.'
    """
    if not isinstance(fig, Figure):
        raise TypeError(f"fig must be a matplotlib Figure, got {type(fig).__name__}")
    given = getattr(fig, _ALT_ATTRIBUTE, None)
    if given:
        return given
    shown = [ax for ax in fig.axes if ax.get_visible()]
    bars = {}  # the axes a colour bar belongs to -> the colour bar's label
    for ax in shown:
        bar = getattr(ax, "_colorbar", None)
        if bar is not None:
            label = ax.get_ylabel() or ax.get_xlabel()
            for image in [bar.mappable]:
                owner = getattr(image, "axes", None)
                if owner is not None and label:
                    bars[owner] = _plain(label)
    panels = [ax for ax in shown if getattr(ax, "_colorbar", None) is None]
    panels = [ax for ax in panels if ax.axison or ax.name == "3d"]
    parts = [f"Figure, {len(panels)} panel{'s' if len(panels) != 1 else ''}."]
    title = fig.get_suptitle() if hasattr(fig, "get_suptitle") else ""
    if title:
        parts[0] = f'Figure "{_plain(title)}", {parts[0][8:]}'
    unlabelled = 0
    for k, ax in enumerate(panels, start=1):
        bits = []
        axes = [("x", ax.get_xlabel(), ax.get_xscale()), ("y", ax.get_ylabel(), ax.get_yscale())]
        if ax.name == "3d":
            axes.append(("z", ax.get_zlabel(), ax.get_zscale()))
        for axis, label, scale in axes:
            if label:
                scale_note = f" ({scale} scale)" if scale != "linear" else ""
                bits.append(f"{axis}-axis {_plain(label)}{scale_note}")
        if ax in bars:
            bits.append(f"colour {bars[ax]}")
        legend = ax.get_legend()
        if legend is not None and _entries(legend):
            bits.append("lines " + _entries(legend))
        if not bits and not ax.get_title():
            unlabelled += 1
            continue
        kind = "3-D panel" if ax.name == "3d" else "Panel"
        head = f'{kind} {k}, "{_plain(ax.get_title())}"' if ax.get_title() else f"{kind} {k}"
        parts.append(head + (": " + "; ".join(bits) if bits else "") + ".")
    if unlabelled:
        parts.append(f"{unlabelled} panel{'s' if unlabelled != 1 else ''} without labels.")
    for legend in getattr(fig, "legends", []):
        if _entries(legend):
            parts.append("Legend: " + _entries(legend) + ".")
    text = " ".join(parts)
    if len(text) <= ALT_LIMIT:
        return text
    cut = text[: ALT_LIMIT - 1]
    return (cut[: cut.rfind(" ")] if " " in cut else cut).rstrip(" ,;:") + "…"


def png_html(png: bytes, alt: str, *, width: int | None = None, caption: str = "") -> str:
    """An ``<img>`` of PNG bytes with its alternative text, optionally under a one-line caption.

    The image is shown at its natural ``width`` in CSS pixels (sharp), and shrinks with a narrow
    column (``max-width: 100%``). JupyterLab shows HTML outputs of notebooks that are not yet
    trusted (a notebook opened for the first time), so the image shows before anything runs.
    """
    if not isinstance(png, (bytes, bytearray)) or not bytes(png[:8]) == b"\x89PNG\r\n\x1a\n":
        raise ValueError("png must be the bytes of a PNG image")
    if not isinstance(alt, str):
        raise TypeError(f"alt must be a string, got {type(alt).__name__}")
    if width is None:
        width = PIL.Image.open(io.BytesIO(png)).size[0]
    width = validate.integer("width", width, low=1)
    data = base64.b64encode(bytes(png)).decode("ascii")
    image = (
        f'<img src="data:image/png;base64,{data}" alt="{html.escape(alt)}" width="{width}" '
        'style="max-width: 100%; height: auto">'
    )
    if caption:
        image = f'<div class="coursekit-caption">{html.escape(caption)}</div>{image}'
    return f'<div class="coursekit-figure">{image}</div>'


def figure_html(fig: Figure) -> str:
    """``fig`` as an HTML image with its :func:`alt_text`, the way a notebook shows a figure
    after :func:`coursekit.setup` (which registers this for matplotlib figures in place of the
    plain PNG, which has no alternative text)."""
    if not isinstance(fig, Figure):
        raise TypeError(f"fig must be a matplotlib Figure, got {type(fig).__name__}")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight", metadata={"Software": None})
    return png_html(buffer.getvalue(), alt_text(fig))
