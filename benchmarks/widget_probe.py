"""Time every live coursekit widget's response to slider changes, in Python, without a browser.

This file is also sent as code into a notebook's kernel by ``benchmarks/run.py``, after the
notebook has run, so it measures exactly the widgets a student sees. It must therefore import
nothing from ``benchmarks``.
"""

from __future__ import annotations

import gc
import time
from typing import Any

import numpy as np


def candidate_values(control: Any, count: int) -> list[tuple[str, Any]]:
    """Up to ``count`` settings spread over a control's range, as ``(attribute, value)`` pairs.

    Selection widgets are moved by ``index`` (a multiple selection through growing subsets of
    its current choice, then all options); log sliders evenly in the exponent; other numeric
    sliders evenly between ``min`` and ``max`` on their step grid; check boxes are toggled.
    """
    if count < 1:
        raise ValueError(f"count must be >= 1, got {count}")
    if isinstance(getattr(control, "index", None), tuple):  # a multiple selection
        n = len(control.options)
        chosen = tuple(control.index)
        subsets = [chosen[:k] for k in range(1, len(chosen))] + [tuple(range(n))]
        return [("index", subset) for subset in subsets[-count:]]
    if hasattr(control, "index") and hasattr(control, "options"):
        n = len(control.options)
        indices = sorted({round(i) for i in np.linspace(0, n - 1, min(count, n))})
        return [("index", i) for i in indices]
    if isinstance(getattr(control, "value", None), bool):
        return [("value", not control.value), ("value", control.value)]
    if hasattr(control, "base") and hasattr(control, "min"):
        exponents = np.linspace(control.min, control.max, count)
        return [("value", float(control.base**e)) for e in exponents]
    if hasattr(control, "min") and hasattr(control, "max"):
        values = np.linspace(control.min, control.max, count)
        step = getattr(control, "step", None)
        if step:
            values = control.min + np.round((values - control.min) / step) * step
        if isinstance(control.value, int):
            return [("value", int(v)) for v in values]
        return [("value", float(v)) for v in values]
    return []


def widget_latencies(apps: list[Any] | None = None, values_per_control: int = 5) -> list[dict]:
    """For each slider app, the seconds each control change took until the figure was redrawn.

    Setting a control's value runs the app's update synchronously (observers), so the time of
    the assignment is the time until the new PNG is in the image widget. Every control is put
    back to its original value afterwards (also timed). ``apps`` defaults to every
    ``coursekit.widgets.SliderApp`` alive in this process.
    """
    from coursekit.widgets import SliderApp

    if apps is None:
        apps = [obj for obj in gc.get_objects() if isinstance(obj, SliderApp)]
    results = []
    for number, app in enumerate(apps):
        times = []
        for name, control in app.controls.items():
            selection = hasattr(control, "index") and hasattr(control, "options")
            back = "index" if selection else "value"
            moves = [*candidate_values(control, values_per_control), (back, getattr(control, back))]
            for attribute, value in moves:
                if getattr(control, attribute) == value:
                    continue
                start = time.perf_counter()
                setattr(control, attribute, value)
                times.append(time.perf_counter() - start)
            if not times:
                raise RuntimeError(f"control {name!r} of widget {number} could not be moved")
        results.append(
            {
                "widget": number,
                "kind": app.kind,
                "controls": list(app.controls),
                "changes": len(times),
                "p50": float(np.percentile(times, 50)),
                "p95": float(np.percentile(times, 95)),
            }
        )
    return results
