"""Notebook set-up and the helper that shows a coursekit function next to its formula."""

from __future__ import annotations

import inspect
import os
import random
import textwrap
from collections.abc import Callable
from typing import Any

import matplotlib as mpl
import numpy as np
import torch

#: The plot style of every figure in the course (readable on a projector and in a notebook).
PLOT_STYLE: dict[str, Any] = {
    "figure.figsize": (7.0, 3.6),
    "figure.dpi": 90,
    "savefig.dpi": 90,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "legend.fontsize": 9,
    "legend.frameon": False,
    "lines.linewidth": 1.6,
    "image.cmap": "viridis",
    # Identical text in every saved figure: no font hinting differences between runs.
    "svg.hashsalt": "coursekit",
}


def setup(seed: int = 0, *, style: bool = True) -> np.random.Generator:
    """Make a notebook deterministic and give it the course's plot style.

    Seeds Python's ``random``, NumPy's legacy global generator and torch with ``seed``, runs
    torch on one thread with deterministic algorithms, prints floats with 4 significant digits
    and applies :data:`PLOT_STYLE`. Call it once, in the first code cell.

    Args:
        seed: the seed for every random number generator (an integer >= 0).
        style: apply :data:`PLOT_STYLE` to matplotlib.

    Returns:
        A fresh ``numpy.random.Generator`` seeded with ``seed``, for the notebook's own draws.
    """
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed must be an integer >= 0, got {seed!r}")
    seed = int(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)
    random.seed(seed)
    np.random.seed(seed)  # noqa: NPY002 - libraries that still use the legacy global state
    torch.manual_seed(seed)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    np.set_printoptions(precision=4, suppress=True)
    if style:
        mpl.rcParams.update(PLOT_STYLE)
    return np.random.default_rng(seed)


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
