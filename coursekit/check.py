"""Feedback for the graded exercises.

Each ``check_*`` function calls a student's function on fixed inputs (or, with ``seed=None``,
on fresh random ones, which the hidden grading tests use so that a hard-coded answer fails),
compares it with the reference implementation in coursekit, and either prints one line saying
the checks passed or raises :class:`CheckFailed` with what is wrong and a hint for the fix.
A function that still raises ``NotImplementedError`` gets "not implemented yet".
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np

from .minibatch import minibatch_indices as _reference_minibatch_indices
from .models import softmax_regression_grad, softmax_sgd_epoch

F = TypeVar("F", bound=Callable[..., Any])


class CheckFailed(AssertionError):
    """An exercise check failed; the message says what is wrong and how to fix it."""


def rel_error(actual: Any, expected: Any) -> float:
    """max |a - e| / max(1e-8, |a| + |e|), elementwise (the relative error used in CS231n)."""
    a = np.asarray(actual, dtype=float)
    e = np.asarray(expected, dtype=float)
    if a.shape != e.shape:
        raise ValueError(f"shapes differ: {a.shape} and {e.shape}")
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - e) / np.maximum(1e-8, np.abs(a) + np.abs(e))))


def _exercise_check(name: str) -> Callable[[F], F]:
    """Wrap a check: NotImplementedError -> "not implemented yet", success -> one printed line."""

    def decorate(check: F) -> F:
        @functools.wraps(check)
        def wrapper(
            fn: Callable[..., Any], *args: Any, seed: int | None = 0, **kwargs: Any
        ) -> None:
            try:
                check(fn, *args, seed=seed, **kwargs)
            except NotImplementedError:
                raise CheckFailed(
                    f"{name}: not implemented yet. Replace `raise NotImplementedError` "
                    "with your code and run this cell again."
                ) from None
            what = "visible" if seed is not None else "fresh random"
            more = " (grading runs more)" if seed is not None else ""
            print(f"OK {name}: the {what} checks passed{more}.")

        return wrapper  # type: ignore[return-value]

    return decorate


def _cases(seed: int | None, fixed: list[tuple[int, ...]], draw: Callable[..., tuple[int, ...]]):
    if seed is not None:
        return [(case, seed + i) for i, case in enumerate(fixed)]
    rng = np.random.default_rng()  # fresh entropy: different every run
    return [(draw(rng), int(rng.integers(2**31))) for _ in range(5)]


@_exercise_check("minibatch_indices")
def check_minibatch_indices(
    minibatch_indices: Callable[[int, int, np.random.Generator], list[np.ndarray]],
    *,
    seed: int | None = 0,
) -> None:
    """Check a student's ``minibatch_indices(n, batch_size, rng)`` against the reference.

    Expected: ``rng.permutation(n)`` cut into consecutive chunks of ``batch_size``, the last one
    shorter when ``batch_size`` does not divide ``n``.
    """

    def draw(rng: np.random.Generator) -> tuple[int, int]:
        n = int(rng.integers(2, 300))
        return n, int(rng.integers(1, n + 1))

    fixed = [(10, 3), (12, 4), (7, 1), (9, 9), (100, 32)]
    for (n, k), case_seed in _cases(seed, fixed, draw):
        got = minibatch_indices(n, k, np.random.default_rng(case_seed))
        expected = _reference_minibatch_indices(n, k, np.random.default_rng(case_seed))
        where = f"for n={n}, batch_size={k}"
        if not isinstance(got, (list, tuple)):
            raise CheckFailed(f"{where}: return a list of index arrays, got {type(got).__name__}")
        batches = [np.asarray(b) for b in got]
        if len(batches) != len(expected):
            hint = ""
            if len(batches) == n // k:
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
                + ". Shuffle a permutation instead of drawing with replacement."
            )
        if n > 2 and np.array_equal(flat, np.arange(n)):
            raise CheckFailed(
                f"{where}: the batches are in the order 0, 1, 2, ...: shuffle first with "
                "rng.permutation(n)."
            )
        if not np.array_equal(flat, np.concatenate(expected)):
            raise CheckFailed(
                f"{where}: you shuffled, but not in the order rng.permutation(n) gives. Call "
                "rng.permutation(n) exactly once (not np.random, not rng.shuffle of a list)."
            )


@_exercise_check("sgd_epoch")
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

    def draw(rng: np.random.Generator) -> tuple[int, int, int, int]:
        n = int(rng.integers(5, 60))
        return n, int(rng.integers(2, 8)), int(rng.integers(2, 6)), int(rng.integers(1, n + 1))

    fixed = [(20, 4, 3, 6), (13, 3, 2, 13), (8, 5, 4, 1)]
    for (n, d, c, k), case_seed in _cases(seed, fixed, draw):
        rng = np.random.default_rng(case_seed)
        X = rng.standard_normal((n, d))
        y = rng.integers(0, c, n)
        theta0 = 0.1 * rng.standard_normal((d, c))
        batches = _reference_minibatch_indices(n, k, rng)
        lr = float(rng.uniform(0.05, 0.5))
        theta_in = theta0.copy()
        got = sgd_epoch(theta_in, X, y, batches, lr)
        where = f"for N={n}, D={d}, C={c}, batch size {k}, lr={lr:.3g}"
        if got is None:
            raise CheckFailed(f"{where}: sgd_epoch returned None; return the updated theta.")
        got = np.asarray(got, dtype=float)
        if got.shape != theta0.shape:
            raise CheckFailed(
                f"{where}: theta should keep its shape {theta0.shape}, got {got.shape}."
            )
        if not np.array_equal(theta_in, theta0):
            raise CheckFailed(
                f"{where}: the theta passed in was modified; work on a copy "
                "(theta = theta.copy()) or write theta = theta - ..."
            )
        expected = softmax_sgd_epoch(theta0, X, y, batches, lr)
        error = rel_error(got, expected)
        if error <= tolerance:
            continue
        raise CheckFailed(
            f"{where}: relative error {error:.2g} > {tolerance:g}. "
            + _diagnose(got, theta0, X, y, batches, lr)
        )


def _diagnose(
    got: np.ndarray, theta0: np.ndarray, X: np.ndarray, y: np.ndarray, batches: list, lr: float
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
    for hint, candidate in mistakes.items():
        if rel_error(got, candidate) < 1e-6:
            return f"It looks like {hint}."
    return (
        "Check the gradient (1/|B|) X_B^T (softmax(X_B theta) - one_hot(y_B)) of each batch; "
        "coursekit.models.softmax_regression_grad computes it for one batch."
    )


# ---------------------------------------------------------------------------------------------
# 5.3: update rules and clipping. Each student function works on NumPy arrays and returns new
# arrays (the inputs must stay unchanged); the reference is the rule in coursekit.optim.


def _as_tuple(got: Any, count: int, names: str, where: str) -> tuple[np.ndarray, ...]:
    if count == 1:
        return (np.asarray(got, dtype=float),)
    if not isinstance(got, (tuple, list)) or len(got) != count:
        raise CheckFailed(f"{where}: return the tuple ({names}), got {type(got).__name__}")
    return tuple(np.asarray(x, dtype=float) for x in got)


def _compare(
    where: str,
    got: tuple[np.ndarray, ...],
    expected: tuple[np.ndarray, ...],
    names: list[str],
    suspects: dict[str, tuple[np.ndarray, ...]],
    tolerance: float,
) -> None:
    """Raise CheckFailed naming the first wrong output and, if one matches, the likely mistake."""
    for name, g, e in zip(names, got, expected, strict=True):
        if g.shape != e.shape:
            raise CheckFailed(f"{where}: {name} should have shape {e.shape}, got {g.shape}")
    wrong = [n for n, g, e in zip(names, got, expected, strict=True) if rel_error(g, e) > tolerance]
    if not wrong:
        return
    first = names.index(wrong[0])
    message = (
        f"{where}: {wrong[0]} is off (relative error "
        f"{rel_error(got[first], expected[first]):.1e} > {tolerance:g})."
    )
    for hint, candidate in suspects.items():
        if all(rel_error(g, c) <= tolerance for g, c in zip(got, candidate, strict=True)):
            return_hint = f" Your result matches {hint}."
            raise CheckFailed(message + return_hint)
    raise CheckFailed(message)


def _unchanged(where: str, before: list[np.ndarray], after: list[np.ndarray]) -> None:
    for b, a in zip(before, after, strict=True):
        if not np.array_equal(a, b):
            raise CheckFailed(
                f"{where}: your function changed its input arrays in place; compute new arrays "
                "(v = ..., not v *= ...) so that the caller's state stays as it was."
            )


def _vectors(seed: int, n: int = 5) -> tuple[np.random.Generator, list[np.ndarray]]:
    rng = np.random.default_rng(seed)
    return rng, [rng.standard_normal(n) for _ in range(3)]


def _seeds(seed: int | None, count: int = 4) -> list[int]:
    if seed is not None:
        return [seed + i for i in range(count)]
    rng = np.random.default_rng()
    return [int(s) for s in rng.integers(2**31, size=count)]


@_exercise_check("momentum_step")
def check_momentum_step(
    momentum_step: Callable[..., tuple[np.ndarray, np.ndarray]],
    *,
    seed: int | None = 0,
    tolerance: float = 1e-9,
) -> None:
    """Check ``momentum_step(theta, velocity, grad, lr, momentum) -> (theta, velocity)``.

    Expected: v_t = lambda v_{t-1} - alpha g_t and theta_t = theta_{t-1} + v_t.
    """
    for case in _seeds(seed):
        rng, (theta, v, g) = _vectors(case)
        lr, lam = float(rng.uniform(0.01, 0.5)), float(rng.uniform(0.5, 0.99))
        where = f"momentum_step with lr={lr:.3g}, momentum={lam:.3g}"
        copies = [theta.copy(), v.copy(), g.copy()]
        got = _as_tuple(momentum_step(theta, v, g, lr, lam), 2, "theta, velocity", where)
        _unchanged(where, copies, [theta, v, g])
        v_new = lam * v - lr * g
        suspects = {
            "theta - v (the velocity already holds the minus sign: add it)": (theta - v_new, v_new),
            "a velocity without the factor lambda on v_{t-1}": (theta + v - lr * g, v - lr * g),
            "torch's buffer form b = lambda b + g, which needs -lr * b, not + b": (
                theta + lam * v + g,
                lam * v + g,
            ),
            "plain SGD (the velocity is not used)": (theta - lr * g, v_new),
        }
        _compare(where, got, (theta + v_new, v_new), ["theta", "velocity"], suspects, tolerance)


@_exercise_check("rmsprop_step")
def check_rmsprop_step(
    rmsprop_step: Callable[..., tuple[np.ndarray, np.ndarray]],
    *,
    seed: int | None = 0,
    tolerance: float = 1e-9,
) -> None:
    """Check ``rmsprop_step(theta, G, grad, lr, beta, eps) -> (theta, G)``.

    Expected: G_t = beta G_{t-1} + (1 - beta) g*g; theta_t = theta_{t-1} - alpha g / (sqrt(G_t)
    + eps), with eps added outside the square root (torch's convention).
    """
    for case in _seeds(seed):
        rng, (theta, _, g) = _vectors(case)
        G = rng.uniform(0.0, 2.0, theta.shape)
        lr, beta = float(rng.uniform(0.001, 0.1)), float(rng.uniform(0.8, 0.999))
        eps = 0.1 if case % 2 else 1e-8  # a large eps shows where it was added
        where = f"rmsprop_step with lr={lr:.3g}, beta={beta:.4g}, eps={eps:g}"
        copies = [theta.copy(), G.copy(), g.copy()]
        got = _as_tuple(rmsprop_step(theta, G, g, lr, beta, eps), 2, "theta, G", where)
        _unchanged(where, copies, [theta, G, g])
        G_new = beta * G + (1 - beta) * g * g
        adagrad = G + g * g
        suspects = {
            "eps inside the square root; add it outside: sqrt(G) + eps": (
                theta - lr * g / np.sqrt(G_new + eps),
                G_new,
            ),
            "AdaGrad's running sum; RMSprop uses the moving average beta G + (1 - beta) g*g": (
                theta - lr * g / (np.sqrt(adagrad) + eps),
                adagrad,
            ),
            "a moving average without the factor (1 - beta) on g*g": (
                theta - lr * g / (np.sqrt(beta * G + g * g) + eps),
                beta * G + g * g,
            ),
            "the previous G in the step; update G first, then divide by sqrt(G_t)": (
                theta - lr * g / (np.sqrt(G) + eps),
                G_new,
            ),
        }
        expected = (theta - lr * g / (np.sqrt(G_new) + eps), G_new)
        _compare(where, got, expected, ["theta", "G"], suspects, tolerance)


@_exercise_check("adam_step")
def check_adam_step(
    adam_step: Callable[..., tuple[np.ndarray, np.ndarray, np.ndarray]],
    *,
    seed: int | None = 0,
    tolerance: float = 1e-9,
) -> None:
    """Check ``adam_step(theta, m, v, grad, t, lr, beta1, beta2, eps) -> (theta, m, v)``.

    Expected (t = 1, 2, ...): m_t = b1 m + (1 - b1) g, v_t = b2 v + (1 - b2) g*g,
    theta_t = theta - alpha m_hat / (sqrt(v_hat) + eps), m_hat = m_t / (1 - b1**t),
    v_hat = v_t / (1 - b2**t).
    """
    from .optim import adam

    for case in _seeds(seed):
        rng, (theta, m, g) = _vectors(case)
        v = rng.uniform(0.0, 2.0, theta.shape)
        t = int(rng.integers(1, 6)) if case % 2 else 1
        lr = float(rng.uniform(0.001, 0.1))
        b1, b2 = float(rng.uniform(0.8, 0.95)), float(rng.uniform(0.99, 0.9999))
        eps = 1e-8
        where = f"adam_step with t={t}, lr={lr:.3g}, beta1={b1:.3g}, beta2={b2:.5g}"
        copies = [theta.copy(), m.copy(), v.copy(), g.copy()]
        got = _as_tuple(adam_step(theta, m, v, g, t, lr, b1, b2, eps), 3, "theta, m, v", where)
        _unchanged(where, copies, [theta, m, v, g])

        def run(bias_correction: bool, step: int) -> tuple[np.ndarray, ...]:
            rule = adam(b1, b2, eps, bias_correction=bias_correction)  # noqa: B023
            delta, state = rule.update(g, {"m": m, "v": v}, lr, step)  # noqa: B023
            return theta + delta, state["m"], state["v"]  # noqa: B023

        expected = run(True, t)
        m_new = expected[1]
        typo_v = b2 * v - (1 - b2) * g * g
        typo_step = lr * (m_new / (1 - b1**t)) / (np.sqrt(np.abs(typo_v) / (1 - b2**t)) + eps)
        suspects = {
            "Adam without bias correction: divide m by (1 - beta1**t) and v by (1 - beta2**t)": (
                run(False, t)
            ),
            "the slide's typo: the second moment adds (1 - beta2) g*g, it does not subtract it": (
                theta - typo_step,
                m_new,
                typo_v,
            ),
        }
        if t > 1:
            suspects["the step count t - 1 in the bias correction: t counts from 1"] = run(
                True, t - 1
            )
        _compare(where, got, expected, ["theta", "m", "v"], suspects, tolerance)


@_exercise_check("clip_by_norm")
def check_clip_by_norm(
    clip_by_norm: Callable[[np.ndarray, float], np.ndarray],
    *,
    seed: int | None = 0,
    tolerance: float = 1e-9,
) -> None:
    """Check ``clip_by_norm(g, max_norm)``: g * max_norm / ||g|| if ||g|| > max_norm, else g."""
    from .clipping import clip_by_norm as reference
    from .clipping import clip_by_value

    for case in _seeds(seed, count=6):
        rng = np.random.default_rng(case)
        g = rng.standard_normal(int(rng.integers(2, 8))) * float(rng.uniform(0.1, 10.0))
        norm = float(np.linalg.norm(g))
        max_norm = norm * (0.3 if case % 2 else 2.0)  # half the cases clip, half do not
        where = f"clip_by_norm with ||g|| = {norm:.3g}, max_norm = {max_norm:.3g}"
        copy = g.copy()
        got = _as_tuple(clip_by_norm(g, max_norm), 1, "g", where)
        _unchanged(where, [copy], [g])
        suspects = {
            "scaling every gradient to the threshold: leave g alone when ||g|| <= max_norm": (
                g * max_norm / norm,
            ),
            "clipping by value (each coordinate into [-b, b]), which turns the direction": (
                clip_by_value(g, max_norm),
            ),
            "g * ||g|| / max_norm: the factor is max_norm / ||g||": (g * norm / max_norm,),
        }
        _compare(
            where, got, (reference(g, max_norm),), ["the clipped gradient"], suspects, tolerance
        )


# ---------------------------------------------------------------------------------------------
# 5.1: critical points and random Hessians.


def _symmetric_with_eigenvalues(eigenvalues: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Q diag(eigenvalues) Q^T for a random rotation Q: the diagonal does not show the signs."""
    Q, _ = np.linalg.qr(rng.standard_normal((len(eigenvalues), len(eigenvalues))))
    return Q @ np.diag(eigenvalues) @ Q.T


@_exercise_check("classify_critical_point")
def check_classify_critical_point(
    classify_critical_point: Callable[[np.ndarray], str], *, seed: int | None = 0
) -> None:
    """Check ``classify_critical_point(H)`` -> "minimum" | "maximum" | "saddle" | "degenerate".

    Expected: from the eigenvalues of the symmetric matrix H, with |lambda| <= 1e-8 counted as
    zero: all positive -> minimum, all negative -> maximum, both signs -> saddle, otherwise
    degenerate.
    """
    from .landscape import classify

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
    cases: list[tuple[np.ndarray, int]] = []
    if seed is not None:
        cases = [(lam, seed + i) for i, lam in enumerate(fixed)]
    else:
        rng = np.random.default_rng()
        for _ in range(12):
            d = int(rng.integers(1, 7))
            lam = rng.uniform(0.1, 5.0, d) * rng.choice([-1.0, 1.0], d)
            if rng.random() < 0.3:
                lam[rng.integers(d)] = 0.0
            cases.append((lam, int(rng.integers(2**31))))
    for lam, case_seed in cases:
        H = _symmetric_with_eigenvalues(lam, np.random.default_rng(case_seed))
        copy = H.copy()
        got = classify_critical_point(H)
        expected = classify(np.linalg.eigvalsh(H), 1e-8)
        if not np.array_equal(H, copy):
            raise CheckFailed("classify_critical_point changed the matrix it was given")
        where = f"for a Hessian with eigenvalues {np.round(np.sort(lam), 3).tolist()}"
        if got not in ("minimum", "maximum", "saddle", "degenerate"):
            raise CheckFailed(
                f"{where}: return one of 'minimum', 'maximum', 'saddle', 'degenerate', got {got!r}"
            )
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


@_exercise_check("probability_all_positive")
def check_probability_all_positive(
    probability_all_positive: Callable[[int, int, np.random.Generator], float],
    *,
    seed: int | None = 0,
) -> None:
    """Check ``probability_all_positive(d, n, rng)`` against the reference, same random numbers.

    Expected: draw A = rng.standard_normal((n, d, d)) once, symmetrise H = (A + A^T) / 2, and
    return the fraction of the n matrices whose eigenvalues are all > 0.
    """
    from .landscape import probability_all_positive as reference
    from .landscape import random_symmetric

    cases = [(1, 2000), (2, 2000), (3, 3000), (5, 2000)]
    for (d, n), case_seed in _cases(seed, cases, lambda r: (int(r.integers(1, 6)), 1000)):
        got = probability_all_positive(d, n, np.random.default_rng(case_seed))
        expected = reference(d, n, np.random.default_rng(case_seed))
        where = f"for d={d}, n={n}"
        if not isinstance(got, (float, np.floating)) or not 0 <= got <= 1:
            raise CheckFailed(f"{where}: return a probability (a float in [0, 1]), got {got!r}")
        if abs(got - expected) > 1e-12:
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
            raise CheckFailed(f"{where}: expected {expected:.4f}, got {got}.{hint}")


# ---------------------------------------------------------------------------------------------
# 5.4: initialisation and whitening.


@_exercise_check("xavier_uniform_bound")
def check_xavier_uniform_bound(
    xavier_uniform_bound: Callable[..., float], *, seed: int | None = 0
) -> None:
    """Check ``xavier_uniform_bound(fan_in, fan_out, gain=1.0)``.

    Expected: r = gain * sqrt(6 / (fan_in + fan_out)).
    """
    fixed = [(100, 100, 1.0), (784, 256, 1.0), (256, 10, 4.0), (3, 5, 2.0)]
    if seed is None:
        rng = np.random.default_rng()
        cases = [
            (int(rng.integers(1, 2000)), int(rng.integers(1, 2000)), float(rng.uniform(0.5, 5)))
            for _ in range(6)
        ]
    else:
        cases = fixed
    for fan_in, fan_out, gain in cases:
        got = float(xavier_uniform_bound(fan_in, fan_out, gain))
        expected = gain * np.sqrt(6.0 / (fan_in + fan_out))
        where = f"for fan_in={fan_in}, fan_out={fan_out}, gain={gain:g}"
        if rel_error(got, expected) > 1e-9:
            suspects = {
                "the standard deviation sqrt(2 / (fan_in + fan_out)); a uniform U[-r, r] has "
                "variance r^2 / 3, so r = sqrt(3) times it": gain
                * np.sqrt(2.0 / (fan_in + fan_out)),
                "He's bound, which uses fan_in alone": gain * np.sqrt(6.0 / fan_in),
                "the bound without the gain": np.sqrt(6.0 / (fan_in + fan_out)),
                "the variance instead of the bound": gain**2 * 2.0 / (fan_in + fan_out),
            }
            hint = next((h for h, v in suspects.items() if rel_error(got, v) <= 1e-9), None)
            raise CheckFailed(
                f"{where}: expected {expected:.6g}, got {got:.6g}."
                + (f" Your result matches {hint}." if hint else "")
            )


@_exercise_check("he_normal")
def check_he_normal(he_normal: Callable[..., np.ndarray], *, seed: int | None = 0) -> None:
    """Check ``he_normal(shape, rng)``: rng.normal(0, sqrt(2 / fan_in), shape), fan_in = shape[1].

    Shapes are (fan_out, fan_in), like a torch Linear weight.
    """
    fixed = [(64, 32), (10, 256), (128, 128)]
    for shape, case_seed in _cases(
        seed, fixed, lambda r: (int(r.integers(2, 200)), int(r.integers(2, 200)))
    ):
        got = np.asarray(he_normal(shape, np.random.default_rng(case_seed)), dtype=float)
        where = f"for shape={shape}"
        if got.shape != tuple(shape):
            raise CheckFailed(f"{where}: return an array of shape {shape}, got {got.shape}")
        fan_out, fan_in = shape
        z = np.random.default_rng(case_seed).standard_normal(shape)
        expected = np.sqrt(2.0 / fan_in) * z
        if rel_error(got, expected) > 1e-9:
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
            hint = next((h for h, v in suspects.items() if rel_error(got, v) <= 1e-9), None)
            if hint is None and abs(got.std() / expected.std() - 1) < 0.2:
                hint = (
                    "the right spread but other random numbers: draw with one call "
                    "rng.normal(0, std, size=shape)"
                )
            raise CheckFailed(
                f"{where}: the draws are off (relative error {rel_error(got, expected):.1e})."
                + (f" Your result matches {hint}." if hint else "")
            )


@_exercise_check("zca_whitening")
def check_zca_whitening(
    zca_whitening: Callable[[np.ndarray, float], np.ndarray], *, seed: int | None = 0
) -> None:
    """Check ``zca_whitening(X, epsilon)`` = (X - mu) U (Lambda + eps)^{-1/2} U^T, with the
    covariance C = U Lambda U^T computed like np.cov (dividing by N - 1)."""
    from .preprocessing import ZCAWhitening

    fixed = [(60, 4, 0.0), (100, 6, 0.1), (40, 3, 1e-3)]

    def draw(rng: np.random.Generator) -> tuple[int, int, float]:
        return int(rng.integers(30, 120)), int(rng.integers(2, 8)), float(rng.choice([0.0, 0.01]))

    for (n, d, eps), case_seed in _cases(seed, fixed, draw):
        rng = np.random.default_rng(case_seed)
        X = rng.standard_normal((n, d)) @ rng.standard_normal((d, d)) + rng.normal(0, 3, d)
        copy = X.copy()
        got = np.asarray(zca_whitening(X, eps), dtype=float)
        if not np.array_equal(X, copy):
            raise CheckFailed("zca_whitening changed its input X in place")
        where = f"for X of shape {X.shape}, epsilon={eps:g}"
        expected = ZCAWhitening(eps).fit_transform(X)
        if got.shape != expected.shape:
            raise CheckFailed(f"{where}: return shape {expected.shape}, got {got.shape}")
        if rel_error(got, expected) > 1e-7:
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
            if same_up_to_signs:
                hint = (
                    " It is PCA whitening: rotate back, multiply by U^T as well "
                    "(W = U diag(1/sqrt(lambda + eps)) U^T)."
                )
            elif rel_error(got, with_n) <= 1e-7:
                hint = " Compute the covariance like np.cov(X, rowvar=False), dividing by N - 1."
            elif not np.allclose(got.mean(axis=0), 0, atol=1e-8):
                hint = " Subtract the mean of each feature first."
            else:
                hint = ""
            raise CheckFailed(
                f"{where}: relative error {rel_error(got, expected):.1e} > 1e-7.{hint}"
            )
