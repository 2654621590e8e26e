"""The exercise checks cannot be fooled: hypothesis throws NaN, inf, lying objects, mutated
inputs, exceptions and endless loops at every check, in visible (seeded) and hidden (fresh
random) mode, and correct float32 work still passes."""

from __future__ import annotations

import contextlib
import io
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_check_experiments import SOLUTIONS as EXPERIMENTS
from test_check_hpo import expected_improvement, gp_posterior, hyperband_brackets, trials_needed
from test_check_initialization import he_normal, xavier_uniform_bound, zca_whitening
from test_check_landscape import classify_critical_point, probability_all_positive
from test_check_normalization import batch_norm_backward, batch_norm_forward, layer_norm_forward
from test_check_optim import adam_step, clip_by_norm, momentum_step, rmsprop_step
from test_check_regularization import (
    decay_factor,
    dropout_forward_backward,
    early_stopping,
    regularization_design,
    soft_threshold,
)

import coursekit as ck
from coursekit.check import CheckFailed
from coursekit.check import core as check_core
from coursekit.minibatch import minibatch_indices
from coursekit.models import softmax_sgd_epoch

#: (check, a correct solution)
CHECKS = {
    "classify_critical_point": (ck.check.check_classify_critical_point, classify_critical_point),
    "probability_all_positive": (ck.check.check_probability_all_positive, probability_all_positive),
    "minibatch_indices": (ck.check.check_minibatch_indices, minibatch_indices),
    "sgd_epoch": (ck.check.check_sgd_epoch, softmax_sgd_epoch),
    "momentum_step": (ck.check.check_momentum_step, momentum_step),
    "rmsprop_step": (ck.check.check_rmsprop_step, rmsprop_step),
    "adam_step": (ck.check.check_adam_step, adam_step),
    "clip_by_norm": (ck.check.check_clip_by_norm, clip_by_norm),
    "xavier_uniform_bound": (ck.check.check_xavier_uniform_bound, xavier_uniform_bound),
    "he_normal": (ck.check.check_he_normal, he_normal),
    "zca_whitening": (ck.check.check_zca_whitening, zca_whitening),
    "batch_norm_forward": (ck.check.check_batch_norm_forward, batch_norm_forward),
    "batch_norm_backward": (ck.check.check_batch_norm_backward, batch_norm_backward),
    "layer_norm_forward": (ck.check.check_layer_norm_forward, layer_norm_forward),
    "bias_before_batch_norm": (ck.check.check_bias_before_batch_norm, lambda: "b"),
    "expected_improvement": (ck.check.check_expected_improvement, expected_improvement),
    "gp_posterior": (ck.check.check_gp_posterior, gp_posterior),
    "hyperband_brackets": (ck.check.check_hyperband_brackets, hyperband_brackets),
    "trials_needed": (ck.check.check_trials_needed, trials_needed),
    "bo_design": (ck.check.check_bo_design, lambda: {"n_initial": 3, "length_scale": 0.3}),
    "soft_threshold": (ck.check.check_soft_threshold, soft_threshold),
    "dropout_forward_backward": (
        ck.check.check_dropout_forward_backward,
        dropout_forward_backward,
    ),
    "early_stopping": (ck.check.check_early_stopping, early_stopping),
    "decay_factor": (ck.check.check_decay_factor, decay_factor),
    "regularization_design": (ck.check.check_regularization_design, regularization_design),
    **EXPERIMENTS,
}


class AlwaysEqual:
    """Equal to everything, zero distance from everything, a float of any value asked."""

    def __eq__(self, other: object) -> bool:
        return True

    def __ne__(self, other: object) -> bool:
        return False

    def __sub__(self, other: object) -> float:
        return 0.0

    __rsub__ = __sub__
    __hash__ = object.__hash__

    def __abs__(self) -> float:
        return 0.0

    def __lt__(self, other: object) -> bool:
        return False

    __gt__ = __lt__

    def __le__(self, other: object) -> bool:
        return True

    __ge__ = __le__


