"""Checks for the exercises of 5.7: the soft-threshold step of ℓ1, inverted dropout forward and
backward, the rule of early stopping, and a prediction of weight decay measured on a network.

The references are :mod:`coursekit.regularization` (itself tested against scikit-learn's
``Lasso`` and torch's ``nn.Dropout``), torch's autograd, and a closed form.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from .. import regularization
from .core import (
    FLOAT32_TOLERANCE,
    CheckFailed,
    as_float,
    as_tuple,
    call,
    cases,
    compare,
    design_choice,
    exercise_check,
    low_precision,
    note,
    unchanged,
)


@exercise_check("soft_threshold")
def check_soft_threshold(
    soft_threshold: Callable[..., Any], *, seed: int | None = 0, tolerance: float = 1e-12
) -> None:
    """Check ``soft_threshold(x, threshold) -> array`` (elementwise, NumPy) against
    :func:`coursekit.regularization.soft_threshold`; entries that should be 0 must be exactly 0."""

    def draw(rng: np.random.Generator) -> tuple[int, float]:
        return int(rng.integers(1, 40)), float(rng.uniform(0, 2))

    fixed = [(7, 0.5), (12, 1.0), (5, 0.0)]
    for (n, threshold), case_seed in cases(seed, fixed, draw):
        rng = np.random.default_rng(case_seed)
        x = rng.normal(0, 1.5, n)
        x[rng.integers(n)] = threshold  # one entry exactly on the threshold
        expected = regularization.soft_threshold(x, threshold)
        where = f"soft_threshold on {n} values, threshold={threshold:.3g}"
        given = x.copy()
        got = as_tuple(call(soft_threshold, given, threshold, where=where), 1, "result", where)
        unchanged(where, [x], [given])
        suspects = {
            "max(|x| - threshold, 0) without the sign of x: multiply by sign(x)": (
                np.maximum(np.abs(x) - threshold, 0),
            ),
            "x - threshold * sign(x), which does not stop at 0: clip the magnitude at 0": (
                x - threshold * np.sign(x),
            ),
            "hard thresholding (x where |x| > threshold): shrink the survivors by the threshold": (
                np.where(np.abs(x) > threshold, x, 0.0),
            ),
        }
        compare(where, got, (expected,), ["result"], suspects, tolerance)
        if np.any((expected == 0) & (got[0] != 0)):
            raise CheckFailed(
                f"{where}: entries with |x| <= threshold must be exactly 0 (that is the point of "
                "ℓ1: exact zeros), yours are only close to 0"
            )


@exercise_check("dropout_forward_backward")
def check_dropout_forward_backward(
    dropout_forward_backward: Callable[..., Any],
    *,
    seed: int | None = 0,
    tolerance: float = 1e-12,
) -> None:
    """Check ``dropout_forward_backward(x, mask, p, dout) -> (out, dx)``: inverted dropout in
    training mode with a given 0/1 ``mask`` (1 keeps a unit), drop probability ``p``, and the
    gradient ``dx`` of a loss with upstream gradient ``dout``, against torch's autograd."""

    def draw(rng: np.random.Generator) -> tuple[int, int, float]:
        return int(rng.integers(1, 20)), int(rng.integers(1, 30)), float(rng.uniform(0.05, 0.9))

    fixed = [(4, 6, 0.5), (8, 3, 0.2), (2, 10, 0.75)]
    for (n, m, p), case_seed in cases(seed, fixed, draw):
        rng = np.random.default_rng(case_seed)
        x = rng.normal(size=(n, m))
        mask = (rng.uniform(size=(n, m)) >= p).astype(float)
        dout = rng.normal(size=(n, m))
        xt = torch.tensor(x, requires_grad=True)
        out_t = xt * torch.tensor(mask) / (1 - p)
        (dx_t,) = torch.autograd.grad(out_t, xt, torch.tensor(dout))
        expected = (out_t.detach().numpy(), dx_t.numpy())
        where = f"dropout_forward_backward on a ({n}, {m}) batch, p={p:.3g}"
        inputs = [x, mask, dout]
        given = [a.copy() for a in inputs]
        raw = call(dropout_forward_backward, given[0], given[1], p, given[2], where=where)
        unchanged(where, inputs, given)
        got = as_tuple(raw, 2, "out, dx", where)
        suspects = {
            "dropout without the 1 / (1 - p) scale (the slides' form); inverted dropout scales "
            "the survivors in training": (x * mask, dout * mask),
            "scaling by (1 - p) instead of dividing by it": (
                x * mask * (1 - p),
                dout * mask * (1 - p),
            ),
            "the right output but dx = dout: the gradient flows only through the kept units, "
            "with the same scale": (x * mask / (1 - p), dout),
            "the right output but dx = dout * mask: the backward pass needs the same 1 / (1 - p) "
            "scale as the forward pass": (x * mask / (1 - p), dout * mask),
            "the right output but dx = dout / (1 - p): a dropped unit passes no gradient back, "
            "so multiply by the mask too": (x * mask / (1 - p), dout / (1 - p)),
            "p taken as the keep probability; in torch p is the probability to drop": (
                x * mask / p,
                dout * mask / p,
            ),
        }
        compare(where, got, expected, ["out", "dx"], suspects, tolerance)


