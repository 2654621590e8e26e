"""Checks for the predict-then-measure and design exercises of 5.1-5.5.

A *prediction* is a function that computes, from a closed form the student derives, what an
experiment in the notebook then measures; its reference is the closed form, and the notebook
asserts that the measurement agrees. A *design* is a choice of settings; its check runs the
experiment of :mod:`coursekit.designs` with them and grades the outcome against a target, on
fixed problems shown to the student (``seed=0``) and on other fixed problems for grading
(``seed=None``: the same for every student, so one answer always gets one grade).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import designs
from .core import (
    FLOAT32_TOLERANCE,
    CheckFailed,
    as_float,
    call,
    cases,
    design_choice,
    exercise_check,
    low_precision,
    note,
)


def _scalar(
    fn: Callable[..., Any],
    args: tuple,
    where: str,
    expected: float,
    suspects: dict[str, float],
    name: str = "the result",
    tolerance: float = 1e-9,
) -> None:
    """Compare a student's scalar with ``expected``; name the first suspect it matches."""
    raw = call(fn, *args, where=where)
    got = as_float(raw, where, name)
    scale = max(1.0, abs(expected))
    if abs(got - expected) <= tolerance * scale:
        return
    if low_precision(raw) and abs(got - expected) <= FLOAT32_TOLERANCE * scale:
        note("(Your result is float32; it was accepted within float32 precision.)")
        return
    hint = ""
    for text, candidate in suspects.items():
        if math.isfinite(candidate) and math.isclose(got, candidate, rel_tol=1e-9, abs_tol=1e-12):
            if not math.isclose(candidate, expected, rel_tol=1e-9):
                hint = " " + text
                break
    raise CheckFailed(f"{where}: expected {expected:.10g}, got {got:.10g}.{hint}")


def _in_range(where: str, name: str, value: float, low: float, high: float, low_open: bool) -> None:
    below = value <= low if low_open else value < low
    if below or value > high:
        bracket = "(" if low_open else "["
        raise CheckFailed(f"{where}: {name} must be in {bracket}{low:g}, {high:g}], got {value:g}")


# ---- 5.1 -----------------------------------------------------------------------------------


@exercise_check("escape_saving")
def check_escape_saving(escape_saving: Callable[..., Any], *, seed: int | None = 0) -> None:
    """Check ``escape_saving(lr, curvature, factor) -> steps``: how many fewer steps gradient
    descent needs to leave a saddle whose negative curvature is -``curvature`` when the size of
    the initial offset (or of the noise that makes it) is multiplied by ``factor`` (the
    reference is the closed form of the linearized dynamics)."""

    def draw(rng: np.random.Generator) -> tuple[float, float, float]:
        return (
            float(rng.choice([0.01, 0.05, 0.1, 0.2, 0.5])),
            float(rng.choice([0.5, 1.0, 2.0, 4.0])),
            float(rng.choice([2.0, 3.0, 10.0, 100.0, 1e4])),
        )

    fixed = [(0.1, 1.0, 4.0), (0.05, 2.0, 100.0), (0.5, 1.0, 2.0), (0.2, 0.5, 1e6)]
    for (lr, curvature, factor), _ in cases(seed, fixed, draw):
        x = lr * curvature
        expected = math.log(factor) / math.log1p(x)
        suspects = {
            "That uses log(1 + x) ~ x: each step multiplies the offset by exactly "
            "(1 + lr * curvature), so divide by the log of that.": math.log(factor) / x,
            "The saving is a number of steps, log(factor) / log(growth per step); you have "
            "the inverse.": math.log1p(x) / math.log(factor),
            "Base-10 logarithms on one side only: use the same logarithm for both (any base "
            "cancels).": math.log10(factor) / math.log1p(x),
            "Near the saddle the offset grows by (1 + lr * curvature) per step, not by "
            "(1 - lr * curvature).": math.log(factor) / -math.log1p(-x) if x < 1 else math.nan,
            "The offset grows geometrically, so multiplying it by a factor saves a fixed number "
            "of steps, not a fraction of them.": 1 - 1 / factor,
            "Rounded: return the saving as a float, not rounded to whole steps.": float(
                round(expected)
            ),
            "Rounded up: return the saving as a float, not rounded to whole steps.": float(
                math.ceil(expected)
            ),
            "Rounded down: return the saving as a float, not rounded to whole steps.": float(
                math.floor(expected)
            ),
        }
        where = f"escape_saving(lr={lr:g}, curvature={curvature:g}, factor={factor:g})"
        _scalar(escape_saving, (lr, curvature, factor), where, expected, suspects, "steps")


