"""Checks for the exercises of 5.2: mini-batch indices and one SGD epoch."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import numpy as np

from ..minibatch import minibatch_indices as _reference_minibatch_indices
from ..models import softmax_regression_grad, softmax_sgd_epoch
from .core import (
    CheckFailed,
    as_indices,
    as_tuple,
    call,
    cases,
    close,
    exercise_check,
    matching_hint,
    rel_error,
    unchanged,
)


def _same_batches(got: list[np.ndarray], want: list[np.ndarray]) -> bool:
    return len(got) == len(want) and all(
        np.array_equal(b, e) for b, e in zip(got, want, strict=True)
    )


@exercise_check("minibatch_indices")
def check_minibatch_indices(
    minibatch_indices: Callable[[int, int, np.random.Generator], list[np.ndarray]],
    *,
    seed: int | None = 0,
) -> None:
    """Check a student's ``minibatch_indices(n, batch_size, rng)`` against the reference.

    Expected: ``rng.permutation(n)`` cut into consecutive chunks of ``batch_size``, the last one
    shorter when ``batch_size`` does not divide ``n``.
    """

    # every fresh run covers a batch size that divides n, one that does not, K = 1 and K = n
    kinds = itertools.cycle(["divides", "remainder", "one", "all", "remainder"])

    def draw(rng: np.random.Generator) -> tuple[int, int]:
        kind = next(kinds)
        k = int(rng.integers(2, 20))
        if kind == "divides":
            return k * int(rng.integers(2, 15)), k
        if kind == "remainder":
            return k * int(rng.integers(2, 15)) + int(rng.integers(1, k)), k
        n = int(rng.integers(2, 300))
        return (n, 1) if kind == "one" else (n, n)

    fixed = [(10, 3), (12, 4), (7, 1), (9, 9), (100, 32)]
    for (n, k), case_seed in cases(seed, fixed, draw):
        expected = _reference_minibatch_indices(n, k, np.random.default_rng(case_seed))
        where = f"for n={n}, batch_size={k}"
        got = call(minibatch_indices, n, k, np.random.default_rng(case_seed), where=where)
        if not isinstance(got, (list, tuple)):
            raise CheckFailed(f"{where}: return a list of index arrays, got {type(got).__name__}")
        batches = [as_indices(b, where, f"batch {i}") for i, b in enumerate(got)]
        if len(batches) != len(expected):
            hint = ""
            if _same_batches(batches, expected[1:]):
                hint = " The first batch is missing: does your loop start at 0?"
            elif n % k and _same_batches(batches, expected[:-1]):
                hint = " Did you drop the last, shorter batch? Keep it: every sample is used once."
            raise CheckFailed(
                f"{where}: expected ceil(n / batch_size) = {len(expected)} batches, got "
                f"{len(batches)}.{hint}"
            )
        sizes = [len(b) for b in batches]
        if sizes != [len(b) for b in expected]:
            raise CheckFailed(
                f"{where}: batch sizes should be {[len(b) for b in expected]}, got {sizes}. "
                "Every batch holds batch_size indices except possibly the last."
            )
        flat = np.concatenate(batches) if batches else np.array([], dtype=int)
        if sorted(flat.tolist()) != list(range(n)):
            values, counts = np.unique(flat, return_counts=True)
            twice = values[counts > 1][:5].tolist()
            raise CheckFailed(
                f"{where}: each index 0..{n - 1} must appear exactly once in an epoch"
                + (f"; these appear more than once: {twice}" if twice else "")
                + ". Draw one permutation per epoch, rng.permutation(n), once and before the "
                "loop, and cut it into chunks; new random indices for every batch repeat some "
                "samples and skip others."
            )
        reference_order = np.concatenate(expected)
        # rng.permutation(n) itself returns 0, 1, 2, ... now and then (1 time in 6 for n = 3)
        if (
            n > 2
            and np.array_equal(flat, np.arange(n))
            and not np.array_equal(reference_order, np.arange(n))
        ):
            raise CheckFailed(
                f"{where}: the batches are in the order 0, 1, 2, ...: shuffle first with "
                "rng.permutation(n)."
            )
        if not np.array_equal(flat, reference_order):
            raise CheckFailed(
                f"{where}: you shuffled, but not in the order rng.permutation(n) gives. Call "
                "rng.permutation(n) exactly once (not np.random, not rng.shuffle of a list)."
            )


@exercise_check("sgd_epoch")
def check_sgd_epoch(
    sgd_epoch: Callable[..., np.ndarray],
    *,
    seed: int | None = 0,
    tolerance: float = 1e-7,
) -> None:
    """Check a student's ``sgd_epoch(theta, X, y, batches, lr)`` for softmax regression.

    Expected: for each batch B in order, theta <- theta - lr * (1/|B|) X_B^T (softmax(X_B theta)
    - Y_B); the input theta must not be modified.
    """

    sizes = itertools.cycle(["divides", "remainder", "one", "all", "remainder"])

    def draw(rng: np.random.Generator) -> tuple[int, int, int, int]:
        d, c, kind = int(rng.integers(2, 8)), int(rng.integers(2, 6)), next(sizes)
        k = int(rng.integers(2, 8))
        if kind == "divides":
            n = k * int(rng.integers(2, 8))
        elif kind == "remainder":
            n = k * int(rng.integers(2, 8)) + int(rng.integers(1, k))
        else:
            n = int(rng.integers(5, 60))
            k = 1 if kind == "one" else n
        return n, d, c, k

    fixed = [(20, 4, 3, 6), (13, 3, 2, 13), (8, 5, 4, 1)]
    for (n, d, c, k), case_seed in cases(seed, fixed, draw):
        rng = np.random.default_rng(case_seed)
        X = rng.standard_normal((n, d))
        y = rng.integers(0, c, n)
        theta0 = 0.1 * rng.standard_normal((d, c))
        batches = _reference_minibatch_indices(n, k, rng)
        lr = float(rng.uniform(0.05, 0.5))
        expected = softmax_sgd_epoch(theta0, X, y, batches, lr)  # before the student's call
        where = f"for N={n}, D={d}, C={c}, batch size {k}, lr={lr:.3g}"
        theta_in, X_in, y_in = theta0.copy(), X.copy(), y.copy()
        batches_in = [b.copy() for b in batches]
        raw = call(sgd_epoch, theta_in, X_in, y_in, batches_in, lr, where=where)
        if raw is None:
            raise CheckFailed(f"{where}: sgd_epoch returned None; return the updated theta.")
        if not np.array_equal(theta_in, theta0):
            raise CheckFailed(
                f"{where}: the theta passed in was modified; work on a copy "
                "(theta = theta.copy()) or write theta = theta - ..."
            )
        unchanged(where, [X, y, batches], [X_in, y_in, batches_in])
        results = as_tuple(raw, 1, "theta", where)
        got = results[0]
        if got.shape != theta0.shape:
            raise CheckFailed(
                f"{where}: theta should keep its shape {theta0.shape}, got {got.shape}."
            )
        if close(got, expected, tolerance, results.low_precision):
            continue
        error = rel_error(got, expected)
        raise CheckFailed(
            f"{where}: relative error {error:.2g} > {tolerance:g}. "
            + _diagnose(got, expected, theta0, X, y, batches, lr)
        )


def _diagnose(
    got: np.ndarray,
    expected: np.ndarray,
    theta0: np.ndarray,
    X: np.ndarray,
    y: np.ndarray,
    batches: list,
    lr: float,
) -> str:
    """Name the common mistake that reproduces ``got``, if one does."""

    def run(step: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> np.ndarray:
        theta = theta0.copy()
        for index in batches:
            theta = step(theta, index)
        return theta

    def grad(theta: np.ndarray, index: np.ndarray) -> np.ndarray:
        return softmax_regression_grad(theta, X[index], y[index])

    mistakes = {
        "you summed the batch gradients instead of averaging: divide by the batch size": run(
            lambda t, i: t - lr * grad(t, i) * len(i)
        ),
        "the update goes uphill: subtract lr * gradient (theta - lr * g)": run(
            lambda t, i: t + lr * grad(t, i)
        ),
        "every step used the whole data set: use only X[batch] and y[batch]": run(
            lambda t, i: t - lr * grad(t, np.arange(len(y)))
        ),
        "only the last batch was applied: update theta inside the loop, batch after batch": theta0
        - lr * grad(theta0, batches[-1]),
        "every gradient was taken at the initial theta: recompute it after each update": theta0
        - lr * sum(grad(theta0, i) for i in batches),
    }
    hint = matching_hint(got, mistakes, tolerance=1e-6, expected=expected)
    if hint is not None:
        return f"It looks like {hint}."
    return (
        "Check the gradient (1/|B|) X_B^T (softmax(X_B theta) - one_hot(y_B)) of each batch; "
        "coursekit.models.softmax_regression_grad computes it for one batch."
    )
