"""coursekit.check.optim: the 5.3 exercises."""

from __future__ import annotations

import re

import numpy as np
import pytest

import coursekit as ck

# ---- 5.3 exercises: reference solutions pass, typical mistakes get their specific hint -------


def momentum_step(theta, velocity, grad, lr, momentum):
    v = momentum * velocity - lr * grad
    return theta + v, v


def rmsprop_step(theta, G, grad, lr, beta, eps):
    G = beta * G + (1 - beta) * grad * grad
    return theta - lr * grad / (np.sqrt(G) + eps), G


def adam_step(theta, m, v, grad, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    return theta - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


def clip_by_norm(g, max_norm):
    norm = np.linalg.norm(g)
    return g * max_norm / norm if norm > max_norm else g


CHECKS_53 = [
    (ck.check.check_momentum_step, momentum_step),
    (ck.check.check_rmsprop_step, rmsprop_step),
    (ck.check.check_adam_step, adam_step),
    (ck.check.check_clip_by_norm, clip_by_norm),
]


@pytest.mark.parametrize(("check", "solution"), CHECKS_53)
def test_53_solutions_pass_fixed_and_fresh_inputs(check, solution, capsys) -> None:
    check(solution)
    check(solution, seed=None)
    out = capsys.readouterr().out
    assert "visible checks passed (grading runs more)" in out and "fresh random" in out


def _todo(*args):
    raise NotImplementedError


@pytest.mark.parametrize(("check", "solution"), CHECKS_53)
def test_53_unanswered_is_not_implemented_yet(check, solution) -> None:
    with pytest.raises(ck.check.CheckFailed, match="not implemented yet"):
        check(_todo)


def _momentum_minus(theta, velocity, grad, lr, momentum):
    v = momentum * velocity - lr * grad
    return theta - v, v


def _momentum_in_place(theta, velocity, grad, lr, momentum):
    velocity *= momentum
    velocity -= lr * grad
    return theta + velocity, velocity


def _momentum_torch_buffer(theta, velocity, grad, lr, momentum):
    b = momentum * velocity + grad
    return theta + b, b


def _rmsprop_eps_inside(theta, G, grad, lr, beta, eps):
    G = beta * G + (1 - beta) * grad * grad
    return theta - lr * grad / np.sqrt(G + eps), G


def _rmsprop_adagrad(theta, G, grad, lr, beta, eps):
    G = G + grad * grad
    return theta - lr * grad / (np.sqrt(G) + eps), G


def _adam_no_correction(theta, m, v, grad, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    return theta - lr * m / (np.sqrt(v) + eps), m, v


def _adam_slide_typo(theta, m, v, grad, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v - (1 - beta2) * grad * grad
    m_hat, v_hat = m / (1 - beta1**t), np.abs(v) / (1 - beta2**t)
    return theta - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


def _adam_slide_momentum_form(theta, m, v, grad, t, lr, beta1, beta2, eps):
    m = beta1 * m - lr * grad  # the slide's first moment, and its minus sign in the step
    v = beta2 * v + (1 - beta2) * grad * grad
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    return theta - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


def _adam_slide_momentum_form_sign_fixed(theta, m, v, grad, t, lr, beta1, beta2, eps):
    m = beta1 * m - lr * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    return theta + lr * m_hat / (np.sqrt(v_hat) + eps), m, v


def _adam_t_minus_one(theta, m, v, grad, t, lr, beta1, beta2, eps):
    return adam_step(theta, m, v, grad, max(t - 1, 1), lr, beta1, beta2, eps)


def _clip_always(g, max_norm):
    return g * max_norm / np.linalg.norm(g)


def _clip_value(g, max_norm):
    return np.clip(g, -max_norm, max_norm)


@pytest.mark.parametrize(
    ("check", "wrong", "hint"),
    [
        (ck.check.check_momentum_step, _momentum_minus, "add it"),
        (ck.check.check_momentum_step, _momentum_in_place, "changed its input arrays in place"),
        (ck.check.check_momentum_step, _momentum_torch_buffer, "torch's buffer form"),
        (ck.check.check_rmsprop_step, _rmsprop_eps_inside, "eps inside the square root"),
        (ck.check.check_rmsprop_step, _rmsprop_adagrad, "AdaGrad's running sum"),
        (ck.check.check_adam_step, _adam_no_correction, "without bias correction"),
        (ck.check.check_adam_step, _adam_slide_typo, "the slide's typo"),
        (ck.check.check_adam_step, _adam_t_minus_one, "t counts from 1"),
        (ck.check.check_adam_step, _adam_slide_momentum_form, "without lr"),
        (ck.check.check_adam_step, _adam_slide_momentum_form_sign_fixed, "the first moment is not"),
        (ck.check.check_clip_by_norm, _clip_always, "leave g alone"),
        (ck.check.check_clip_by_norm, _clip_value, "clipping by value"),
    ],
)
def test_53_typical_mistakes_get_specific_hints(check, wrong, hint: str) -> None:
    with pytest.raises(ck.check.CheckFailed, match=re.escape(hint)):
        check(wrong)


def test_53_hard_coded_answers_fail_the_hidden_checks() -> None:
    rng = np.random.default_rng(0)
    theta, v, g = (rng.standard_normal(5) for _ in range(3))
    remembered = momentum_step(theta, v, g, 0.1, 0.9)

    def hard_coded(theta, velocity, grad, lr, momentum):
        return remembered

    with pytest.raises(ck.check.CheckFailed):
        ck.check.check_momentum_step(hard_coded, seed=None)
