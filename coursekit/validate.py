"""One set of argument checks shared by every module.

Each function takes the argument's name and value, returns the value as a plain Python type
(``float``, ``int``, ``str``) or a NumPy array, and otherwise raises an error that names the
argument and the allowed range:

* ``TypeError`` when the value has the wrong kind (None or a string where a number belongs, a
  float or a bool where an integer belongs, an uncalled factory);
* ``ValueError`` when it has the right kind but lies outside the allowed range (a negative
  learning rate, NaN, a batch size of 0, an unknown name).

Examples::

    lr = real("lr", lr, low=0, low_open=True)        # a finite number > 0
    k = integer("batch_size", k, low=1, high=n)      # an integer in [1, n]
    mode = one_of("on_divergence", mode, ("raise", "stop"))
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

__all__ = [
    "array",
    "finite_rows",
    "flag",
    "function",
    "generator",
    "integer",
    "interval",
    "labels",
    "one_of",
    "real",
    "seed",
]


def interval(low: float | None, high: float | None, low_open: bool, high_open: bool) -> str:
    """The allowed range in words: "> 0", "in [0, 1)", "<= 5" or "finite"."""

    def show(v: float) -> str:
        return str(v) if isinstance(v, int) else f"{v:g}"

    if low is not None and high is not None:
        return f"in {'(' if low_open else '['}{show(low)}, {show(high)}{')' if high_open else ']'}"
    if low is not None:
        return f"{'>' if low_open else '>='} {show(low)}"
    if high is not None:
        return f"{'<' if high_open else '<='} {show(high)}"
    return "finite"


def _kind(value: Any) -> str:
    text = repr(value)
    return f"{type(value).__name__} {text if len(text) <= 40 else text[:37] + '...'}"


def real(
    name: str,
    value: Any,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
    finite: bool = True,
) -> float:
    """``value`` as a float, if it is a real number (not a bool) in the given range.

    NaN is always rejected; infinity unless ``finite=False``. A 0-d NumPy array or torch tensor
    counts as a number.
    """
    if type(value) is not float and type(value) is not int:  # plain numbers skip these
        if getattr(value, "ndim", None) == 0 and hasattr(value, "item"):
            value = value.item()  # a 0-d array or tensor
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise TypeError(f"{name} must be a real number, got {_kind(value)}")
    try:
        number = float(value)
    except OverflowError:  # an int beyond the float range, such as 10**400
        raise ValueError(
            f"{name} must be a finite number, got an integer of {len(str(value))} digits"
        ) from None
    bad = math.isnan(number) or (finite and math.isinf(number))
    too_low = low is not None and (number <= low if low_open else number < low)
    too_high = high is not None and (number >= high if high_open else number > high)
    if not (bad or too_low or too_high):  # the common case formats no message
        return number
    where = interval(low, high, low_open, high_open)
    if bad:
        what = "a finite number" if finite else "a number"
        raise ValueError(
            f"{name} must be {what}{'' if where == 'finite' else ' ' + where}, got {number}"
        )
    raise ValueError(f"{name} must be {where}, got {value!r}")


def integer(name: str, value: Any, *, low: int | None = None, high: int | None = None) -> int:
    """``value`` as an int, if it is an integer (``numbers.Integral``, not a bool) in [low, high].

    A float such as 2.0 is rejected too: a count written as a float is usually a mistake
    (``n / 2`` where ``n // 2`` was meant).
    """
    if hasattr(value, "ndim") and getattr(value, "ndim", None) == 0 and hasattr(value, "item"):
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {_kind(value)}")
    number = int(value)
    if (low is not None and number < low) or (high is not None and number > high):
        raise ValueError(
            f"{name} must be an integer {interval(low, high, False, False)}, got {number}"
        )
    return number


def flag(name: str, value: Any) -> bool:
    """``value`` if it is a bool (or NumPy bool): a string such as "no" is truthy, so refuse it."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {_kind(value)}")
    return bool(value)


#: The largest seed every generator takes (NumPy's legacy one and scikit-learn stop at 2**32 - 1).
MAX_SEED = 2**32 - 1


def seed(name: str, value: Any) -> int:
    """A random seed: an integer in [0, 2**32 - 1] (what NumPy, torch and scikit-learn accept)."""
    return integer(name, value, low=0, high=MAX_SEED)


