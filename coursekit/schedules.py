"""Learning-rate schedules (5.3): pure functions of the 0-based step count ``t``.

Each factory checks its arguments and returns ``lr(t)``, a plain function, so a schedule can be
plotted (``[lr(t) for t in range(T)]``), composed (``linear_warmup(cosine(...), 100)``) and
passed as ``lr=`` to any :mod:`coursekit.optim` optimizer, which calls it with the number of
steps taken so far. The slides write the initial rate as alpha_0 and the decay rate as beta.
"""

from __future__ import annotations

import itertools
import math
import numbers
from collections.abc import Callable, Sequence

from . import validate

Schedule = Callable[[int], float]


def _check_step(t: int) -> None:
    if isinstance(t, bool) or not isinstance(t, numbers.Integral) or t < 0:
        validate.integer("t (the step)", t, low=0)


def _check_rate(name: str, value: float) -> float:
    return validate.real(name, value, low=0)


def rate_at(schedule: float | Schedule, t: int, name: str = "lr") -> float:
    """``schedule(t)`` (or the number ``schedule`` itself), checked: a learning rate used in
    training must be a finite number >= 0; otherwise a ValueError names ``name``, the step and
    the value (a negative rate climbs the loss, NaN fills the weights with NaN)."""
    if callable(schedule):
        try:
            value = schedule(t)
        except TypeError as error:  # e.g. lr=cosine (the factory, not called) or lambda: 0.1
            raise TypeError(
                f"{name} must be a number or a schedule lr(t) of the step t (such as "
                f"cosine(0.1, 1000), called); calling it with t = {t} failed: {error}"
            ) from error
    else:
        value = schedule
    try:
        fine = 0 <= value < math.inf  # the fast path: one comparison per step
    except TypeError:
        fine = False
    if not fine or isinstance(value, bool):
        what = (
            f"{name} (the value its schedule returned at step {t})" if callable(schedule) else name
        )
        return validate.real(what, value, low=0)
    return float(value)


def constant(lr0: float) -> Schedule:
    """alpha_t = alpha_0."""
    lr0 = _check_rate("lr0", lr0)

    def lr(t: int) -> float:
        _check_step(t)
        return float(lr0)

    return lr


def as_schedule(lr: float | Schedule, name: str = "lr") -> Schedule:
    """A schedule for ``lr``: itself if it is callable, else :func:`constant` (a number >= 0;
    anything else gets an error naming ``name``)."""
    if callable(lr):
        return lr
    validate.real(name, lr, low=0)
    return constant(lr)


def piecewise_constant(lr0: float, boundaries: Sequence[int], factors: Sequence[float]) -> Schedule:
    """Piecewise constant decay (分段常数衰减): alpha_t = alpha_0 * beta_i once t >= T_i.

    ``factors[i]`` (the slide's beta_i) multiplies ``lr0`` from step ``boundaries[i]`` on, so
    ``factors=(0.1, 0.01)`` divides the rate by 10 and then by 100. Equals
    ``torch.optim.lr_scheduler.MultiStepLR`` when ``factors`` are powers of its ``gamma``.
    """
    lr0 = _check_rate("lr0", lr0)
    for name, values in (("boundaries", boundaries), ("factors", factors)):
        if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
            raise TypeError(f"{name} must be a sequence, got {values!r}")
    boundaries = [validate.integer(f"boundaries[{i}]", b, low=1) for i, b in enumerate(boundaries)]
    factors = [_check_rate(f"factors[{i}]", f) for i, f in enumerate(factors)]
    if len(boundaries) != len(factors):
        raise ValueError(
            f"boundaries and factors must have the same length, got {len(boundaries)} and "
            f"{len(factors)}"
        )
    if any(a >= b for a, b in itertools.pairwise(boundaries)):
        raise ValueError(f"boundaries must be increasing integers >= 1, got {list(boundaries)}")

    def lr(t: int) -> float:
        _check_step(t)
        factor = 1.0
        for boundary, beta in zip(boundaries, factors, strict=True):
            if t >= boundary:
                factor = beta
        return lr0 * factor

    return lr


def inverse_time(lr0: float, beta: float) -> Schedule:
    """Inverse time decay (逆时衰减): alpha_t = alpha_0 / (1 + beta * t)."""
    lr0 = _check_rate("lr0", lr0)
    beta = _check_rate("beta", beta)

    def lr(t: int) -> float:
        _check_step(t)
        return lr0 / (1 + beta * t)

    return lr