def _early_stopping_reference(losses: list[float], patience: int, min_delta: float) -> tuple:
    stopper = regularization.EarlyStopping(patience, min_delta)
    stop = None
    for i, value in enumerate(losses):
        if stopper.step(value):
            stop = i
            break
    return stop, stopper.best_epoch


@exercise_check("early_stopping")
def check_early_stopping(early_stopping: Callable[..., Any], *, seed: int | None = 0) -> None:
    """Check ``early_stopping(losses, patience, min_delta) -> (stop, best)``: going through the
    validation losses in order, ``stop`` is the index of the evaluation after which training stops
    (``patience`` evaluations in a row without a loss below the best so far minus ``min_delta``),
    or None if it never stops; ``best`` is the index of the best evaluation up to the stop."""

    def draw(rng: np.random.Generator) -> tuple[int, int, float]:
        return (
            int(rng.integers(3, 40)),
            int(rng.integers(1, 6)),
            float(rng.choice([0, 0, 0.0125])),
        )

    # min_delta 0.0125 is no difference of two losses rounded to 0.001: no floating-point ties
    fixed = [(12, 2, 0.0), (20, 3, 0.0125), (6, 10, 0.0), (15, 1, 0.0)]
    for (n, patience, min_delta), case_seed in cases(seed, fixed, draw):
        rng = np.random.default_rng(case_seed)
        # a validation curve: falls, then rises, with noise and a repeated value (a tie)
        t = np.arange(n)
        losses = (1.0 / (1 + 0.3 * t) + 0.02 * np.maximum(t - n / 2, 0)) + rng.normal(0, 0.02, n)
        losses = [round(float(v), 3) for v in losses]
        if n > 3:
            losses[3] = losses[2]  # equal is not an improvement
        stop, best = _early_stopping_reference(losses, patience, min_delta)
        where = f"early_stopping({n} losses, patience={patience}, min_delta={min_delta:g})"
        got = call(early_stopping, list(losses), patience, min_delta, where=where)
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            raise CheckFailed(f"{where}: return the pair (stop, best), got {type(got).__name__}")
        got_stop = None if got[0] is None else int(as_float(got[0], where, "stop"))
        got_best = int(as_float(got[1], where, "best"))
        if (got_stop, got_best) != (stop, best):
            hint = ""
            ties_win = [v - 1e-9 * i for i, v in enumerate(losses)]  # as if <= were used
            loose = _early_stopping_reference(ties_win, patience, min_delta)
            if (got_stop, got_best) == loose:
                hint = " A loss equal to the best is not an improvement: use <, not <=."
            elif got_stop == stop and min_delta > 0:
                hint = (
                    " best is the last evaluation that improved (by more than min_delta), not "
                    "the lowest loss seen: a loss below the best by less than min_delta does not "
                    "count."
                )
            elif stop is not None and got_stop in (stop - 1, stop + 1):
                hint = (
                    " Off by one: count the evaluations without improvement, and stop when that "
                    "count reaches patience."
                )
            raise CheckFailed(
                f"{where}: expected (stop, best) = ({stop}, {best}), got ({got_stop}, "
                f"{got_best}).{hint}"
            )