def generator(name: str, value: Any) -> np.random.Generator:
    """``value`` if it is a NumPy random generator (``np.random.default_rng(seed)``)."""
    if not isinstance(value, np.random.Generator):
        raise TypeError(
            f"{name} must be a numpy.random.Generator (np.random.default_rng(seed)), got "
            f"{type(value).__name__}"
        )
    return value


def one_of(name: str, value: Any, options: Iterable[str]) -> str:
    """``value`` if it is one of the known names ``options``."""
    options = list(options)
    if not isinstance(value, str):
        raise TypeError(f"{name} must be one of {options}, got {_kind(value)}")
    if value not in options:
        raise ValueError(f"{name} must be one of {options}, got {value!r}")
    return str(value)


def function(name: str, value: Any, what: str = "a function") -> Callable[..., Any]:
    """``value`` if it can be called."""
    if not callable(value):
        raise TypeError(f"{name} must be {what}, got {_kind(value)}")
    return value


def array(
    name: str,
    value: Any,
    *,
    ndim: int | tuple[int, ...] | None = None,
    finite: bool = True,
    dtype: Any = float,
    nonempty: bool = True,
) -> np.ndarray:
    """``value`` as a NumPy array of ``dtype`` with ``ndim`` dimensions, finite if asked.

    None, strings and ragged nested lists get a TypeError naming the argument.
    """
    if value is None or isinstance(value, (str, bytes)):
        raise TypeError(f"{name} must be an array of numbers, got {_kind(value)}")
    if hasattr(value, "detach"):  # a torch tensor
        value = value.detach().cpu().numpy()
    try:
        if np.iscomplexobj(value):
            raise TypeError(f"{name} must hold real numbers, got complex ones")
        result = np.asarray(value, dtype=dtype)
    except (TypeError, ValueError, OverflowError) as error:
        if isinstance(error, TypeError) and str(error).startswith(name):
            raise
        raise TypeError(f"{name} must be an array of numbers, got {_kind(value)}") from error
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else ndim
        if result.ndim not in allowed:
            wanted = " or ".join(str(d) for d in allowed)
            raise ValueError(f"{name} must be {wanted}-D, got shape {result.shape}")
    if nonempty and result.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {result.shape}")
    if finite and np.issubdtype(result.dtype, np.inexact):
        finite_rows(name, result)
    return result


def finite_rows(name: str, value: Any) -> None:
    """ValueError naming the first row (index along axis 0) that holds NaN or inf."""
    values = value.detach().cpu().numpy() if hasattr(value, "detach") else np.asarray(value)
    if not np.issubdtype(values.dtype, np.inexact):
        return
    bad = ~np.isfinite(values)
    if bad.any():
        where = np.argwhere(bad)[0]
        place = f"row {int(where[0])}" if values.ndim >= 1 else "the value"
        if values.ndim >= 2:
            place += f", column {int(where[1])}"
        raise ValueError(
            f"{name} must be finite, but {place} holds {values[tuple(where)]} "
            f"({int(bad.sum())} non-finite value(s) in all)"
        )


def labels(name: str, value: Any, n_classes: int | None = None) -> np.ndarray:
    """Class labels: a 1-D array of integers in [0, n_classes) (>= 0 when ``n_classes`` is None).

    Integral floats (1.0) are accepted and returned as int64; 1.5, NaN, -1 and labels beyond the
    last class get a ValueError naming the first bad label and where it is.
    """
    values = array(name, value, ndim=1, dtype=None, finite=False)
    if values.dtype == bool or not np.issubdtype(values.dtype, np.number):
        raise TypeError(f"{name} must hold integer class labels, got dtype {values.dtype}")
    if not np.issubdtype(values.dtype, np.integer):
        bad = ~np.isfinite(values) | (values != np.round(values))
        if bad.any():
            i = int(np.argmax(bad))
            raise ValueError(
                f"{name} must hold integer class labels, but {name}[{i}] = {values[i]}"
            )
    values = values.astype(np.int64)
    high = n_classes if n_classes is not None else None
    bad = (values < 0) | ((values >= high) if high is not None else False)
    if np.any(bad):
        i = int(np.argmax(bad))
        allowed = f"in 0, ..., {high - 1}" if high is not None else ">= 0"
        raise ValueError(f"{name} must hold class labels {allowed}, but {name}[{i}] = {values[i]}")
    return values
