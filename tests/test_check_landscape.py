"""coursekit.check.landscape: the 5.1 exercises."""

from __future__ import annotations

import re

import numpy as np
import pytest

import coursekit as ck

# ---- 5.1 exercises ----------------------------------------------------------------------------


def _todo(*args):
    raise NotImplementedError


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