def _idle_factor(lr: float, weight_decay: float, momentum: float, steps: int) -> float:
    """w_k / w_0 for a weight whose loss gradient is 0 under torch's SGD: g = lambda w,
    v = momentum v + g (v_1 = g_1), w = w - lr v."""
    w, v = 1.0, 0.0
    for _ in range(steps):
        v = momentum * v + weight_decay * w
        w -= lr * v
    return w


@exercise_check("decay_factor")
def check_decay_factor(decay_factor: Callable[..., Any], *, seed: int | None = 0) -> None:
    """Check ``decay_factor(lr, weight_decay, momentum, steps) -> factor``: by how much torch's
    SGD with ``weight_decay`` and ``momentum`` shrinks a weight whose loss gradient is always 0,
    after ``steps`` updates (the recurrence v = momentum v + weight_decay w, w = w - lr v)."""

    def draw(rng: np.random.Generator) -> tuple[float, float, float, int]:
        return (
            float(rng.choice([0.01, 0.05, 0.1, 0.5])),
            float(rng.choice([1e-4, 1e-3, 1e-2, 0.1])),
            float(rng.choice([0.0, 0.5, 0.9, 0.99])),
            int(rng.integers(1, 3000)),
        )

    fixed = [
        (0.1, 0.01, 0.9, 100),
        (0.5, 0.001, 0.0, 1000),
        (0.05, 0.1, 0.5, 7),
        (0.1, 0.1, 0.9, 1),
    ]
    for (lr, weight_decay, momentum, steps), _ in cases(seed, fixed, draw):
        expected = _idle_factor(lr, weight_decay, momentum, steps)
        where = (
            f"decay_factor(lr={lr:g}, weight_decay={weight_decay:g}, momentum={momentum:g}, "
            f"steps={steps})"
        )
        raw = call(decay_factor, lr, weight_decay, momentum, steps, where=where)
        got = as_float(raw, where, "factor")
        if abs(got - expected) <= 1e-10 * max(1.0, abs(expected)):
            continue
        if low_precision(raw) and abs(got - expected) <= FLOAT32_TOLERANCE * max(1.0, expected):
            note("(Your result is float32; it was accepted within float32 precision.)")
            continue
        hint = ""
        plain = (1 - lr * weight_decay) ** steps
        base = 1 - lr * weight_decay / (1 - momentum)  # the long-run factor per step
        effective = base**steps if abs(base) <= 1 else math.nan  # (|base| > 1 would overflow)
        if momentum > 0 and math.isclose(got, plain, rel_tol=1e-9):
            hint = (
                " That is plain SGD's factor: with momentum the velocity keeps the decay of "
                "earlier steps and adds it to the next ones."
            )
        elif momentum > 0 and math.isclose(got, effective, rel_tol=1e-9):
            hint = (
                " (1 - lr lambda / (1 - momentum))^k is only the long-run rate: the velocity "
                "starts at 0 and needs steps to build up. Follow the recurrence step by step."
            )
        elif math.isclose(got, math.exp(-lr * weight_decay * steps), rel_tol=1e-9):
            hint = " exp(-lr * weight_decay * steps) is only the limit of small steps."
        elif any(
            math.isclose(got, _idle_factor(lr, weight_decay, momentum, k), rel_tol=1e-9)
            for k in (steps - 1, steps + 1)
        ):
            hint = " Off by one step: make exactly `steps` updates."
        raise CheckFailed(f"{where}: expected {expected:.12g}, got {got:.12g}.{hint}")