class LyingFloat(float):
    """A (wrong) float whose arithmetic and comparisons claim it is right."""

    def __sub__(self, other: object) -> float:
        return 0.0

    __rsub__ = __sub__

    def __eq__(self, other: object) -> bool:
        return True

    __hash__ = float.__hash__

    def __abs__(self) -> float:
        return 0.0


class LyingStr(str):
    """A label that compares equal to every label."""

    def __eq__(self, other: object) -> bool:
        return True

    def __ne__(self, other: object) -> bool:
        return False

    __hash__ = str.__hash__


def _replace_numbers(result: Any, value: float) -> Any:
    """The same structure as ``result`` with every number replaced by ``value``."""
    if isinstance(result, str):
        return value
    if isinstance(result, tuple):
        return tuple(_replace_numbers(r, value) for r in result)
    if isinstance(result, list):
        return [np.full(np.shape(r), value) for r in result]
    if np.ndim(result) == 0:
        return value
    return np.full(np.shape(result), value)


def _mutate(args: tuple) -> bool:
    """Zero every array and empty every list among ``args``; True if there was one."""
    mutable = False
    for a in args:
        if isinstance(a, np.ndarray):
            a[...] = 0
            mutable = True
        elif isinstance(a, list):
            a.clear()
            mutable = True
    return mutable


def adversary(solution: Callable[..., Any], attack: str, record: dict) -> Callable[..., Any]:
    """The solution spoiled by ``attack``; ``record['mutable']`` says if inputs were mutable."""

    def student(*args: Any) -> Any:
        if attack == "mutate":
            record["mutable"] = _mutate(args) or record.get("mutable", False)
            return solution(*args)  # what the reference gives on the mutated inputs
        result = solution(*args)
        if attack == "nan":
            return _replace_numbers(result, math.nan)
        if attack == "inf":
            return _replace_numbers(result, math.inf)
        if attack == "minus_inf":
            return _replace_numbers(result, -math.inf)
        if attack == "always_equal":
            return (
                tuple(AlwaysEqual() for _ in result)
                if isinstance(result, tuple)
                else (AlwaysEqual())
            )
        if attack == "lying":
            if isinstance(result, str):
                return LyingStr("not a kind")
            return (
                tuple(LyingFloat(1234.5) for _ in result)
                if isinstance(result, tuple)
                else (LyingFloat(1234.5))
            )
        if attack == "raise":
            raise ValueError("boom")
        if attack == "none":
            return None
        if attack == "string":
            return "0.5"
        raise AssertionError(attack)

    return student


ATTACKS = ["nan", "inf", "minus_inf", "always_equal", "lying", "raise", "none", "string", "mutate"]


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # zeroed inputs divide by zero
@pytest.mark.parametrize("name", list(CHECKS))
@settings(max_examples=60, deadline=None)
@given(
    seed=st.one_of(st.none(), st.integers(0, 10**6)),
    attack=st.sampled_from(ATTACKS),
)
def test_no_attack_passes_a_check(name: str, seed: int | None, attack: str) -> None:
    check, solution = CHECKS[name]
    record: dict = {}
    student = adversary(solution, attack, record)
    try:
        check(student, seed=seed)
    except CheckFailed as failure:
        message = str(failure)
        assert name in message or "for " in message or "with " in message  # names the case
        if attack == "raise":
            assert "raised ValueError: boom" in message
        if attack in ("nan", "inf", "minus_inf"):
            assert any(word in message for word in ("NaN or inf", "return", "integer indices"))
        return
    # only an attack that could not do anything may pass: mutation with nothing mutable
    assert attack == "mutate" and not record.get("mutable"), f"{attack} passed {name}"