#: The saddle design: kick seeds shown to the student and kept for grading; the budget.
SADDLE_SEEDS, SADDLE_GRADING_SEEDS = tuple(range(100)), tuple(range(1000, 1100))
SADDLE_STEPS, SADDLE_TARGET = 40, 1e-4


@exercise_check("saddle_design", hidden="grading")
def check_saddle_design(design: Callable[[], Any], *, seed: int | None = 0) -> None:
    """Grade ``design() -> {"lr": alpha, "noise": sigma}`` (alpha in (0, 2], sigma in [0, 1]) by
    running :func:`coursekit.designs.saddle_escape_run` from the saddle of the double well for
    40 steps with 100 kick sequences (seeds 0-99; with ``seed=None`` seeds 1000-1099): every
    run must end with f below 10^-4 (f = 1/4 at the saddle, 0 at the minima)."""
    where = "saddle_design()"
    chosen = design_choice(design, where, "{'lr': 0.1, 'noise': 0.01}", ("lr", "noise"))
    lr = as_float(chosen["lr"], where, "lr")
    noise = as_float(chosen["noise"], where, "noise")
    _in_range(where, "lr", lr, 0, 2, True)
    _in_range(where, "noise", noise, 0, 1, False)
    kicks = SADDLE_SEEDS if seed is not None else SADDLE_GRADING_SEEDS
    runs = [designs.saddle_escape_run(lr, noise, seed=k, steps=SADDLE_STEPS) for k in kicks]
    diverged = [r for r in runs if r.diverged]
    if diverged:
        raise CheckFailed(
            f"{where}: with lr={lr:g} and noise={noise:g}, {len(diverged)} of {len(runs)} runs "
            f"diverged (the first at step {diverged[0].diverged_at}, learning rate {lr:g}). "
            "Near a minimum of curvature c a step larger than 2 / c overshoots and grows: "
            "the minima of the double well have curvature 2 in both directions."
        )
    losses = np.array([r.value for r in runs])
    if np.all(losses <= SADDLE_TARGET):
        note(f"  worst final f over {len(runs)} runs: {losses.max():.2e} (target 1e-4)")
        return
    stuck = int(np.sum(losses > 0.2))  # still near the saddle's f = 1/4
    arriving = int(np.sum(losses > 1e-2)) - stuck  # left, but still on the way down
    contraction = abs(1 - 2 * lr)  # near a minimum (curvature 2) each step multiplies by this
    if noise == 0:
        hint = (
            " Without noise the gradient at the saddle is exactly 0 and gradient descent "
            "never moves."
        )
    elif stuck or arriving:
        hint = (
            f" {stuck} runs are still near the saddle and {arriving} on their way down after "
            f"{SADDLE_STEPS} steps; the slowest run decides. The offset that the noise creates "
            "grows by (1 + lr) per step, so leaving takes about log(0.5 / offset) / log(1 + lr) "
            "steps, and arriving takes more."
        )
    elif contraction > 0.8:
        hint = (
            f" Near a minimum (curvature 2) each step multiplies the distance by |1 - 2 lr| = "
            f"{contraction:.2g}: the runs arrive, but settle slowly."
        )
    else:
        hint = (
            " Every run has arrived, but the noise keeps shaking the iterate around the "
            "minimum: how far depends on the noise and the rate together."
        )
    raise CheckFailed(
        f"{where}: with lr={lr:g} and noise={noise:g}, {int(np.sum(losses > SADDLE_TARGET))} "
        f"of {len(runs)} runs end above f = 1e-4 (worst {losses.max():.3g}).{hint}"
    )


