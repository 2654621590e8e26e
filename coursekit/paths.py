"""Optimizer paths on 2-D surfaces (5.1, 5.3): run an update rule from a start point, take
Newton steps, and find the step at which a path first meets a condition.

The rules themselves live in :mod:`coursekit.optim`; these functions only drive them, on NumPy
points, so that a path can be drawn on a contour plot.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from . import validate
from .schedules import Schedule, as_schedule, rate_at

if TYPE_CHECKING:  # for annotations only: optim re-exports these functions
    from .optim import UpdateRule


def first_step(reached: Sequence[bool] | np.ndarray) -> int | None:
    """The first step t at which a condition holds along a path, or ``None`` if it never does.

    ``reached[t]`` says whether the condition holds at step t, for example
    ``first_step(f(path) < 1e-6)`` (steps to converge) or ``first_step(abs(path[:, 1]) > 0.5)``
    (steps to leave a saddle).
    """
    flags = np.asarray(reached)
    if flags.dtype != bool and flags.size:
        raise TypeError(
            f"reached must hold booleans (a condition such as f(path) < 1e-6), got dtype "
            f"{flags.dtype}"
        )
    if flags.ndim != 1:
        raise ValueError(f"reached must be 1-D (one flag per step), got shape {flags.shape}")
    hits = np.flatnonzero(flags)
    return int(hits[0]) if hits.size else None


def descend(
    rule: UpdateRule,
    grad: Callable[[np.ndarray], np.ndarray],
    start: Iterable[float],
    steps: int,
    lr: float | Schedule,
    *,
    clip: Callable[[np.ndarray], np.ndarray] | None = None,
    limit: float = 1e6,
) -> np.ndarray:
    """The path ``theta_0, ..., theta_steps`` of ``rule`` on a function with gradient ``grad``.

    ``lr`` is a rate or a schedule of the 0-based step. ``clip`` maps a gradient to a clipped
    one (see :mod:`coursekit.clipping`). A run that leaves ``|theta| < limit`` (or produces
    NaN) stops there: the path is cut after the first point outside, so its length tells where
    it diverged.
    """
    if not hasattr(rule, "init") or not hasattr(rule, "update"):
        raise TypeError(
            "rule must be an update rule such as coursekit.optim.adam() (called, with its "
            f"parentheses), got {type(rule).__name__} {getattr(rule, '__name__', '')}".rstrip()
        )
    steps = validate.integer("steps", steps, low=0)
    limit = validate.real("limit", limit, low=0, low_open=True)
    validate.function("grad", grad)
    theta = validate.array("start", start, ndim=1)
    path = [theta]
    state = rule.init(theta)
    schedule = as_schedule(lr)
    for t in range(steps):
        rate = rate_at(schedule, t)
        g = grad(theta)
        if clip is not None:
            g = clip(g)
        delta, state = rule.update(g, state, rate, t + 1)
        theta = theta + delta
        path.append(theta)
        if not np.abs(theta).max() < limit:  # also stops at NaN
            break
    return np.array(path)


def newton(
    gradient: Callable[[np.ndarray], np.ndarray],
    hessian: Callable[[np.ndarray], np.ndarray],
    start: Iterable[float],
    steps: int,
    lr: float = 1.0,
    *,
    limit: float = 1e6,
) -> np.ndarray:
    """Newton's method (牛顿法): theta_t = theta_{t-1} - alpha H^{-1} g, path included.

    The step solves H d = g, the minimum of the local quadratic model; on a quadratic with
    alpha = 1 it lands on the critical point in one step, whatever the conditioning, and on a
    saddle it is attracted to the saddle just as well. Solving costs O(d^3) for d parameters
    and storing H costs d^2 numbers, which rules it out for networks. A singular Hessian stops
    the run (the path ends there).
    """
    steps = validate.integer("steps", steps, low=0)
    lr = validate.real("lr", lr, low=0, low_open=True)
    limit = validate.real("limit", limit, low=0, low_open=True)
    theta = validate.array("start", start, ndim=1)
    path = [theta]
    validate.function("gradient", gradient)
    validate.function("hessian", hessian)
    d = len(theta)
    for _ in range(steps):
        H, g = np.asarray(hessian(theta), dtype=float), np.asarray(gradient(theta), dtype=float)
        if H.shape != (d, d) or g.shape != (d,):
            raise ValueError(
                f"hessian must return a ({d}, {d}) matrix and gradient a ({d},) vector at a "
                f"point of {d} coordinates, got {H.shape} and {g.shape} (swapped arguments?)"
            )
        try:
            direction = np.linalg.solve(H, g)
        except np.linalg.LinAlgError:  # a singular Hessian: no Newton step exists
            break
        theta = theta - lr * direction
        path.append(theta)
        if not np.all(np.abs(theta) < limit):
            break
    return np.array(path)