@pytest.mark.parametrize("name", list(CHECKS))
@settings(max_examples=10, deadline=None)
@given(seed=st.one_of(st.none(), st.integers(0, 10**6)))
def test_correct_solutions_pass_in_float32(name: str, seed: int | None) -> None:
    check, solution = CHECKS[name]

    def in_float32(*args: Any) -> Any:
        result = solution(*args)
        if isinstance(result, tuple):
            return tuple(
                r
                if r is None
                else (np.float32(r) if np.ndim(r) == 0 else np.asarray(r, np.float32))
                for r in result
            )
        if isinstance(result, (str, list, dict)):
            return result
        return np.float32(result) if np.ndim(result) == 0 else np.asarray(result, np.float32)

    with contextlib.redirect_stdout(io.StringIO()) as out:
        check(in_float32, seed=seed)
    assert out.getvalue().startswith(f"OK {name}")


def test_float32_computation_passes_with_a_note(capsys: pytest.CaptureFixture[str]) -> None:
    """A student who works in float32 throughout (inputs cast down) is accepted, and told."""

    def momentum_32(theta, velocity, grad, lr, momentum):
        theta, velocity, grad = (np.asarray(a, np.float32) for a in (theta, velocity, grad))
        v = np.float32(momentum) * velocity - np.float32(lr) * grad
        return theta + v, v

    def sgd_epoch_32(theta, X, y, batches, lr):
        return softmax_sgd_epoch(theta, X, y, batches, lr).astype(np.float32)

    ck.check.check_momentum_step(momentum_32)
    ck.check.check_sgd_epoch(sgd_epoch_32)
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("OK momentum_step") and "float32 precision" in out[1]
    assert out[2].startswith("OK sgd_epoch")
    with pytest.raises(CheckFailed, match="velocity is off"):  # a real mistake still fails
        ck.check.check_momentum_step(
            lambda th, v, g, lr, m: (th + (m * v - lr * g), (m * v - lr * g) * np.float32(1.001))
        )