# ---- 5.2 -----------------------------------------------------------------------------------


@exercise_check("stationary_variance")
def check_stationary_variance(
    stationary_variance: Callable[..., Any], *, seed: int | None = 0
) -> None:
    """Check ``stationary_variance(lr, curvature, grad_variance, batch_size)``: the variance
    around the minimum at which SGD with a constant rate settles on a 1-D quadratic of
    curvature c when one sample's gradient has variance s^2 and batches of K are drawn with
    replacement (the reference is the closed form of e_t = (1 - lr c) e_{t-1} + lr xi_t)."""

    def draw(rng: np.random.Generator) -> tuple[float, float, float, int]:
        curvature = float(rng.choice([0.5, 1.0, 2.0, 10.0]))
        return (
            float(rng.uniform(0.02, 1.9)) / curvature,
            curvature,
            float(rng.choice([0.3, 1.0, 4.0, 25.0])),
            int(rng.integers(1, 300)),
        )

    fixed = [(0.1, 2.0, 4.0, 4), (0.3, 2.0, 1.0, 16), (0.01, 10.0, 25.0, 1), (0.8, 0.5, 2.0, 3)]
    for (lr, c, s2, k), _ in cases(seed, fixed, draw):
        expected = lr * s2 / (k * c * (2 - lr * c))
        suspects = {
            "That is the small-rate approximation lr s^2 / (2 K c): keep the exact denominator "
            "1 - (1 - lr c)^2.": lr * s2 / (2 * k * c),
            "The batch divides the gradient's variance by K: divide by batch_size.": lr
            * s2
            / (c * (2 - lr * c)),
            "That is the variance that one step adds, (lr^2 s^2 / K); at equilibrium it "
            "balances what the contraction (1 - lr c)^2 removes.": lr**2 * s2 / k,
            "The noise enters each step multiplied by lr, so its variance by lr^2.": s2
            / (k * c * (2 - lr * c)),
            "The curvature is missing from the denominator: 1 - (1 - lr c)^2 = lr c (2 - lr c).": (
                lr * s2 / (k * (2 - lr * c))
            ),
            "Dividing by K^2: averaging K independent gradients divides the variance by K, "
            "not K^2.": lr * s2 / (k * k * c * (2 - lr * c)),
        }
        where = (
            f"stationary_variance(lr={lr:.4g}, curvature={c:g}, grad_variance={s2:g}, "
            f"batch_size={k})"
        )
        _scalar(stationary_variance, (lr, c, s2, k), where, expected, suspects, "the variance")


#: The batch design: the budget of updates, the largest batch (5 epochs of data), the target.
BATCH_UPDATES, BATCH_LARGEST, BATCH_TARGET = 160, 33, 0.18
BATCH_SEEDS, BATCH_GRADING_SEEDS = tuple(range(32)), tuple(range(1000, 1032))


