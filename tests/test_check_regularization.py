"""The checks of 5.7's exercises: a correct solution written from scratch passes, a function that
is not implemented yet is reported, and the usual mistakes are named."""

from __future__ import annotations

import math
import operator

import numpy as np
import pytest

import coursekit as ck
from coursekit.check import CheckFailed


def _todo(*args):
    raise NotImplementedError


def soft_threshold(x, threshold):
    return np.sign(x) * np.maximum(np.abs(x) - threshold, 0.0)


def dropout_forward_backward(x, mask, p, dout):
    return x * mask / (1 - p), dout * mask / (1 - p)


def early_stopping(losses, patience, min_delta, improves=operator.lt):
    best, best_index, waited = math.inf, None, 0
    for i, value in enumerate(losses):
        if improves(value, best - min_delta):
            best, best_index, waited = value, i, 0
        else:
            waited += 1
            if waited >= patience:
                return i, best_index
    return None, best_index


def decay_factor(lr, weight_decay, momentum, steps):
    w, v = 1.0, 0.0
    for _ in range(steps):
        v = momentum * v + weight_decay * w
        w = w - lr * v
    return w


def regularization_design():
    return {"weight_decay": 0.01, "dropout": 0.8}


SOLUTIONS = [
    (ck.check.check_soft_threshold, soft_threshold),
    (ck.check.check_dropout_forward_backward, dropout_forward_backward),
    (ck.check.check_early_stopping, early_stopping),
    (ck.check.check_decay_factor, decay_factor),
    (ck.check.check_regularization_design, regularization_design),
]


@pytest.mark.parametrize(("check", "solution"), SOLUTIONS)
def test_57_solutions_pass_and_todo_is_reported(check, solution, capsys) -> None:
    check(solution)
    check(solution, seed=None)
    assert capsys.readouterr().out.count("OK ") == 2
    with pytest.raises(CheckFailed, match="not implemented yet"):
        check(_todo)


def test_the_usual_mistakes_are_named() -> None:
    with pytest.raises(CheckFailed, match="without the sign of x"):
        ck.check.check_soft_threshold(lambda x, t: np.maximum(np.abs(x) - t, 0))
    with pytest.raises(CheckFailed, match="hard thresholding"):
        ck.check.check_soft_threshold(lambda x, t: np.where(np.abs(x) > t, x, 0.0))
    with pytest.raises(CheckFailed, match="without the 1 / \\(1 - p\\) scale"):
        ck.check.check_dropout_forward_backward(lambda x, m, p, d: (x * m, d * m))
    with pytest.raises(CheckFailed, match="needs the same 1 / \\(1 - p\\) scale"):
        ck.check.check_dropout_forward_backward(lambda x, m, p, d: (x * m / (1 - p), d * m))
    with pytest.raises(CheckFailed, match="multiply by the mask too"):
        ck.check.check_dropout_forward_backward(lambda x, m, p, d: (x * m / (1 - p), d / (1 - p)))
    with pytest.raises(CheckFailed, match="keep probability"):
        ck.check.check_dropout_forward_backward(lambda x, m, p, d: (x * m / p, d * m / p))

    def loose(losses, patience, min_delta):
        return early_stopping(losses, patience, min_delta, improves=operator.le)

    with pytest.raises(CheckFailed, match="use <, not <="):
        ck.check.check_early_stopping(loose)
    with pytest.raises(CheckFailed, match="plain SGD's factor"):
        ck.check.check_decay_factor(lambda lr, wd, m, k: (1 - lr * wd) ** k)
    with pytest.raises(CheckFailed, match="only the long-run rate"):
        ck.check.check_decay_factor(lambda lr, wd, m, k: (1 - lr * wd / (1 - m)) ** k)
    with pytest.raises(CheckFailed, match="Off by one step"):
        ck.check.check_decay_factor(lambda lr, wd, m, k: decay_factor(lr, wd, m, k + 1))


def test_a_design_too_weak_or_too_strong_is_told_which() -> None:
    with pytest.raises(CheckFailed, match="Too weak"):  # the textbook default is not enough here
        ck.check.check_regularization_design(lambda: {"weight_decay": 0.0, "dropout": 0.5})
    with pytest.raises(CheckFailed, match="Too strong"):
        ck.check.check_regularization_design(lambda: {"weight_decay": 0.1, "dropout": 0.9})
    with pytest.raises(CheckFailed, match="exactly the keys"):
        ck.check.check_regularization_design(lambda: {"lambda": 0.01, "dropout": 0.8})
    with pytest.raises(CheckFailed, match=r"dropout in \[0, 0.95\]"):
        ck.check.check_regularization_design(lambda: {"weight_decay": 0.01, "dropout": 1.0})


def test_weight_decay_alone_can_pass_the_design() -> None:
    ck.check.check_regularization_design(lambda: {"weight_decay": 0.02, "dropout": 0.0})
    ck.check.check_regularization_design(lambda: {"weight_decay": 0.02, "dropout": 0.0}, seed=None)


def test_decay_factor_hints_survive_a_long_run_factor_below_minus_one(monkeypatch) -> None:
    # lr 0.5, weight decay 0.1, momentum 0.99: 1 - lr wd / (1 - momentum) = -4, whose power
    # would overflow; a wrong answer must still get a clear message, not an OverflowError
    from coursekit.check import regularization as checks

    monkeypatch.setattr(checks, "cases", lambda seed, fixed, draw: [((0.5, 0.1, 0.99, 2999), 0)])
    with pytest.raises(CheckFailed, match="expected"):
        ck.check.check_decay_factor(lambda lr, wd, m, k: 2.0)
    ck.check.check_decay_factor(decay_factor)  # and the right answer passes
