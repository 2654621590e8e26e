"""Notebook set-up and the helper that shows a coursekit function next to its formula."""

from __future__ import annotations

import inspect
import numbers
import os
import random
import textwrap
from collections.abc import Callable
from typing import Any

import matplotlib as mpl
import numpy as np
import torch

from . import validate

#: The laptop plot style: every figure of the course in a notebook on a laptop screen.
PLOT_STYLE: dict[str, Any] = {
    "figure.figsize": (7.0, 3.6),
    "figure.dpi": 90,
    "savefig.dpi": 90,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "xtick.labelsize": 9.5,
    "ytick.labelsize": 9.5,
    "legend.fontsize": 9.5,
    "legend.frameon": False,
    "lines.linewidth": 1.6,
    "lines.markersize": 6,
    "image.cmap": "viridis",
    # Identical text in every saved figure: no font hinting differences between runs.
    "svg.hashsalt": "coursekit",
}

#: The lecture plot style: read from the back of a room on a 1280x720 projector. Larger text
#: (13-14 pt ticks, labels and titles, legends >= 11 pt), thicker lines and a constrained layout
#: that makes room for the larger labels; the figures keep their size in pixels.
LECTURE_STYLE: dict[str, Any] = {
    **PLOT_STYLE,
    "font.size": 13,
    "axes.titlesize": 14,
    "axes.labelsize": 14,
    "xtick.labelsize": 13,
    "ytick.labelsize": 13,
    "legend.fontsize": 12,
    "lines.linewidth": 2.6,
    "lines.markersize": 8,
    "axes.linewidth": 1.2,
    "grid.alpha": 0.4,
    "figure.constrained_layout.use": True,
}

#: The plot styles :func:`setup` knows, by name.
PLOT_STYLES: dict[str, dict[str, Any]] = {"laptop": PLOT_STYLE, "lecture": LECTURE_STYLE}

#: The environment variable that chooses the plot style of :func:`setup` when the notebook does
#: not name one: ``COURSEKIT_STYLE=lecture make lab`` presents every notebook in lecture style.
STYLE_ENV = "COURSEKIT_STYLE"


#: The environment variable that overrides the seed of :func:`setup` (an integer >= 0).
SEED_ENV = "COURSEKIT_SEED"

_active_seed: int = 0


#: The largest seed of :func:`setup`: every derived seed ``1000 * seed + k`` is a valid seed.
MAX_ACTIVE_SEED = (validate.MAX_SEED - 999) // 1000


def setup(seed: int = 0, *, style: bool | str = True) -> np.random.Generator:
    """Make a notebook deterministic and give it the course's plot style.

    Seeds Python's ``random``, NumPy's legacy global generator and torch with ``seed``, runs
    torch on one thread with deterministic algorithms, prints floats with 4 significant digits
    and applies a plot style. Call it once, in the first code cell.

    In a notebook it also shows every matplotlib figure as an image with alternative text
    (:func:`coursekit.plot.figure_html`: derived from the titles and labels, or what
    :func:`coursekit.plot.describe` set).

    The environment variable ``COURSEKIT_SEED`` (:data:`SEED_ENV`), when set, replaces ``seed``.
    Notebooks derive every other seed from :func:`seed` (``seed()``, ``seed(1)``, ...), so one
    variable reruns a whole notebook on other random draws: the robustness checks run every
    notebook with seeds 0-4, because a claim that holds for one seed only may also hold on one
    CPU only (floating-point results differ between machines, and chaotic runs amplify them).

    Args:
        seed: the seed for every random number generator (an integer >= 0).
        style: ``"laptop"`` (:data:`PLOT_STYLE`: a notebook on a laptop screen), ``"lecture"``
            (:data:`LECTURE_STYLE`: 13-14 pt text and thick lines for a projector), ``True`` for
            the style the environment variable ``COURSEKIT_STYLE`` (:data:`STYLE_ENV`) names,
            laptop if it is unset, or ``False`` to leave matplotlib's settings alone.

    Returns:
        A fresh ``numpy.random.Generator`` seeded with the active seed, for the notebook's own
        draws.

    Raises:
        ValueError: if ``seed`` or ``COURSEKIT_SEED`` is not an integer >= 0, or ``style`` or
            ``COURSEKIT_STYLE`` names no style.
    """
    global _active_seed
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed must be an integer >= 0, got {seed!r}")
    seed = int(seed)
    style = _style_name(style)
    override = os.environ.get(SEED_ENV, "").strip()
    if override:
        if not override.isdigit():
            raise ValueError(f"{SEED_ENV} must be an integer >= 0, got {override!r}")
        seed = int(override)
    if seed > MAX_ACTIVE_SEED:
        raise ValueError(
            f"seed must be <= {MAX_ACTIVE_SEED}, so that the derived seeds 1000 * seed + k "
            f"stay within 2**32 - 1, got {seed}"
        )
    _active_seed = seed
    os.environ["PYTHONHASHSEED"] = str(seed)
    random.seed(seed)
    np.random.seed(seed)  # noqa: NPY002 - libraries that still use the legacy global state
    torch.manual_seed(seed)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    np.set_printoptions(precision=4, suppress=True)
    if style is not None:
        mpl.rcParams.update(PLOT_STYLES[style])
    _show_figures_with_alt_text()
    return np.random.default_rng(seed)