@exercise_check("batch_design", hidden="grading")
def check_batch_design(design: Callable[[], Any], *, seed: int | None = 0) -> None:
    """Grade ``design() -> {"batch_size": K, "lr": alpha}`` (K an integer in [1, 33], alpha in
    (0, 100]) by training softmax regression on the digits for exactly 160 updates
    (:func:`coursekit.designs.softmax_budget_run`) with 32 batch orders (seeds 0-31; with
    ``seed=None`` 1000-1031): the mean final training loss must be below 0.18."""
    where = "batch_design()"
    chosen = design_choice(design, where, "{'batch_size': 32, 'lr': 0.1}", ("batch_size", "lr"))
    k_raw = chosen["batch_size"]
    if isinstance(k_raw, bool) or not isinstance(k_raw, (int, np.integer)):
        raise CheckFailed(f"{where}: batch_size must be an integer, got {type(k_raw).__name__}")
    k = int(k_raw)
    lr = as_float(chosen["lr"], where, "lr")
    if not 1 <= k <= BATCH_LARGEST:
        raise CheckFailed(
            f"{where}: batch_size must be in [1, {BATCH_LARGEST}] (160 updates of at most 33 "
            f"samples stay within 5 epochs of the 1,077 images), got {k}"
        )
    _in_range(where, "lr", lr, 0, 100, True)
    orders = BATCH_SEEDS if seed is not None else BATCH_GRADING_SEEDS
    runs = [designs.softmax_budget_run(k, lr, seed=s, updates=BATCH_UPDATES) for s in orders]
    diverged = [r for r in runs if r.diverged]
    if diverged:
        raise CheckFailed(
            f"{where}: with batch_size={k} and lr={lr:g} training diverged (theta became NaN "
            f"or inf at update {diverged[0].diverged_at}, learning rate {lr:g}): the rate is "
            "too large for this batch size."
        )
    loss = float(np.mean([r.value for r in runs]))
    if loss < BATCH_TARGET:
        note(f"  mean training loss after {BATCH_UPDATES} updates: {loss:.3f} (target 0.18)")
        return
    start = math.log(10)  # the loss of theta = 0
    losses = np.array([r.value for r in runs])
    if loss > start:
        hint = (
            f" The loss ended above its start ({start:.2f}): the rate is so large that the "
            "steps overshoot."
        )
    elif losses.max() > 2 * np.median(losses):
        hint = (
            f" Some batch orders end far higher than others (worst {losses.max():.2f}, median "
            f"{np.median(losses):.2f}): the rate is at the edge of what batches of {k} "
            "tolerate. Back off a little, or take larger batches."
        )
    elif k < 8:
        hint = (
            f" With {BATCH_UPDATES} updates, a batch of {k} gives noisy steps, and a noisy "
            "step cannot be a long one. What does a larger batch allow?"
        )
    else:
        hint = (
            " The batch is large enough to give a clean gradient; is the rate making use "
            "of it? (Section 5: the workable rate grows with the batch.)"
        )
    raise CheckFailed(
        f"{where}: with batch_size={k} and lr={lr:g} the mean training loss after "
        f"{BATCH_UPDATES} updates is {loss:.3f}; the target is below {BATCH_TARGET:g}.{hint}"
    )


# ---- 5.3 -----------------------------------------------------------------------------------


@exercise_check("divergence_thresholds")
def check_divergence_thresholds(
    divergence_thresholds: Callable[..., Any], *, seed: int | None = 0
) -> None:
    """Check ``divergence_thresholds(curvature, momentum) -> (heavy_ball, nesterov)``: the
    largest learning rates at which momentum and Nesterov's momentum (in the package's form,
    :func:`coursekit.optim.momentum`) still converge on f(x) = c x^2 / 2 (the reference is the
    closed form from the eigenvalues of the 2 x 2 recurrence)."""

    def draw(rng: np.random.Generator) -> tuple[float, float]:
        return float(rng.choice([0.5, 1.0, 4.0, 10.0, 100.0])), float(rng.uniform(0.0, 0.99))

    fixed = [(10.0, 0.9), (1.0, 0.5), (4.0, 0.0), (100.0, 0.99)]
    for (c, beta), _ in cases(seed, fixed, draw):
        heavy, nesterov = 2 * (1 + beta) / c, 2 * (1 + beta) / (c * (1 + 2 * beta))
        where = f"divergence_thresholds(curvature={c:g}, momentum={beta:.4g})"
        got = call(divergence_thresholds, c, beta, where=where)
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            raise CheckFailed(
                f"{where}: return the tuple (heavy_ball, nesterov), got {type(got).__name__}"
            )
        plain = 2 / c
        first = {
            "2 / c is plain gradient descent's limit: momentum's velocity can swing back, "
            "which allows more.": plain,
            "2 / (c (1 - momentum)) comes from the effective rate lr / (1 - momentum), which "
            "holds for slowly changing gradients, not at the edge of stability.": (
                plain / (1 - beta) if beta < 1 else math.nan
            ),
            "That is Nesterov's threshold: the first entry is plain momentum.": nesterov,
            "The limit grows with the momentum, not shrinks: the velocity's swing back lets the "
            "steep direction take larger steps.": 2 / (c * (1 + beta)),
        }
        _scalar(lambda g=got: g[0], (), where, heavy, first, "heavy_ball")
        second = {
            "That is plain momentum's threshold: Nesterov's look-ahead adds the term "
            "momentum * (-lr c x) to each step. Write the 2 x 2 recurrence and find where an "
            "eigenvalue reaches -1.": heavy,
            "2 / c is plain gradient descent's limit.": plain,
            "2 / (c (1 + beta)) takes the newest gradient's weight (1 + beta) into account but "
            "not the velocity's: write the recurrence for (x_t, v_t) in full.": 2
            / (c * (1 + beta)),
        }
        _scalar(lambda g=got: g[1], (), where, nesterov, second, "nesterov")


