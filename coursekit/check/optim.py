"""Checks for the exercises of 5.3: update rules and clipping.

Each student function works on NumPy arrays and returns new arrays (the inputs must stay
unchanged); the reference is the rule in :mod:`coursekit.optim` or :mod:`coursekit.clipping`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..clipping import clip_by_norm as _reference_clip_by_norm
from ..clipping import clip_by_value
from ..optim import adam
from .core import (
    as_tuple,
    call,
    compare,
    exercise_check,
    seeds,
    unchanged,
    vectors,
)


@exercise_check("momentum_step")
def check_momentum_step(
    momentum_step: Callable[..., tuple[np.ndarray, np.ndarray]],
    *,
    seed: int | None = 0,
    tolerance: float = 1e-9,
) -> None:
    """Check ``momentum_step(theta, velocity, grad, lr, momentum) -> (theta, velocity)``.

    Expected: v_t = lambda v_{t-1} - alpha g_t and theta_t = theta_{t-1} + v_t.
    """
    for case in seeds(seed):
        rng, (theta, v, g) = vectors(case)
        lr, lam = float(rng.uniform(0.01, 0.5)), float(rng.uniform(0.5, 0.99))
        where = f"momentum_step with lr={lr:.3g}, momentum={lam:.3g}"
        given = [theta.copy(), v.copy(), g.copy()]
        raw = call(momentum_step, *given, lr, lam, where=where)
        unchanged(where, [theta, v, g], given)
        got = as_tuple(raw, 2, "theta, velocity", where)
        v_new = lam * v - lr * g
        suspects = {
            "theta - v (the velocity already holds the minus sign: add it)": (theta - v_new, v_new),
            "a velocity without the factor lambda on v_{t-1}": (theta + v - lr * g, v - lr * g),
            "torch's buffer form b = lambda b + g, which needs -lr * b, not + b": (
                theta + lam * v + g,
                lam * v + g,
            ),
            "plain SGD (the velocity is not used)": (theta - lr * g, v_new),
        }
        compare(where, got, (theta + v_new, v_new), ["theta", "velocity"], suspects, tolerance)


@exercise_check("rmsprop_step")
def check_rmsprop_step(
    rmsprop_step: Callable[..., tuple[np.ndarray, np.ndarray]],
    *,
    seed: int | None = 0,
    tolerance: float = 1e-9,
) -> None:
    """Check ``rmsprop_step(theta, G, grad, lr, beta, eps) -> (theta, G)``.

    Expected: G_t = beta G_{t-1} + (1 - beta) g*g; theta_t = theta_{t-1} - alpha g / (sqrt(G_t)
    + eps), with eps added outside the square root (torch's convention).
    """
    for i, case in enumerate(seeds(seed)):
        rng, (theta, _, g) = vectors(case)
        G = rng.uniform(0.0, 2.0, theta.shape)
        lr, beta = float(rng.uniform(0.001, 0.1)), float(rng.uniform(0.8, 0.999))
        eps = 0.1 if i % 2 else 1e-8  # a large eps shows where it was added
        where = f"rmsprop_step with lr={lr:.3g}, beta={beta:.4g}, eps={eps:g}"
        given = [theta.copy(), G.copy(), g.copy()]
        raw = call(rmsprop_step, *given, lr, beta, eps, where=where)
        unchanged(where, [theta, G, g], given)
        got = as_tuple(raw, 2, "theta, G", where)
        G_new = beta * G + (1 - beta) * g * g
        adagrad = G + g * g
        suspects = {
            "eps inside the square root; add it outside: sqrt(G) + eps": (
                theta - lr * g / np.sqrt(G_new + eps),
                G_new,
            ),
            "AdaGrad's running sum; RMSprop uses the moving average beta G + (1 - beta) g*g": (
                theta - lr * g / (np.sqrt(adagrad) + eps),
                adagrad,
            ),
            "a moving average without the factor (1 - beta) on g*g": (
                theta - lr * g / (np.sqrt(beta * G + g * g) + eps),
                beta * G + g * g,
            ),
            "the previous G in the step; update G first, then divide by sqrt(G_t)": (
                theta - lr * g / (np.sqrt(G) + eps),
                G_new,
            ),
        }
        expected = (theta - lr * g / (np.sqrt(G_new) + eps), G_new)
        compare(where, got, expected, ["theta", "G"], suspects, tolerance)


@exercise_check("adam_step")
def check_adam_step(
    adam_step: Callable[..., tuple[np.ndarray, np.ndarray, np.ndarray]],
    *,
    seed: int | None = 0,
    tolerance: float = 1e-9,
) -> None:
    """Check ``adam_step(theta, m, v, grad, t, lr, beta1, beta2, eps) -> (theta, m, v)``.

    Expected (t = 1, 2, ...): m_t = b1 m + (1 - b1) g, v_t = b2 v + (1 - b2) g*g,
    theta_t = theta - alpha m_hat / (sqrt(v_hat) + eps), m_hat = m_t / (1 - b1**t),
    v_hat = v_t / (1 - b2**t).
    """

    for i, case in enumerate(seeds(seed)):
        rng, (theta, m, g) = vectors(case)
        v = rng.uniform(0.0, 2.0, theta.shape)
        t = int(rng.integers(2, 6)) if i % 2 else 1  # every other case has t > 1
        lr = float(rng.uniform(0.001, 0.1))
        b1, b2 = float(rng.uniform(0.8, 0.95)), float(rng.uniform(0.99, 0.9999))
        eps = 0.1 if i % 2 else 1e-8  # a large eps shows where it was added
        where = f"adam_step with t={t}, lr={lr:.3g}, beta1={b1:.3g}, beta2={b2:.5g}, eps={eps:g}"
        given = [theta.copy(), m.copy(), v.copy(), g.copy()]
        raw = call(adam_step, *given, t, lr, b1, b2, eps, where=where)
        unchanged(where, [theta, m, v, g], given)
        got = as_tuple(raw, 3, "theta, m, v", where)

        def run(bias_correction: bool, step: int) -> tuple[np.ndarray, ...]:
            rule = adam(b1, b2, eps, bias_correction=bias_correction)  # noqa: B023
            delta, state = rule.update(g, {"M": m, "G": v}, lr, step)  # noqa: B023
            return theta + delta, state["M"], state["G"]  # noqa: B023

        expected = run(True, t)
        m_new = expected[1]
        typo_v = b2 * v - (1 - b2) * g * g
        typo_step = lr * (m_new / (1 - b1**t)) / (np.sqrt(np.abs(typo_v) / (1 - b2**t)) + eps)
        m_hat, v_hat = m_new / (1 - b1**t), expected[2] / (1 - b2**t)
        slide_m = b1 * m - lr * g  # the slide's momentum form, then its minus sign: uphill
        slide_step = lr * (slide_m / (1 - b1**t)) / (np.sqrt(v_hat) + eps)
        suspects = {
            "Adam without bias correction: divide m by (1 - beta1**t) and v by (1 - beta2**t)": (
                run(False, t)
            ),
            "eps inside the square root; add it outside: sqrt(v_hat) + eps": (
                theta - lr * m_hat / np.sqrt(v_hat + eps),
                m_new,
                expected[2],
            ),
            "a step without eps; add it to the denominator, sqrt(v_hat) + eps": (
                theta - lr * m_hat / np.sqrt(v_hat),
                m_new,
                expected[2],
            ),
            "the slide's typo: the second moment adds (1 - beta2) g*g, it does not subtract it": (
                theta - typo_step,
                m_new,
                typo_v,
            ),
        }
        slide_hint = (
            "the slide's first moment m = beta1 m - lr g: Adam's is beta1 m + (1 - beta1) g, "
            "without lr (lr is applied once, in the step); see the notes for lecturers"
        )
        # with the slide's m, whatever the step's sign and whichever second moment
        slide_step_typo_v = (
            lr * (slide_m / (1 - b1**t)) / (np.sqrt(np.abs(typo_v) / (1 - b2**t)) + eps)
        )
        slide_variants = {
            "": (theta - slide_step, slide_m, expected[2]),
            " (the step's sign is fixed, the first moment is not)": (
                theta + slide_step,
                slide_m,
                expected[2],
            ),
            " (and the second moment must add (1 - beta2) g*g)": (
                theta - slide_step_typo_v,
                slide_m,
                typo_v,
            ),
            " (the step's sign is fixed; the second moment must also add (1 - beta2) g*g)": (
                theta + slide_step_typo_v,
                slide_m,
                typo_v,
            ),
        }
        for detail, candidate in slide_variants.items():
            suspects[slide_hint + detail] = candidate
        if t > 1:
            suspects["the step count t - 1 in the bias correction: t counts from 1"] = run(
                True, t - 1
            )
        compare(where, got, expected, ["theta", "m", "v"], suspects, tolerance)


@exercise_check("clip_by_norm")
def check_clip_by_norm(
    clip_by_norm: Callable[[np.ndarray, float], np.ndarray],
    *,
    seed: int | None = 0,
    tolerance: float = 1e-9,
) -> None:
    """Check ``clip_by_norm(g, max_norm)``: g * max_norm / ||g|| if ||g|| > max_norm, else g."""
    reference = _reference_clip_by_norm

    for i, case in enumerate(seeds(seed, count=6)):
        rng = np.random.default_rng(case)
        g = rng.standard_normal(int(rng.integers(2, 8))) * float(rng.uniform(0.1, 10.0))
        norm = float(np.linalg.norm(g))
        max_norm = norm * (0.3 if i % 2 else 2.0)  # half the cases clip, half do not
        where = f"clip_by_norm with ||g|| = {norm:.3g}, max_norm = {max_norm:.3g}"
        given = g.copy()
        raw = call(clip_by_norm, given, max_norm, where=where)
        unchanged(where, [g], [given])
        got = as_tuple(raw, 1, "the clipped gradient", where)
        suspects = {
            "scaling every gradient to the threshold: leave g alone when ||g|| <= max_norm": (
                g * max_norm / norm,
            ),
            "clipping by value (each coordinate into [-b, b]), which turns the direction": (
                clip_by_value(g, max_norm),
            ),
            "g * ||g|| / max_norm: the factor is max_norm / ||g||": (g * norm / max_norm,),
        }
        compare(
            where, got, (reference(g, max_norm),), ["the clipped gradient"], suspects, tolerance
        )