def _style_name(style: bool | str) -> str | None:
    """The plot style's name for ``setup(style=...)``, or None for no style."""
    if isinstance(style, str):
        return validate.one_of("style", style, list(PLOT_STYLES))
    if not isinstance(style, (bool, np.bool_)):
        raise TypeError(f"style must be one of {list(PLOT_STYLES)}, True or False, got {style!r}")
    if not style:
        return None
    chosen = os.environ.get(STYLE_ENV, "").strip() or "laptop"
    if chosen not in PLOT_STYLES:
        raise ValueError(f"{STYLE_ENV} must be one of {list(PLOT_STYLES)}, got {chosen!r}")
    return chosen


def _show_figures_with_alt_text() -> None:
    """In an IPython kernel: show figures as HTML images with alternative text, not bare PNGs.

    The inline backend registers its PNG formatter when it is activated, so it is activated
    first; then the figure's PNG formatter is replaced by :func:`coursekit.plot.figure_html`.
    """
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with Jupyter
        return
    shell = get_ipython()
    if shell is None or not hasattr(shell, "kernel"):
        return  # a script or a plain terminal: nothing is displayed
    from matplotlib.figure import Figure

    from .plot import figure_html

    shell.enable_matplotlib("inline")
    formatters = shell.display_formatter.formatters
    formatters["image/png"].pop(Figure, None)
    formatters["text/html"].for_type(Figure, figure_html)


def seed(offset: int = 0) -> int:
    """A seed derived from the active seed of :func:`setup`: ``1000 * active + offset``.

    A notebook writes ``ck.models.mlp(..., seed=ck.seed())`` and ``seed=ck.seed(1)`` where it
    needs two different draws. With the active seed 0 these are the plain seeds 0 and 1; with
    ``COURSEKIT_SEED=2`` they are 2000 and 2001, so the draws of two active seeds never overlap.

    Args:
        offset: an integer in [0, 1000).
    """
    if not isinstance(offset, (int, np.integer)) or isinstance(offset, bool):
        raise TypeError(f"offset must be an integer in [0, 1000), got {offset!r}")
    if not 0 <= offset < 1000:
        raise ValueError(f"offset must be in [0, 1000), got {offset}")
    return 1000 * _active_seed + int(offset)


def below(value: float, bound: float) -> str:
    """Print a residual as the bound it is under: ``"below 1e-12"``, or the value if it is not.

    A residual such as ``|ours - torch|`` or ``|cov - I|`` is round-off noise: its digits change
    from one CPU to another (1.6e-13 on one machine, 1.4e-13 on the next), so a notebook that
    prints them cannot keep a stored output that holds everywhere. What is true everywhere is the
    bound, and the notebook asserts ``value < bound`` next to the print.

    >>> below(1.4e-13, 1e-12), below(3e-3, 1e-12)
    ('below 1e-12', '0.003 (not below 1e-12)')
    """
    bound = validate.real("bound", bound, low=0, low_open=True)
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        validate.real("value", value)  # None or a string: a TypeError naming the argument
    shown = f"{bound:.2g}"  # 1e-12 stays 1e-12; 1.4e-12 is not rounded down to a false 1e-12
    text = f"below {shown}" if abs(value) < bound else f"{value:.3g} (not below {shown})"
    return text.replace("e-0", "e-").replace("e+0", "e+")  # 1e-12, 1e-6: no padded exponent


class Source:
    """A function's source code that renders as a highlighted code block in a notebook.

    Its plain-text form is the source itself, so a notebook that shows it stays deterministic.
    """

    def __init__(self, name: str, code: str) -> None:
        self.name = name
        self.code = code

    def _repr_markdown_(self) -> str:
        return f"```python\n{self.code}```"

    def __repr__(self) -> str:
        return self.code

    def __str__(self) -> str:
        return self.code


def yours(fn: Callable[..., Any], *args: Any) -> Any:
    """``fn(*args)`` for a student's exercise function, or None, with one printed line, while
    it still raises ``NotImplementedError``: a measurement cell after a prediction exercise then
    shows its measurement and a note instead of a traceback.

    >>> mine = yours(escape_saving, 0.1, 1.0, 4.0)  # None until escape_saving is written
    """
    validate.function("fn", fn)
    try:
        return fn(*args)
    except NotImplementedError:
        name = getattr(fn, "__name__", "your function")
        print(f"(write `{name}` in the exercise above to compare your prediction with this)")
        return None


def show_source(obj: Callable[..., Any] | type, *, docstring: bool = True) -> Source:
    """Return the source of a coursekit function or class, ready to display in a notebook.

    Use it right below the formula it implements, so the slide, the maths and the code are read
    together and the notebook never holds a copy that could drift from the package.

    Args:
        obj: a function, method or class.
        docstring: keep the docstring (``False`` shows only the signature and the body).
    """
    if not callable(obj):
        raise TypeError(f"obj must be a function or a class, got {type(obj).__name__}")
    docstring = validate.flag("docstring", docstring)
    try:
        code = textwrap.dedent(inspect.getsource(obj))
    except (OSError, TypeError) as exc:
        raise TypeError(f"the source of {obj!r} is not available: {exc}") from exc
    if not docstring and obj.__doc__:
        lines = code.splitlines(keepends=True)
        doc_quote = '"""'
        start = next(i for i, line in enumerate(lines) if doc_quote in line)
        end = start
        if lines[start].count(doc_quote) < 2:
            end = next(i for i in range(start + 1, len(lines)) if doc_quote in lines[i])
        code = "".join(lines[:start] + lines[end + 1 :])
    return Source(getattr(obj, "__qualname__", repr(obj)), code)