#: The schedule design: steps and the target for the expected final loss.
SCHEDULE_STEPS, SCHEDULE_TARGET = 100, 0.025


def _rates(schedule: Callable[[int], Any], where: str) -> np.ndarray:
    rates = []
    for t in range(SCHEDULE_STEPS):
        here = f"{where}: schedule({t})"
        value = as_float(call(schedule, t, where=here), here, "the rate")
        if not 0 <= value <= 1:
            raise CheckFailed(f"{here}: the rate must be in [0, 1], got {value:g}")
        rates.append(value)
    return np.array(rates)


@exercise_check("schedule_design", hidden="exact")
def check_schedule_design(schedule: Callable[..., Any], *, seed: int | None = 0) -> None:
    """Grade ``schedule(t) -> lr`` for t = 0, ..., 99 on the noisy quadratic of
    :func:`coursekit.designs.noisy_quadratic_run`: the expected final loss over all noise
    sequences (:func:`coursekit.designs.noisy_quadratic_expected`, computed exactly, so the
    grade does not depend on luck; visible and grading mode agree) must be below 0.025."""
    where = "schedule_design"
    rates = _rates(schedule, where)
    loss = designs.noisy_quadratic_expected(rates)
    if not math.isfinite(loss):
        steep = np.abs(1 - 25 * rates)
        raise CheckFailed(
            f"{where}: the runs diverge: {int(np.sum(steep > 1))} of your rates (the first at "
            f"step {int(np.argmax(steep > 1))}, {rates[np.argmax(steep > 1)]:g}) make the steep "
            "direction (curvature 25) grow, and enough of them blow it up. Its stability limit "
            "is 2 / 25 = 0.08."
        )
    if loss < SCHEDULE_TARGET:
        note(f"  expected final loss {loss:.4f} (target below 0.025)")
        return
    clean = designs.noisy_quadratic_expected(rates, noise=0.0)  # without the noise
    if np.ptp(rates) == 0:
        hint = (
            " A constant rate has to be large to cross the flat direction in 100 steps and "
            "small to quiet the noise at the end; it cannot be both."
        )
    elif clean > SCHEDULE_TARGET / 2:
        hint = (
            f" Without the noise your schedule would still end at {clean:.3f}: the flat "
            "direction (curvature 1, starting at 10) has not been crossed. Spend more steps "
            "at a large rate."
        )
    else:
        hint = (
            f" Without the noise your schedule would end at {clean:.1e}: the distance is "
            f"covered, and what remains is noise. The last rates (yours end at "
            f"{rates[-1]:.3g}) decide how much."
        )
    raise CheckFailed(
        f"{where}: the expected final loss is {loss:.4f}; the target is below "
        f"{SCHEDULE_TARGET:g}.{hint}"
    )


# ---- 5.4 -----------------------------------------------------------------------------------


def _relu_rms(width: int, std: float, depth: int) -> float:
    gain = width * std**2
    return math.sqrt(gain * (gain / 2) ** (depth - 1))