#: The design exercise: five problems to show, five others to grade (the same for every
#: student, so that one answer always gets one grade), and the gains required on each set.
DESIGN_PROBLEMS, GRADING_PROBLEMS = (0, 1, 2, 3, 4), (17, 31, 48, 62, 85)
DESIGN_GAIN, GRADING_GAIN = 0.08, 0.06


@exercise_check("regularization_design", hidden="grading")
def check_regularization_design(design: Callable[[], Any], *, seed: int | None = 0) -> None:
    """Grade a design by training with it. ``design()`` returns ``{"weight_decay": lambda,
    "dropout": p}`` with lambda in [0, 0.1] and p in [0, 0.95]. On each of five noisy-label
    problems (:func:`coursekit.regularization.noisy_digits` with seeds 0-4; with ``seed=None``,
    the five problems of :data:`GRADING_PROBLEMS`) the check trains
    :func:`coursekit.regularization.train_noisy_digits` for 150 epochs with these settings and
    without them, and requires the mean test accuracy to gain at least 8 points (6 points on the
    grading problems, whose difficulty differs)."""
    where = "regularization_design()"
    chosen = design_choice(
        design, where, "{'weight_decay': 0.001, 'dropout': 0.5}", ("weight_decay", "dropout")
    )
    weight_decay = as_float(chosen["weight_decay"], where, "weight_decay")
    dropout = as_float(chosen["dropout"], where, "dropout")
    if not 0 <= weight_decay <= 0.1 or not 0 <= dropout <= 0.95:
        raise CheckFailed(
            f"{where}: weight_decay must be in [0, 0.1] and dropout in [0, 0.95], got "
            f"{weight_decay:g} and {dropout:g}"
        )
    if seed is not None:
        problems, target = DESIGN_PROBLEMS, DESIGN_GAIN
    else:
        problems, target = GRADING_PROBLEMS, GRADING_GAIN
    plain = [regularization.noisy_digits_run(k) for k in problems]
    runs = [
        regularization.noisy_digits_run(k, weight_decay=weight_decay, dropout=dropout)
        for k in problems
    ]
    base = float(np.mean([r.test_acc for r in plain]))
    test = float(np.mean([r.test_acc for r in runs]))
    fitted = float(np.mean([r.train_acc for r in runs]))
    right = float(np.mean([1 - regularization.noisy_digits(seed=k).wrong / 150 for k in problems]))
    if test - base < target:
        if right - 0.05 <= fitted <= right + 0.05:
            hint = (
                f" The network fits {fitted:.0%} of its training labels, about as many as are "
                f"right ({right:.0%}), yet the gain falls short: try another mix of weight decay "
                "and dropout, and compare them on the validation accuracy."
            )
        elif fitted < right - 0.05:
            hint = (
                f" Too strong: the network fits only {fitted:.0%} of its training labels, fewer "
                f"than the {right:.0%} that are right; it underfits. Regularize less."
            )
        else:
            hint = (
                f" Too weak: the network still fits {fitted:.0%} of its training labels, many of "
                f"them wrong ({1 - right:.0%} are). A setting that is usual elsewhere (p = 0.5, "
                "lambda = 1e-3) is not enough for 256 hidden units and 150 images; try stronger "
                "settings on the problems yourself before you choose."
            )
        raise CheckFailed(
            f"{where}: with weight_decay={weight_decay:g} and dropout={dropout:g} the mean test "
            f"accuracy over the problems {list(problems)} is {test:.3f}, against "
            f"{base:.3f} without regularization: a gain of {100 * (test - base):.1f} points, "
            f"the target is {100 * target:.0f}.{hint}"
        )
    note(
        f"  test accuracy {test:.3f} against {base:.3f} without regularization "
        f"(+{100 * (test - base):.1f} points)"
    )