def exponential(lr0: float, beta: float) -> Schedule:
    """Exponential decay (指数衰减): alpha_t = alpha_0 * beta ** t, with 0 < beta <= 1.

    Equals ``torch.optim.lr_scheduler.ExponentialLR(gamma=beta)``.
    """
    lr0 = _check_rate("lr0", lr0)
    beta = validate.real("beta", beta, low=0, high=1, low_open=True)

    def lr(t: int) -> float:
        _check_step(t)
        return lr0 * beta**t

    return lr


def natural_exponential(lr0: float, beta: float) -> Schedule:
    """Natural exponential decay (自然指数衰减): alpha_t = alpha_0 * exp(-beta * t), beta >= 0."""
    lr0 = _check_rate("lr0", lr0)
    beta = _check_rate("beta", beta)

    def lr(t: int) -> float:
        _check_step(t)
        return lr0 * math.exp(-beta * t)

    return lr


def cosine(lr0: float, total_steps: int, lr_min: float = 0.0) -> Schedule:
    """Cosine decay (余弦衰减): alpha_t = a_min + (alpha_0 - a_min) (1 + cos(pi t / T)) / 2.

    ``total_steps`` is T; after it the rate stays at ``lr_min``. With ``lr_min = 0`` this is
    the slide's alpha_0 (1 + cos(pi t / T)) / 2 (Loshchilov & Hutter, "SGDR", ICLR 2017); for
    t <= T it equals ``torch.optim.lr_scheduler.CosineAnnealingLR(T_max=T, eta_min=lr_min)``.
    """
    lr0 = _check_rate("lr0", lr0)
    lr_min = _check_rate("lr_min", lr_min)
    total_steps = validate.integer("total_steps", total_steps, low=1)
    if lr_min > lr0:
        raise ValueError(f"lr_min must be <= lr0, got lr_min={lr_min} > lr0={lr0}")

    def lr(t: int) -> float:
        _check_step(t)
        t = min(t, total_steps)
        return lr_min + (lr0 - lr_min) * (1 + math.cos(math.pi * t / total_steps)) / 2

    return lr


def linear_warmup(after: float | Schedule, warmup_steps: int) -> Schedule:
    """Gradual warmup (逐渐预热): alpha_t = alpha_0 (t + 1) / T' for t < T', then ``after``.

    ``after`` is the schedule that follows (or a constant rate); its clock starts when the
    warmup ends: alpha_t = after(t - T') for t >= T' (Goyal et al., "Accurate, large minibatch
    SGD", 2017). The slide counts steps from 1, so its t / T' is our (t + 1) / T'.
    """
    warmup_steps = validate.integer("warmup_steps", warmup_steps, low=1)
    following = as_schedule(after, "after")
    peak = rate_at(following, 0, "after")

    def lr(t: int) -> float:
        _check_step(t)
        if t < warmup_steps:
            return peak * (t + 1) / warmup_steps
        return following(t - warmup_steps)

    return lr


def triangular(
    lr_min: float, lr_max: float, step_size: int, *, cycle_decay: float = 1.0
) -> Schedule:
    """Triangular cyclic rate (三角循环学习率), rising from ``lr_min`` to ``lr_max`` and back.

    With half-period Delta T = ``step_size``: m = floor(1 + t / (2 Delta T)),
    b = |t / Delta T - 2m + 1|, alpha_t = a_min + (a_max^m - a_min) max(0, 1 - b), where the
    upper bound of cycle m is a_max^m = a_min + (a_max - a_min) * cycle_decay^(m - 1): the slides'
    per-cycle bounds (Smith, "Cyclical learning rates for training neural networks", WACV 2017).
    ``cycle_decay=1`` equals ``torch.optim.lr_scheduler.CyclicLR(mode="triangular",
    step_size_up=step_size)``, ``cycle_decay=0.5`` equals its ``mode="triangular2"``.
    """
    lr_min = _check_rate("lr_min", lr_min)
    lr_max = _check_rate("lr_max", lr_max)
    if lr_min > lr_max:
        raise ValueError(f"lr_min must be <= lr_max, got {lr_min} > {lr_max}")
    step_size = validate.integer("step_size", step_size, low=1)
    cycle_decay = validate.real("cycle_decay", cycle_decay, low=0, high=1, low_open=True)

    def lr(t: int) -> float:
        _check_step(t)
        cycle = math.floor(1 + t / (2 * step_size))
        b = abs(t / step_size - 2 * cycle + 1)
        amplitude = (lr_max - lr_min) * cycle_decay ** (cycle - 1)
        return lr_min + amplitude * max(0.0, 1 - b)

    return lr