@exercise_check("preactivation_rms")
def check_preactivation_rms(preactivation_rms: Callable[..., Any], *, seed: int | None = 0) -> None:
    """Check ``preactivation_rms(width, std, depth)``: the root mean square of the
    pre-activations z_depth of a ReLU network whose layers are all ``width`` wide, with weights
    N(0, std^2) and standard normal inputs (the reference is the closed form of the mean-field
    argument of 5.4, exact on average over the weights)."""

    def draw(rng: np.random.Generator) -> tuple[int, float, int]:
        width = int(rng.choice([16, 64, 100, 256, 1000]))
        return width, float(rng.uniform(0.3, 3.0) / math.sqrt(width)), int(rng.integers(1, 40))

    fixed = [(256, 0.1, 10), (100, 0.2, 5), (512, math.sqrt(2 / 512), 20), (64, 0.05, 1)]
    for (width, std, depth), _ in cases(seed, fixed, draw):
        expected = _relu_rms(width, std, depth)
        gain = width * std**2
        suspects = {
            "Without ReLU's factor 1/2: a ReLU passes E[a^2] = E[z^2] / 2, not all of it.": (
                gain ** (depth / 2)
            ),
            "That is the rms of the ReLU outputs a_depth, or the factor 1/2 applied to the first "
            "layer as well: the pre-activations z_depth come before the last ReLU, and the first "
            "layer sees the inputs themselves (E[x^2] = 1).": (gain / 2) ** (depth / 2),
            "That is the variance (the mean square): take its square root.": expected**2,
            "Off by one layer: z_1 = W x has E[z^2] = n s^2, and each further layer multiplies "
            "it by n s^2 / 2.": _relu_rms(width, std, depth + 1),
            "Off by one layer (one too few): z_1 = W x already has E[z^2] = n s^2.": (
                _relu_rms(width, std, depth - 1) if depth > 1 else math.nan
            ),
            "A sum of n terms, each of variance s^2 E[a^2]: the width multiplies the variance, "
            "it does not divide it.": math.sqrt(
                (std**2 / width) * (std**2 / width / 2) ** (depth - 1)
            ),
        }
        where = f"preactivation_rms(width={width}, std={std:.4g}, depth={depth})"
        _scalar(preactivation_rms, (width, std, depth), where, expected, suspects, "the rms")


#: The leaky-ReLU design: networks shown and kept for grading, and the band for both ratios.
LEAKY_SEEDS, LEAKY_GRADING_SEEDS = (0, 1, 2, 3, 4), (50, 51, 52, 53, 54)
LEAKY_BAND = (0.75, 1.35)


@exercise_check("leaky_init_design", hidden="grading")
def check_leaky_init_design(init_weights: Callable[..., Any], *, seed: int | None = 0) -> None:
    """Grade ``init_weights(fan_in, fan_out, rng) -> W`` (shape (fan_out, fan_in), random
    numbers from ``rng`` only) on 30-layer leaky-ReLU networks (slope 0.2, width 512,
    :func:`coursekit.designs.leaky_relu_signal`), five of them (seeds 0-4; with ``seed=None``
    50-54): the geometric means of the forward ratio rms(z_30) / rms(z_1) and of the backward
    ratio must both lie in [0.75, 1.35]."""
    where = "leaky_init_design"
    nets = LEAKY_SEEDS if seed is not None else LEAKY_GRADING_SEEDS

    def student(fan_in: int, fan_out: int, rng: np.random.Generator) -> np.ndarray:
        here = f"{where}: init_weights({fan_in}, {fan_out}, rng)"
        W = call(init_weights, fan_in, fan_out, rng, where=here)
        if hasattr(W, "detach"):
            W = W.detach().cpu().numpy()
        if not isinstance(W, np.ndarray) or W.dtype == object or W.dtype == bool:
            raise CheckFailed(f"{here}: return a NumPy array, got {type(W).__name__}")
        if W.shape != (fan_out, fan_in):
            raise CheckFailed(
                f"{here}: return shape (fan_out, fan_in) = ({fan_out}, {fan_in}), got {W.shape}"
            )
        if not np.all(np.isfinite(W)):
            raise CheckFailed(f"{here}: the weights contain NaN or inf")
        if np.count_nonzero(W) <= 2 * max(fan_in, fan_out):
            raise CheckFailed(
                f"{here}: almost all weights are 0 (a scaled identity or permutation keeps the "
                "signal trivially, unit by unit). Design a random initialization in which every "
                "unit reads all of its inputs."
            )
        return W

    student(64, 32, np.random.default_rng(0))  # the shape (fan_out, fan_in), where it matters
    ratios = np.array([designs.leaky_relu_signal(student, seed=s) for s in nets])
    with np.errstate(divide="ignore", invalid="ignore"):
        forward, backward = np.exp(np.mean(np.log(ratios), axis=0))
    low, high = LEAKY_BAND
    if low <= forward <= high and low <= backward <= high:
        note(f"  forward ratio {forward:.2f}, backward ratio {backward:.2f} (band 0.75-1.35)")
        return
    if not (np.isfinite(forward) and np.isfinite(backward)) or min(forward, backward) < 1e-6:
        hint = " The signal vanishes completely: the weights are far too small (or all zero)."
    elif max(forward, backward) > 1e6:
        hint = " The signal explodes: the weights are far too large."
    else:
        per_layer = float(np.sqrt(forward * backward)) ** (1 / 29)
        hint = (
            f" Over 29 layers that is a factor of about {per_layer:.3f} per layer in the rms: "
            "what fraction of a pre-activation's second moment does a leaky ReLU with slope "
            "0.2 pass on?"
        )
    raise CheckFailed(
        f"{where}: over 30 layers the forward signal changes by {forward:.3g} and the backward "
        f"gradient by {backward:.3g} (geometric means over {len(nets)} networks); both must lie "
        f"in [{low:g}, {high:g}].{hint}"
    )