@pytest.mark.parametrize("name", list(CHECKS))
def test_endless_loops_hit_the_time_limit(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(check_core, "TIME_LIMIT", 0.2)
    check, _ = CHECKS[name]

    def endless(*args: Any) -> Any:
        while True:
            pass

    with pytest.raises(CheckFailed, match=r"did not return within 0.2 s"):
        check(endless)


def test_the_reference_is_computed_before_the_students_call() -> None:
    """Emptying `batches` or zeroing X in place used to make the reference agree."""

    def empties_batches(theta, X, y, batches, lr):
        batches.clear()
        return theta.copy()

    def zeroes_X(theta, X, y, batches, lr):
        X[...] = 0
        return softmax_sgd_epoch(theta, X, y, batches, lr)

    for student in (empties_batches, zeroes_X):
        with pytest.raises(CheckFailed, match="changed its input arrays"):
            ck.check.check_sgd_epoch(student)


def test_hints_are_never_offered_when_the_mistake_makes_no_difference() -> None:
    """For batch size 1 'summing instead of averaging' gives the right answer: not a hint."""

    def wrong_only_for_single_samples(theta, X, y, batches, lr):
        result = softmax_sgd_epoch(theta, X, y, batches, lr)
        return result + 0.01 if all(len(b) == 1 for b in batches) else result

    with pytest.raises(CheckFailed) as failure:
        ck.check.check_sgd_epoch(wrong_only_for_single_samples)
    assert "batch size 1" in str(failure.value) and "summed" not in str(failure.value)


def test_close_numbers_are_shown_with_the_digits_that_differ() -> None:
    assert check_core.show(0.1732050807568877, 0.1732051) == "expected 0.17320508, got 0.1732051"
    with pytest.raises(CheckFailed, match=r"expected 0\.17320508\d*, got 0\.17320508\d*\."):
        ck.check.check_xavier_uniform_bound(
            lambda fi, fo, gain=1.0: gain * (6 / (fi + fo)) ** 0.5 * (1 + 1e-8)
        )


def test_a_function_called_instead_of_passed_is_named() -> None:
    with pytest.raises(CheckFailed, match="pass your function itself"):
        ck.check.check_momentum_step(None)


def _fresh_pass_rate(check: Callable[..., None], student: Callable[..., Any], runs: int) -> float:
    passed = 0
    for _ in range(runs):
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                check(student, seed=None)
            passed += 1
        except CheckFailed:
            pass
    return passed / runs


def test_hidden_checks_catch_mistakes_that_only_some_cases_reveal() -> None:
    """Every fresh run covers every kind of case: a zero eigenvalue next to same-signed ones,
    a large eps, t > 1, a gradient that is clipped and one that is not."""

    def no_tolerance(H):
        lam = np.linalg.eigvalsh(H)
        if np.all(lam > 0):
            return "minimum"
        if np.all(lam < 0):
            return "maximum"
        return "saddle" if np.any(lam > 0) and np.any(lam < 0) else "degenerate"

    def adam_eps_inside(theta, m, v, grad, t, lr, beta1, beta2, eps):
        m = beta1 * m + (1 - beta1) * grad
        v = beta2 * v + (1 - beta2) * grad * grad
        return theta - lr * (m / (1 - beta1**t)) / np.sqrt(v / (1 - beta2**t) + eps), m, v

    def adam_t_is_one(theta, m, v, grad, t, lr, beta1, beta2, eps):
        return adam_step(theta, m, v, grad, 1, lr, beta1, beta2, eps)

    def never_clips(g, max_norm):
        return g.copy()

    assert _fresh_pass_rate(ck.check.check_classify_critical_point, no_tolerance, 20) == 0
    assert _fresh_pass_rate(ck.check.check_adam_step, adam_eps_inside, 20) == 0
    assert _fresh_pass_rate(ck.check.check_adam_step, adam_t_is_one, 20) == 0
    assert _fresh_pass_rate(ck.check.check_clip_by_norm, never_clips, 20) == 0
    with pytest.raises(CheckFailed, match="eps inside the square root"):
        ck.check.check_adam_step(adam_eps_inside)


def test_float32_scalars_in_any_form_pass() -> None:
    def as_0d_array(fan_in, fan_out, gain=1.0):
        return np.asarray(gain * np.sqrt(6.0 / (fan_in + fan_out)), np.float32)

    def as_1_element(fan_in, fan_out, gain=1.0):
        return np.float32([gain * np.sqrt(6.0 / (fan_in + fan_out))])

    def probability_32(d, n, rng):
        return np.asarray(probability_all_positive(d, n, rng), np.float32)

    with contextlib.redirect_stdout(io.StringIO()) as out:
        ck.check.check_xavier_uniform_bound(as_0d_array)
        ck.check.check_xavier_uniform_bound(as_1_element)
        ck.check.check_probability_all_positive(probability_32)
    assert out.getvalue().count("OK ") == 3


def test_complex_and_huge_results_are_named() -> None:
    with pytest.raises(CheckFailed, match="should be real numbers, got complex ones"):
        ck.check.check_rmsprop_step(
            lambda th, G, g, lr, b, eps: tuple(
                np.asarray(r) + 1j for r in rmsprop_step(th, G, g, lr, b, eps)
            )
        )
    with pytest.raises(CheckFailed, match="should be numbers"):
        ck.check.check_xavier_uniform_bound(lambda fan_in, fan_out, gain=1.0: 10**400)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"seed": -1}, ValueError, r"seed must be an integer in \[0, 4294967295\]"),
        ({"seed": "a"}, TypeError, "seed must be an integer"),
        ({"tolerance": float("inf")}, ValueError, "tolerance must be a finite number"),
        ({"tolerance": 1.0}, ValueError, r"tolerance must be in \(0, 0.001\]"),
    ],
)
def test_the_checks_own_arguments_are_validated(kwargs: dict, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        ck.check.check_momentum_step(momentum_step, **kwargs)


def test_every_fresh_minibatch_run_has_a_batch_size_that_divides_n() -> None:
    """An extra empty batch when K divides n used to pass most fresh runs."""

    def empty_tail(n, k, rng):
        order = rng.permutation(n)
        return [order[i * k : (i + 1) * k] for i in range(n // k + 1)]

    assert _fresh_pass_rate(ck.check.check_minibatch_indices, empty_tail, 20) == 0
