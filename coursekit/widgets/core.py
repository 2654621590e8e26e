"""The machinery every lecture widget shares: a live figure wired to its controls.

Every factory in :mod:`coursekit.widgets` returns a :class:`SliderApp`: the widget *and* its
update function. The pattern (one figure, reused; sliders that fire on release; the figure
rendered to a PNG image widget) keeps the figures testable without a browser: a test sets a
slider's ``.value`` and reads the artists' data or the image bytes.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import ipywidgets as widgets
import traitlets
from matplotlib.figure import Figure

from .. import validate
from ..plot import Blitter, alt_text, figure_png, png_html

#: The look every live figure shares: slider readouts wide enough for their longest value, in
#: digits of one width (a readout that changes width would make the slider jump), and a status
#: line that never wraps (its whole text is in the tooltip), so the figure below stays put.
WIDGET_CSS = (
    "<style>"
    ".coursekit-live .widget-readout{min-width:4.5em;text-align:right;"
    "font-variant-numeric:tabular-nums}"
    ".coursekit-live .coursekit-status{white-space:nowrap;overflow:hidden;"
    "text-overflow:ellipsis}"
    "</style>"
)

#: The line above a widget's picture before its cell has run.
PREVIEW_HINT = (
    "▶ A picture of a live figure: run the cells above, then this one, to use its controls."
)


class LiveFigure(widgets.VBox):
    """The box of a :class:`SliderApp`: controls, status line and figure.

    Displayed, it offers the front end a picture of its figure besides the live widget: an
    HTML image with alternative text under a one-line hint. JupyterLab shows that picture in a
    notebook that has not run yet (a notebook opened for the first time is not trusted, and the
    widget needs a kernel), and exported HTML and slides show it too; once the cell has run,
    the live widget replaces it.
    """

    #: What to show before the kernel runs: a function returning (PNG bytes, alt text, caption).
    preview: Callable[[], tuple[bytes, str, str]] | None = None

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        data = super()._repr_mimebundle_(**kwargs)
        if self.preview is not None:
            png, alt, caption = self.preview()
            if png:
                data["text/html"] = png_html(png, alt, caption=caption)
                data["text/plain"] = caption
        return data


class MultiToggle(widgets.VBox):
    """A choice of several options as a row of toggle buttons: one click adds or removes one
    option (a multiple-selection list needs Ctrl- or Cmd-click, which nobody guesses).

    ``value`` is the tuple of chosen options, in the order of ``options``, like
    ``ipywidgets.SelectMultiple``; set it and the buttons follow.
    """

    value = traitlets.Tuple()

    def __init__(self, options: Iterable[str], value: Iterable[str], description: str) -> None:
        self.options = tuple(options)
        chosen = tuple(value)
        for item in chosen:
            slider_option("value", item, self.options)
        self.buttons = {
            option: widgets.ToggleButton(
                value=option in chosen,
                description=option,
                tooltip=f"draw {option} (click again to hide it)",
                layout=widgets.Layout(width="auto"),
            )
            for option in self.options
        }
        self.description = description
        label = widgets.Label(description, layout=widgets.Layout(width="auto"))
        row = widgets.HBox(list(self.buttons.values()), layout=widgets.Layout(flex_flow="row wrap"))
        super().__init__([label, row])
        self._syncing = False
        self.value = tuple(option for option in self.options if option in chosen)
        for button in self.buttons.values():
            button.observe(self._from_buttons, names="value")
        self.observe(self._to_buttons, names="value")
        self._mark()

    def _from_buttons(self, _change: Any = None) -> None:
        if not self._syncing:
            self.value = tuple(o for o, button in self.buttons.items() if button.value)
            self._mark()

    def _to_buttons(self, change: Any) -> None:
        self._syncing = True
        try:
            for option, button in self.buttons.items():
                button.value = option in change["new"]
        finally:
            self._syncing = False
        self._mark()

    def _mark(self) -> None:
        """A chosen option's button is coloured and ticked (grey on grey reads badly on a
        projector)."""
        for button in self.buttons.values():
            button.button_style = "info" if button.value else ""
            button.icon = "check" if button.value else ""


#: The two kinds of live figure, with their latency budgets in seconds (measured by
#: benchmarks/run.py: a toy figure answers a change within 50 ms, a retraining one within 2 s).
WIDGET_KINDS = ("toy", "retrain")
LATENCY_BUDGET = {"toy": 0.05, "retrain": 2.0}
#: Every live figure's resolution: at most 9.2 inches wide, a figure is at most 828 pixels wide
#: and shows at its natural size (sharp) in JupyterLab's 848-pixel column with the file browser
#: open. Its text follows the plot style of :func:`coursekit.setup` (laptop or lecture).
WIDGET_DPI = 90


def slider_range(
    name: str, value: Any, low: float, high: float, *, integer: bool = False
) -> float | int:
    """``value`` if a slider from ``low`` to ``high`` can show it; otherwise an error naming the
    range (ipywidgets would silently clamp the value to the nearest end)."""
    if integer:
        return validate.integer(name, value, low=int(low), high=int(high))
    return validate.real(name, value, low=low, high=high)


def learning_rate_slider(value: float) -> widgets.FloatLogSlider:
    """The learning-rate slider of the retraining widgets: 0.001 to 10 in quarter decades."""
    return widgets.FloatLogSlider(
        value=value,
        base=10,
        min=-3,
        max=1,
        step=0.25,
        description="learning rate α",
        readout_format=".3g",
    )


def slider_option(name: str, value: Any, options: Iterable[Any]) -> Any:
    """``value`` if it is one of a selection slider's or dropdown's ``options``."""
    options = list(options)
    if value is None or isinstance(value, (bool, bytes)):
        raise TypeError(f"{name} must be one of {options}, got {value!r}")
    if value not in options:
        raise ValueError(f"{name} must be one of {options}, got {value!r}")
    return value


@dataclass
class SliderApp:
    """A live figure: ``widget`` to display, ``update()`` to redraw from the controls' values.

    ``artists`` names the lines and texts that ``update`` changes, so tests can read what was
    drawn; ``results`` holds what the last update computed (final values, step counts, a
    training history), so notebooks and tests assert on numbers, not on figure artists.
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
    results: dict[str, Any] = field(default_factory=dict)
    kind: str = "toy"
    paused: bool = False

    def set(self, **values: Any) -> None:
        """Set several controls at once and redraw once (for tests and scripted demos)."""
        for name in values:
            if name not in self.controls:
                raise KeyError(f"unknown control {name!r}; the controls are {list(self.controls)}")
        for name, value in values.items():  # ipywidgets would clamp silently
            control = self.controls[name]
            if hasattr(control, "options"):
                labels = [o[1] if isinstance(o, tuple) else o for o in control.options]
                if isinstance(control, (widgets.SelectMultiple, MultiToggle)):
                    if isinstance(value, str) or not isinstance(value, (tuple, list)):
                        raise TypeError(f"{name} must be a tuple of options, got {value!r}")
                    for item in value:
                        slider_option(name, item, labels)
                else:
                    slider_option(name, value, labels)
            elif hasattr(control, "min") and hasattr(control, "max"):
                low, high = control.min, control.max
                if isinstance(control, widgets.FloatLogSlider):
                    low, high = control.base**low, control.base**high
                integer = isinstance(control, (widgets.IntSlider, widgets.IntRangeSlider))
                slider_range(name, value, low, high, integer=integer)
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
    results: dict[str, Any] | None = None,
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
    status = widgets.HTML(layout=widgets.Layout(min_height="1.5em", flex="1 1 0%", min_width="0"))
    status.add_class("coursekit-status")
    progress = widgets.IntProgress(  # shown by a retraining draw while it trains
        value=0,
        min=0,
        max=progress_max,
        description="training…",
        layout=widgets.Layout(width="22em", display="none"),  # no gap before the status
    )
    app = SliderApp(
        widget=LiveFigure(),
        update=lambda: None,
        controls=controls,
        figure=figure,
        image=image,
        status=status,
        progress=progress,
        artists=artists if artists is not None else {},
        results=results if results is not None else {},
        kind=kind,
    )

    def update(_change: Any = None) -> None:
        if app.paused:
            return
        values = {name: control.value for name, control in controls.items()}
        status.value = draw(progress=progress, **values)
        status.tooltip = html.unescape(re.sub(r"<[^>]+>", "", status.value))  # the whole line
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
        widgets.HTML(WIDGET_CSS, layout=widgets.Layout(display="none")),
    ]
    app.widget.add_class("coursekit-live")
    app.widget.add_class(f"coursekit-{kind}")
    update()
    app.widget.preview = lambda: (bytes(image.value), alt_text(figure), PREVIEW_HINT)
    return app


def style_controls(controls: dict[str, widgets.ValueWidget], width: str | None = None) -> None:
    """Give every control's description one width, that of the longest, so that sliders of one
    width have tracks of one length; optionally give every control one width."""
    described = [c for c in controls.values() if not isinstance(c, MultiToggle)]
    longest = max((len(getattr(c, "description", "")) for c in described), default=0)
    for control in described:  # a MultiToggle's label sits above its buttons
        control.style.description_width = f"{0.55 * longest + 0.5:.1f}em"
        if width is not None:
            control.layout.width = width


def freeze(figure: Figure, dynamic: Iterable[Any]) -> Blitter:
    """Lay ``figure`` out once, then keep that layout, and blit only the ``dynamic`` artists.

    A constrained layout recomputed on every slider move costs more than the whole redraw of
    a toy widget, and the axes of these figures never move, so the layout is frozen after the
    first pass and the static background is drawn once (see :class:`coursekit.plot.Blitter`).
    """
    figure.get_layout_engine().execute(figure)
    figure.set_layout_engine("none")
    return Blitter(figure, list(dynamic))