# ---- 5.5 -----------------------------------------------------------------------------------

DEEP_SEEDS, DEEP_GRADING_SEEDS, DEEP_TARGET = (0, 1, 2), (10, 11, 12), 0.8


@exercise_check("deep_network_design", hidden="grading")
def check_deep_network_design(design: Callable[[], Any], *, seed: int | None = 0) -> None:
    """Grade ``design() -> {"norm": ..., "lr": alpha}`` (norm "none", "batch", "layer" or
    "weight"; alpha in (0, 10]) by training the network of eight hidden layers of
    :func:`coursekit.designs.deep_digits_run` for one epoch from three starts (seeds 0-2; with
    ``seed=None`` 10-12): the mean validation accuracy must reach 0.8."""
    where = "deep_network_design()"
    chosen = design_choice(design, where, "{'norm': 'layer', 'lr': 0.1}", ("norm", "lr"))
    norm = chosen["norm"]
    if norm is None:
        norm = "none"
    if not isinstance(norm, str) or str.__str__(norm) not in designs.NORMS:
        raise CheckFailed(f"{where}: norm must be one of {list(designs.NORMS)}, got {norm!r}")
    norm = str.__str__(norm)
    lr = as_float(chosen["lr"], where, "lr")
    _in_range(where, "lr", lr, 0, 10, True)
    starts = DEEP_SEEDS if seed is not None else DEEP_GRADING_SEEDS
    runs = [designs.deep_digits_run(norm, lr, seed=s) for s in starts]
    diverged = [r for r in runs if r.diverged]
    if diverged:
        raise CheckFailed(
            f"{where}: with norm={norm!r} and lr={lr:g}, {len(diverged)} of {len(runs)} runs "
            f"diverged (the first at update {diverged[0].diverged_at}, learning rate {lr:g})."
        )
    accuracy = float(np.mean([r.value for r in runs]))
    if accuracy >= DEEP_TARGET:
        note(f"  mean validation accuracy after one epoch: {accuracy:.3f} (target 0.8)")
        return
    if accuracy < 0.2 and norm != "none" and lr >= 1:
        hint = (
            " That is chance level: with normalization the signal does get through, so look "
            "at the rate."
        )
    elif accuracy < 0.2:
        hint = (
            " That is chance level: after eight layers the signal that reaches the output "
            "carries almost nothing of the input, at this rate."
        )
    else:
        hint = " The network learns, but not enough in one epoch: try other rates and norms."
    raise CheckFailed(
        f"{where}: with norm={norm!r} and lr={lr:g} the mean validation accuracy after one "
        f"epoch is {accuracy:.3f}; the target is {DEEP_TARGET:g}.{hint}"
    )
