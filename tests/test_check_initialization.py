"""coursekit.check.initialization: the 5.4 exercises."""

from __future__ import annotations

import re

import numpy as np
import pytest

import coursekit as ck

# ---- 5.4 exercises ----------------------------------------------------------------------------


def _todo(*args):
    raise NotImplementedError


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
