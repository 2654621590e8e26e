"""The machinery every exercise check shares: feedback, relative error, cases and hints.

Each ``check_*`` function in :mod:`coursekit.check` calls a student's function on fixed inputs
(or, with ``seed=None``, on fresh random ones, which the hidden grading tests use so that a
hard-coded answer fails), compares it with the reference implementation in coursekit, and either
prints one line saying the checks passed or raises :class:`CheckFailed` with what is wrong and a
hint for the fix. A function that still raises ``NotImplementedError`` gets "not implemented yet".

One way to make cases (:func:`cases`, :func:`seeds`) and one way to name a likely mistake
(:func:`matching_hint`: the first candidate answer, computed the wrong way, that equals the
student's result) serve every lesson's checks.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import numpy as np

F = TypeVar("F", bound=Callable[..., Any])
Case = TypeVar("Case")


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


def exercise_check(name: str) -> Callable[[F], F]:
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


def cases(
    seed: int | None,
    fixed: Sequence[Case],
    draw: Callable[[np.random.Generator], Case],
    count: int = 5,
) -> list[tuple[Case, int]]:
    """(case, case seed) pairs: the ``fixed`` cases with seeds ``seed, seed + 1, ...``, or, with
    ``seed=None``, ``count`` cases made by ``draw`` from fresh entropy (different every run)."""
    if seed is not None:
        return [(case, seed + i) for i, case in enumerate(fixed)]
    rng = np.random.default_rng()  # fresh entropy: different every run
    return [(draw(rng), int(rng.integers(2**31))) for _ in range(count)]


def seeds(seed: int | None, count: int = 4) -> list[int]:
    """``count`` case seeds: ``seed, seed + 1, ...``, or fresh random ones with ``seed=None``."""
    return [case_seed for _, case_seed in cases(seed, [None] * count, lambda rng: None, count)]


def matching_hint(got: Any, suspects: dict[str, Any], tolerance: float = 1e-9) -> str | None:
    """The first hint whose candidate equals ``got`` (a result or a tuple of results), if any.

    ``suspects`` maps a hint to the answer that the mistake it describes would produce.
    """
    many = isinstance(got, tuple)
    for hint, candidate in suspects.items():
        pairs = zip(got, candidate, strict=True) if many else [(got, candidate)]
        try:
            if all(rel_error(g, c) <= tolerance for g, c in pairs):
                return hint
        except ValueError:  # a candidate of another shape cannot be the answer
            continue
    return None


def as_tuple(got: Any, count: int, names: str, where: str) -> tuple[np.ndarray, ...]:
    """A student's return value as ``count`` float arrays, or CheckFailed naming ``names``."""
    if count == 1:
        return (np.asarray(got, dtype=float),)
    if not isinstance(got, (tuple, list)) or len(got) != count:
        raise CheckFailed(f"{where}: return the tuple ({names}), got {type(got).__name__}")
    return tuple(np.asarray(x, dtype=float) for x in got)


def compare(
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
    hint = matching_hint(got, suspects, tolerance)
    raise CheckFailed(message + (f" Your result matches {hint}." if hint else ""))


def unchanged(where: str, before: list[np.ndarray], after: list[np.ndarray]) -> None:
    """CheckFailed if a student's function changed its input arrays (``before`` are copies)."""
    for b, a in zip(before, after, strict=True):
        if not np.array_equal(a, b):
            raise CheckFailed(
                f"{where}: your function changed its input arrays in place; compute new arrays "
                "(v = ..., not v *= ...) so that the caller's state stays as it was."
            )


def vectors(seed: int, n: int = 5) -> tuple[np.random.Generator, list[np.ndarray]]:
    """A generator seeded with ``seed`` and three standard normal vectors of length ``n`` drawn
    from it (parameters, optimizer state and gradient for the update-rule checks)."""
    rng = np.random.default_rng(seed)
    return rng, [rng.standard_normal(n) for _ in range(3)]
