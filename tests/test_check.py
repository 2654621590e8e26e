"""coursekit.check: the exercise feedback, for right, wrong and unfinished answers."""

from __future__ import annotations

import re

import numpy as np
import pytest

import coursekit as ck
from coursekit.check import CheckFailed, check_minibatch_indices, check_sgd_epoch, rel_error
from coursekit.minibatch import minibatch_indices
from coursekit.models import softmax_regression_grad, softmax_sgd_epoch


def test_rel_error() -> None:
    assert rel_error([1.0, 2.0], [1.0, 2.0]) == 0.0
    assert rel_error([1.0], [3.0]) == pytest.approx(0.5)
    assert rel_error([0.0], [0.0]) == 0.0
    with pytest.raises(ValueError, match="shapes differ"):
        rel_error([1.0], [1.0, 2.0])


def test_check_failed_is_an_assertion_error() -> None:
    assert issubclass(CheckFailed, AssertionError)


@pytest.mark.parametrize("seed", [0, None])
def test_reference_solutions_pass(seed: int | None, capsys: pytest.CaptureFixture[str]) -> None:
    check_minibatch_indices(minibatch_indices, seed=seed)
    check_sgd_epoch(softmax_sgd_epoch, seed=seed)
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2
    if seed is None:
        assert out[0] == "OK minibatch_indices: the fresh random checks passed."
    else:
        assert out[1] == "OK sgd_epoch: the visible checks passed (grading runs more)."


def not_implemented(*args: object) -> None:
    raise NotImplementedError


@pytest.mark.parametrize("check", [check_minibatch_indices, check_sgd_epoch])
def test_unfinished_answers_get_not_implemented_yet(
    check, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(CheckFailed, match="not implemented yet"):
        check(not_implemented)
    assert capsys.readouterr().out == ""


def unshuffled(n, k, rng):
    return [np.arange(n)[i : i + k] for i in range(0, n, k)]


def dropped_last(n, k, rng):
    order = rng.permutation(n)
    return [order[i : i + k] for i in range(0, n - n % k, k)]


def with_replacement(n, k, rng):
    order = rng.integers(0, n, n)
    return [order[i : i + k] for i in range(0, n, k)]


def other_shuffle(n, k, rng):
    order = np.random.default_rng(99).permutation(n)
    return [order[i : i + k] for i in range(0, n, k)]


def wrong_sizes(n, k, rng):
    order = rng.permutation(n)
    return (
        [order[: n - 1], order[n - 1 :]]
        if n // k + (n % k > 0) == 2
        else [order[i : i + k + 1] for i in range(0, n, k)]
    )


def returns_array(n, k, rng):
    return rng.permutation(n)


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (unshuffled, "in the order 0, 1, 2"),
        (dropped_last, "Did you drop the last, shorter batch"),
        (with_replacement, "appear more than once"),
        (other_shuffle, "not in the order rng.permutation"),
        (returns_array, "return a list of index arrays"),
    ],
)
def test_minibatch_indices_mistakes_get_specific_messages(answer, message: str) -> None:
    with pytest.raises(CheckFailed, match=message):
        check_minibatch_indices(answer)
    with pytest.raises(CheckFailed, match=message):
        check_minibatch_indices(answer, seed=None)  # the hidden tests catch it too


def epoch_with(step):
    def sgd_epoch(theta, X, y, batches, lr):
        theta = theta.copy()
        for index in batches:
            theta = step(theta, X, y, index, lr)
        return theta

    return sgd_epoch


def grad(theta, X, y, index):
    return softmax_regression_grad(theta, X[index], y[index])


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (
            epoch_with(lambda t, X, y, i, lr: t - lr * grad(t, X, y, i) * len(i)),
            "summed the batch gradients",
        ),
        (epoch_with(lambda t, X, y, i, lr: t + lr * grad(t, X, y, i)), "goes uphill"),
        (
            epoch_with(lambda t, X, y, i, lr: t - lr * grad(t, X, y, np.arange(len(y)))),
            "whole data set",
        ),
        (epoch_with(lambda t, X, y, i, lr: t - 0.5 * lr * grad(t, X, y, i)), "Check the gradient"),
        (
            lambda theta, X, y, batches, lr: theta - lr * grad(theta, X, y, batches[-1]),
            "only the last batch",
        ),
        (lambda theta, X, y, batches, lr: None, "returned None"),
        (lambda theta, X, y, batches, lr: theta[:-1], "keep its shape"),
    ],
)
def test_sgd_epoch_mistakes_get_specific_messages(answer, message: str) -> None:
    with pytest.raises(CheckFailed, match=message):
        check_sgd_epoch(answer)


def test_sgd_epoch_that_modifies_its_input_is_caught() -> None:
    def in_place(theta, X, y, batches, lr):
        for index in batches:
            theta -= lr * grad(theta, X, y, index)
        return theta

    with pytest.raises(CheckFailed, match="was modified"):
        check_sgd_epoch(in_place)


def test_hard_coded_answers_fail_the_hidden_checks() -> None:
    """An answer that memorised the visible cases passes them but not fresh random inputs."""
    memo = {}
    for n, k in [(10, 3), (12, 4), (7, 1), (9, 9), (100, 32)]:
        memo[(n, k)] = minibatch_indices(n, k, np.random.default_rng(0))

    def memorised(n, k, rng):
        rng.permutation(n)
        return memo.get((n, k), [np.arange(n)])

    with pytest.raises(CheckFailed):
        check_minibatch_indices(memorised, seed=None)


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


# ---- 5.1 exercises ----------------------------------------------------------------------------


