"""coursekit.check.normalization: the 5.5 exercises."""

from __future__ import annotations

import numpy as np
import pytest

import coursekit as ck


def _todo(*args):
    raise NotImplementedError


def batch_norm_forward(Z, gamma, beta, running_mean, running_var, momentum, eps, training):
    if training:
        mean, var = Z.mean(axis=0), Z.var(axis=0)
        k = len(Z)
        running_mean = (1 - momentum) * running_mean + momentum * mean
        running_var = (1 - momentum) * running_var + momentum * var * k / (k - 1)
    else:
        mean, var = running_mean, running_var
    return gamma * (Z - mean) / np.sqrt(var + eps) + beta, running_mean, running_var


def batch_norm_backward(dout, Z, gamma, eps):
    k = len(Z)
    std = np.sqrt(Z.var(axis=0) + eps)
    z_hat = (Z - Z.mean(axis=0)) / std
    dbeta = dout.sum(axis=0)
    dgamma = (dout * z_hat).sum(axis=0)
    dZ = gamma / (k * std) * (k * dout - dbeta - z_hat * dgamma)
    return dZ, dgamma, dbeta


def layer_norm_forward(Z, gamma, beta, eps):
    mean = Z.mean(axis=1, keepdims=True)
    var = Z.var(axis=1, keepdims=True)
    return gamma * (Z - mean) / np.sqrt(var + eps) + beta


CHECKS_55 = [
    (ck.check.check_batch_norm_forward, batch_norm_forward),
    (ck.check.check_batch_norm_backward, batch_norm_backward),
    (ck.check.check_layer_norm_forward, layer_norm_forward),
]


@pytest.mark.parametrize(("check", "solution"), CHECKS_55)
def test_55_solutions_pass_and_todo_is_reported(check, solution, capsys) -> None:
    check(solution)
    check(solution, seed=None)
    assert capsys.readouterr().out.count("OK ") == 2
    with pytest.raises(ck.check.CheckFailed, match="not implemented yet"):
        check(_todo)


def _unbiased_output(Z, gamma, beta, rm, rv, momentum, eps, training):
    out, rm, rv = batch_norm_forward(Z, gamma, beta, rm, rv, momentum, eps, training)
    if training:
        out = gamma * (Z - Z.mean(0)) / np.sqrt(Z.var(0, ddof=1) + eps) + beta
    return out, rm, rv


def _biased_running(Z, gamma, beta, rm, rv, momentum, eps, training):
    out, rm_new, _ = batch_norm_forward(Z, gamma, beta, rm, rv, momentum, eps, training)
    return out, rm_new, (1 - momentum) * rv + momentum * Z.var(0) if training else rv


def _keras_momentum(Z, gamma, beta, rm, rv, momentum, eps, training):
    return batch_norm_forward(Z, gamma, beta, rm, rv, 1 - momentum, eps, training)


def _batch_stats_in_eval(Z, gamma, beta, rm, rv, momentum, eps, training):
    out, _, _ = batch_norm_forward(Z, gamma, beta, rm, rv, momentum, eps, True)
    if training:
        return batch_norm_forward(Z, gamma, beta, rm, rv, momentum, eps, True)
    return out, rm, rv


def _constant_statistics(dout, Z, gamma, eps):
    _, dgamma, dbeta = batch_norm_backward(dout, Z, gamma, eps)
    return gamma * dout / np.sqrt(Z.var(0) + eps), dgamma, dbeta


def _layer_norm_over_batch(Z, gamma, beta, eps):
    return gamma * (Z - Z.mean(0)) / np.sqrt(Z.var(0) + eps) + beta


@pytest.mark.parametrize(
    ("check", "wrong", "hint"),
    [
        (ck.check.check_batch_norm_forward, _unbiased_output, "the unbiased variance"),
        (ck.check.check_batch_norm_forward, _biased_running, "the biased variance in running_var"),
        (ck.check.check_batch_norm_forward, _keras_momentum, "Keras' convention"),
        (ck.check.check_batch_norm_forward, _batch_stats_in_eval, "batch statistics in evaluation"),
        (ck.check.check_batch_norm_backward, _constant_statistics, "as if mu and sigma were"),
        (ck.check.check_layer_norm_forward, _layer_norm_over_batch, "over the samples, axis 0"),
    ],
)
def test_55_typical_mistakes_get_specific_hints(check, wrong, hint: str) -> None:
    with pytest.raises(ck.check.CheckFailed, match=hint):
        check(wrong)


def test_bias_prediction_is_graded_by_measurement(capsys) -> None:
    for seed in (0, None, None):
        ck.check.check_bias_before_batch_norm(lambda: "b", seed=seed)
    assert "OK bias_before_batch_norm" in capsys.readouterr().out
    ck.check.check_bias_before_batch_norm(lambda: " B ")  # spaces and case do not matter
    for wrong in ("a", "c"):
        with pytest.raises(ck.check.CheckFailed, match=r"dL/db\|\| = .*Hint: batch"):
            ck.check.check_bias_before_batch_norm(lambda w=wrong: w)
    with pytest.raises(ck.check.CheckFailed, match="not implemented yet"):
        ck.check.check_bias_before_batch_norm(_todo)


class _EqualToEverything(str):
    def __eq__(self, other: object) -> bool:
        return True

    __hash__ = str.__hash__


@pytest.mark.parametrize("bad", [None, 2, "d", "", ["b"], b"b"])
def test_bias_prediction_refuses_what_is_not_an_option(bad) -> None:
    with pytest.raises(ck.check.CheckFailed, match='must return one of "a", "b", "c"'):
        ck.check.check_bias_before_batch_norm(lambda: bad)
    with pytest.raises(ck.check.CheckFailed, match="pass your function itself"):
        ck.check.check_bias_before_batch_norm("b")


def test_bias_prediction_is_not_fooled_by_an_object_equal_to_everything() -> None:
    with pytest.raises(ck.check.CheckFailed):
        ck.check.check_bias_before_batch_norm(lambda: _EqualToEverything("a"))


def test_the_measurement_behind_the_prediction_is_exactly_zero_for_the_bias() -> None:
    from coursekit.check.normalization import _bias_gradient_ratio

    for s in range(20):
        bias, weight, answer = _bias_gradient_ratio(np.random.default_rng(s))
        assert answer == "b" and bias < 1e-12 and weight > 1e-6
