"""Checks for the exercises of 5.1: critical points and random Hessians."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import numpy as np

from ..landscape import KINDS, classify, random_symmetric
from ..landscape import probability_all_positive as _reference_probability_all_positive
from .core import (
    CheckFailed,
    as_float,
    as_label,
    call,
    cases,
    close,
    exercise_check,
    low_precision,
    show,
)


def _symmetric_with_eigenvalues(eigenvalues: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Q diag(eigenvalues) Q^T for a random rotation Q: the diagonal does not show the signs."""
    Q, _ = np.linalg.qr(rng.standard_normal((len(eigenvalues), len(eigenvalues))))
    return Q @ np.diag(eigenvalues) @ Q.T


@exercise_check("classify_critical_point")
def check_classify_critical_point(
    classify_critical_point: Callable[[np.ndarray], str], *, seed: int | None = 0
) -> None:
    """Check ``classify_critical_point(H)`` -> "minimum" | "maximum" | "saddle" | "degenerate".

    Expected: from the eigenvalues of the symmetric matrix H, with |lambda| <= 1e-8 counted as
    zero: all positive -> minimum, all negative -> maximum, both signs -> saddle, otherwise
    degenerate.
    """

    fixed = [
        np.array([1.0, 2.0]),
        np.array([-1.0, -3.0]),
        np.array([2.0, -2.0]),
        np.array([0.0, 0.0]),
        np.array([1.0, 0.0]),
        np.array([-2.0, 0.0, -1.0]),
        np.array([3.0, 0.0, -1.0]),
        np.array([0.5, 1.5, 4.0, 0.1]),
    ]

    # every kind in every run: all positive, all negative, mixed, and a zero eigenvalue among
    # positive, negative or mixed ones (the cases that need the tolerance)
    kinds = itertools.cycle(["+", "-", "+-", "0+", "0-", "0+-"])

    def draw(rng: np.random.Generator) -> np.ndarray:
        kind = next(kinds)
        d = int(rng.integers(3 if "+-" in kind else 2, 7))
        lam = 10.0 ** rng.uniform(-3.0, 0.7, d)  # 0.001 to 5: small ones need a tiny tolerance
        if kind.endswith("-") and "+" not in kind:
            lam = -lam
        elif "+-" in kind:
            lam[: d // 2] *= -1
        if kind.startswith("0"):
            lam[rng.integers(d)] = 0.0
        return rng.permutation(lam)

    for lam, case_seed in cases(seed, fixed, draw, count=12):
        H = _symmetric_with_eigenvalues(lam, np.random.default_rng(case_seed))
        expected = classify(np.linalg.eigvalsh(H), 1e-8)
        where = f"for a Hessian with eigenvalues {np.round(np.sort(lam), 3).tolist()}"
        given = H.copy()
        got = as_label(call(classify_critical_point, given, where=where), where, KINDS)
        if not np.array_equal(H, given):
            raise CheckFailed(f"{where}: classify_critical_point changed the matrix it was given")
        if got != expected:
            hint = ""
            if classify(np.diag(H), 1e-8) == got:
                hint = (
                    " Your answer matches the signs of the diagonal entries: use the "
                    "eigenvalues, np.linalg.eigvalsh(H), which do not change under a rotation."
                )
            elif expected == "degenerate":
                hint = (
                    " An eigenvalue is (numerically) zero: compare with a tolerance, "
                    "|lambda| <= 1e-8, before deciding on the signs."
                )
            elif expected == "saddle":
                hint = " Mixed signs make a saddle point, even with a zero eigenvalue among them."
            raise CheckFailed(f"{where}: expected {expected!r}, got {got!r}.{hint}")


@exercise_check("probability_all_positive")
def check_probability_all_positive(
    probability_all_positive: Callable[[int, int, np.random.Generator], float],
    *,
    seed: int | None = 0,
) -> None:
    """Check ``probability_all_positive(d, n, rng)`` against the reference, same random numbers.

    Expected: draw A = rng.standard_normal((n, d, d)) once, symmetrise H = (A + A^T) / 2, and
    return the fraction of the n matrices whose eigenvalues are all > 0.
    """
    reference = _reference_probability_all_positive

    fixed = [(1, 2000), (2, 2000), (3, 3000), (5, 2000)]
    for (d, n), case_seed in cases(seed, fixed, lambda r: (int(r.integers(1, 6)), 1000)):
        expected = reference(d, n, np.random.default_rng(case_seed))
        where = f"for d={d}, n={n}"
        raw = call(probability_all_positive, d, n, np.random.default_rng(case_seed), where=where)
        got = as_float(raw, where, "a probability")
        if not 0 <= got <= 1:
            raise CheckFailed(f"{where}: return a probability (a float in [0, 1]), got {got!r}")
        low = low_precision(raw)
        if not close(np.asarray(got), np.asarray(expected), 1e-12, low):
            A = np.random.default_rng(case_seed).standard_normal((n, d, d))
            unsymmetric = float(np.mean(np.all(np.linalg.eigvals(A).real > 0, axis=1)))
            hint = ""
            if abs(got - unsymmetric) < 1e-12:
                hint = " Symmetrise first, H = (A + A^T) / 2: a Hessian is symmetric."
            elif got == 0.5**d:
                hint = (
                    " That is about 2^-d, as if each eigenvalue's sign were a coin flip; "
                    "compute the eigenvalues of the random matrices instead."
                )
            else:
                H = random_symmetric(d, n, np.random.default_rng(case_seed))
                any_positive = float(np.mean(np.any(np.linalg.eigvalsh(H) > 0, axis=1)))
                if abs(got - any_positive) < 1e-12:
                    hint = " Count a matrix only when *all* its eigenvalues are > 0."
                else:
                    hint = (
                        " Draw all matrices with one call rng.standard_normal((n, d, d)) so "
                        "that your random numbers are the reference's."
                    )
            raise CheckFailed(f"{where}: {show(expected, got)}.{hint}")