def classify_critical_point(H):
    eigenvalues = np.linalg.eigvalsh(H)
    if np.all(eigenvalues > 1e-8):
        return "minimum"
    if np.all(eigenvalues < -1e-8):
        return "maximum"
    if np.any(eigenvalues > 1e-8) and np.any(eigenvalues < -1e-8):
        return "saddle"
    return "degenerate"


def probability_all_positive(d, n, rng):
    A = rng.standard_normal((n, d, d))
    H = (A + np.swapaxes(A, 1, 2)) / 2
    return float(np.mean(np.all(np.linalg.eigvalsh(H) > 0, axis=1)))


@pytest.mark.parametrize(
    ("check", "solution"),
    [
        (ck.check.check_classify_critical_point, classify_critical_point),
        (ck.check.check_probability_all_positive, probability_all_positive),
    ],
)
def test_51_solutions_pass_and_todo_is_reported(check, solution, capsys) -> None:
    check(solution)
    check(solution, seed=None)
    assert capsys.readouterr().out.count("OK ") == 2
    with pytest.raises(ck.check.CheckFailed, match="not implemented yet"):
        check(_todo)


def _classify_by_diagonal(H):
    return classify_critical_point(np.diag(np.diag(H)))


def _classify_without_tolerance(H):
    eigenvalues = np.linalg.eigvalsh(H)
    if np.all(eigenvalues >= 0):
        return "minimum"
    if np.all(eigenvalues <= 0):
        return "maximum"
    return "saddle"


def _coin_flips(d, n, rng):
    return 0.5**d


def _unsymmetric(d, n, rng):
    A = rng.standard_normal((n, d, d))
    return float(np.mean(np.all(np.linalg.eigvals(A).real > 0, axis=1)))


def _any_positive(d, n, rng):
    A = rng.standard_normal((n, d, d))
    H = (A + np.swapaxes(A, 1, 2)) / 2
    return float(np.mean(np.any(np.linalg.eigvalsh(H) > 0, axis=1)))


@pytest.mark.parametrize(
    ("check", "wrong", "hint"),
    [
        (ck.check.check_classify_critical_point, _classify_by_diagonal, "use the eigenvalues"),
        (ck.check.check_classify_critical_point, _classify_without_tolerance, "tolerance"),
        (ck.check.check_probability_all_positive, _coin_flips, "coin flip"),
        (ck.check.check_probability_all_positive, _unsymmetric, "Symmetrise first"),
        (ck.check.check_probability_all_positive, _any_positive, "*all* its eigenvalues"),
    ],
)
def test_51_typical_mistakes_get_specific_hints(check, wrong, hint: str) -> None:
    with pytest.raises(ck.check.CheckFailed, match=re.escape(hint)):
        check(wrong)


# ---- 5.4 exercises ----------------------------------------------------------------------------


def xavier_uniform_bound(fan_in, fan_out, gain=1.0):
    return gain * np.sqrt(6.0 / (fan_in + fan_out))


def he_normal(shape, rng):
    return rng.normal(0.0, np.sqrt(2.0 / shape[1]), size=shape)


def zca_whitening(X, epsilon):
    centred = X - X.mean(axis=0)
    lam, U = np.linalg.eigh(np.cov(centred, rowvar=False))
    return centred @ (U / np.sqrt(lam + epsilon)) @ U.T


CHECKS_54 = [
    (ck.check.check_xavier_uniform_bound, xavier_uniform_bound),
    (ck.check.check_he_normal, he_normal),
    (ck.check.check_zca_whitening, zca_whitening),
]


@pytest.mark.parametrize(("check", "solution"), CHECKS_54)
def test_54_solutions_pass_and_todo_is_reported(check, solution, capsys) -> None:
    check(solution)
    check(solution, seed=None)
    assert capsys.readouterr().out.count("OK ") == 2
    with pytest.raises(ck.check.CheckFailed, match="not implemented yet"):
        check(_todo)


def _pca_whitening(X, epsilon):
    centred = X - X.mean(axis=0)
    lam, U = np.linalg.eigh(np.cov(centred, rowvar=False))
    return centred @ (U / np.sqrt(lam + epsilon))


def _cov_over_n(X, epsilon):
    centred = X - X.mean(axis=0)
    lam, U = np.linalg.eigh(centred.T @ centred / len(X))
    return centred @ (U / np.sqrt(lam + epsilon)) @ U.T


@pytest.mark.parametrize(
    ("check", "wrong", "hint"),
    [
        (
            ck.check.check_xavier_uniform_bound,
            lambda fi, fo, gain=1.0: gain * np.sqrt(2.0 / (fi + fo)),
            "r = sqrt(3) times it",
        ),
        (
            ck.check.check_xavier_uniform_bound,
            lambda fi, fo, gain=1.0: gain * np.sqrt(6.0 / fi),
            "He's bound",
        ),
        (
            ck.check.check_he_normal,
            lambda shape, rng: rng.normal(0.0, np.sqrt(2.0 / shape[0]), size=shape),
            "the fan-in is shape[1]",
        ),
        (
            ck.check.check_he_normal,
            lambda shape, rng: rng.normal(0.0, 2.0 / shape[1], size=shape),
            "take its square root",
        ),
        (ck.check.check_zca_whitening, _pca_whitening, "rotate back"),
        (ck.check.check_zca_whitening, _cov_over_n, "dividing by N - 1"),
    ],
)
def test_54_typical_mistakes_get_specific_hints(check, wrong, hint: str) -> None:
    with pytest.raises(ck.check.CheckFailed, match=re.escape(hint)):
        check(wrong)
