"""Checks for the exercises of 5.4: initialization and whitening."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import numpy as np

from ..preprocessing import ZCAWhitening
from .core import (
    CheckFailed,
    as_float,
    as_tuple,
    call,
    cases,
    close,
    exercise_check,
    low_precision,
    matching_hint,
    rel_error,
    show,
    unchanged,
)


@exercise_check("xavier_uniform_bound")
def check_xavier_uniform_bound(
    xavier_uniform_bound: Callable[..., float], *, seed: int | None = 0
) -> None:
    """Check ``xavier_uniform_bound(fan_in, fan_out, gain=1.0)``.

    Expected: r = gain * sqrt(6 / (fan_in + fan_out)).
    """
    fixed = [(100, 100, 1.0), (784, 256, 1.0), (256, 10, 4.0), (3, 5, 2.0)]

    def draw(rng: np.random.Generator) -> tuple[int, int, float]:
        return int(rng.integers(1, 2000)), int(rng.integers(1, 2000)), float(rng.uniform(0.5, 5))

    for (fan_in, fan_out, gain), _ in cases(seed, fixed, draw, count=6):
        expected = gain * np.sqrt(6.0 / (fan_in + fan_out))
        where = f"for fan_in={fan_in}, fan_out={fan_out}, gain={gain:g}"
        raw = call(xavier_uniform_bound, fan_in, fan_out, gain, where=where)
        low = low_precision(raw)
        got = as_float(raw, where, "the bound")
        if not close(np.asarray(got), np.asarray(expected), 1e-9, low):
            suspects = {
                "the standard deviation sqrt(2 / (fan_in + fan_out)); a uniform U[-r, r] has "
                "variance r^2 / 3, so r = sqrt(3) times it": gain
                * np.sqrt(2.0 / (fan_in + fan_out)),
                "He's bound, which uses fan_in alone": gain * np.sqrt(6.0 / fan_in),
                "the bound without the gain": np.sqrt(6.0 / (fan_in + fan_out)),
                "the variance instead of the bound": gain**2 * 2.0 / (fan_in + fan_out),
            }
            hint = matching_hint(got, suspects, expected=expected)
            raise CheckFailed(
                f"{where}: {show(expected, got)}."
                + (f" Your result matches {hint}." if hint else "")
            )


@exercise_check("he_normal")
def check_he_normal(he_normal: Callable[..., np.ndarray], *, seed: int | None = 0) -> None:
    """Check ``he_normal(shape, rng)``: rng.normal(0, sqrt(2 / fan_in), shape), fan_in = shape[1].

    Shapes are (fan_out, fan_in), like a torch Linear weight.
    """
    fixed = [(64, 32), (10, 256), (128, 128)]
    for shape, case_seed in cases(
        seed, fixed, lambda r: (int(r.integers(2, 200)), int(r.integers(2, 200)))
    ):
        fan_out, fan_in = shape
        z = np.random.default_rng(case_seed).standard_normal(shape)
        expected = np.sqrt(2.0 / fan_in) * z
        where = f"for shape={shape}"
        raw = call(he_normal, tuple(shape), np.random.default_rng(case_seed), where=where)
        results = as_tuple(raw, 1, "the weights", where)
        got = results[0]
        if got.shape != tuple(shape):
            raise CheckFailed(f"{where}: return an array of shape {shape}, got {got.shape}")
        if not close(got, expected, 1e-9, results.low_precision):
            suspects = {
                "sqrt(2 / fan_out): the fan-in is shape[1], the number of inputs of each unit": (
                    np.sqrt(2.0 / fan_out) * z
                ),
                "the variance 2 / fan_in used as the standard deviation; take its square root": (
                    2.0 / fan_in * z
                ),
                "Xavier's sqrt(2 / (fan_in + fan_out)); He for ReLU uses 2 / fan_in": (
                    np.sqrt(2.0 / (fan_in + fan_out)) * z
                ),
                "sqrt(1 / fan_in): ReLU zeroes half its inputs, so He doubles the variance": (
                    np.sqrt(1.0 / fan_in) * z
                ),
            }
            hint = matching_hint(got, suspects, expected=expected)
            if hint is None and abs(got.std() / expected.std() - 1) < 0.2:
                hint = (
                    "the right spread but other random numbers: draw with one call "
                    "rng.normal(0, std, size=shape)"
                )
            raise CheckFailed(
                f"{where}: the draws are off (relative error {rel_error(got, expected):.1e})."
                + (f" Your result matches {hint}." if hint else "")
            )


@exercise_check("zca_whitening")
def check_zca_whitening(
    zca_whitening: Callable[[np.ndarray, float], np.ndarray], *, seed: int | None = 0
) -> None:
    """Check ``zca_whitening(X, epsilon)`` = (X - mu) U (Lambda + eps)^{-1/2} U^T, with the
    covariance C = U Lambda U^T computed like np.cov (dividing by N - 1)."""

    fixed = [(60, 4, 0.0), (100, 6, 0.1), (40, 3, 1e-3)]

    epsilons = itertools.cycle([0.0, 0.01, 0.1])  # a large epsilon shows where it was added

    def draw(rng: np.random.Generator) -> tuple[int, int, float]:
        return int(rng.integers(30, 120)), int(rng.integers(2, 8)), next(epsilons)

    for (n, d, eps), case_seed in cases(seed, fixed, draw):
        rng = np.random.default_rng(case_seed)
        X = rng.standard_normal((n, d)) @ rng.standard_normal((d, d)) + rng.normal(0, 3, d)
        expected = ZCAWhitening(eps).fit_transform(X)
        where = f"for X of shape {X.shape}, epsilon={eps:g}"
        given = X.copy()
        results = as_tuple(call(zca_whitening, given, eps, where=where), 1, "X_white", where)
        unchanged(where, [X], [given])
        got = results[0]
        if got.shape != expected.shape:
            raise CheckFailed(f"{where}: return shape {expected.shape}, got {got.shape}")
        if not close(got, expected, 1e-7, results.low_precision, float32_tolerance=1e-3):
            centred = X - X.mean(axis=0)
            # got = centred @ M: PCA whitening has M M^T = W W^T with M not symmetric
            M = np.linalg.lstsq(centred, got, rcond=None)[0] if got.ndim == 2 else None
            W = ZCAWhitening(eps).fit(X).whitening_matrix_
            same_up_to_signs = (
                M is not None
                and M.shape == W.shape
                and np.allclose(M @ M.T, W @ W.T, rtol=1e-6, atol=1e-9)
                and not np.allclose(M, M.T, atol=1e-6)
            )
            C_n = centred.T @ centred / n
            lam, U = np.linalg.eigh(C_n)
            with_n = centred @ (U / np.sqrt(lam + eps)) @ U.T
            low = results.low_precision
            scale = max(float(np.max(np.abs(expected))), 1e-12)
            error_32 = float(np.max(np.abs(got - expected))) / scale
            if same_up_to_signs:
                hint = (
                    " It is PCA whitening: rotate back, multiply by U^T as well "
                    "(W = U diag(1/sqrt(lambda + eps)) U^T)."
                )
            elif close(got, with_n, 1e-7, low, float32_tolerance=1e-3):
                hint = " Compute the covariance like np.cov(X, rowvar=False), dividing by N - 1."
            elif not np.allclose(got.mean(axis=0), 0, atol=1e-3 * scale if low else 1e-8):
                hint = " Subtract the mean of each feature first."
            elif low and error_32 < 3e-2:  # the size of float32 round-off, not of a mistake
                hint = (
                    " Your result is float32: whitening divides by small eigenvalues, which "
                    "magnifies float32 round-off. Compute in float64."
                )
            else:
                hint = ""
            raise CheckFailed(
                f"{where}: relative error {rel_error(got, expected):.1e} > 1e-7.{hint}"
            )
