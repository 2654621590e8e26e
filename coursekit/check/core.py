"""The machinery every exercise check shares: feedback, relative error, cases and hints.

Each ``check_*`` function in :mod:`coursekit.check` calls a student's function on fixed inputs
(or, with ``seed=None``, on fresh random ones, which the hidden grading tests use so that a
hard-coded answer fails), compares it with the reference implementation in coursekit, and either
prints one line saying the checks passed or raises :class:`CheckFailed` with what is wrong and a
hint for the fix. A function that still raises ``NotImplementedError`` gets "not implemented yet".

One way to make cases (:func:`cases`, :func:`seeds`) and one way to name a likely mistake
(:func:`matching_hint`: the first candidate answer, computed the wrong way, that equals the
student's result) serve every lesson's checks.

A check cannot be fooled by what it is given back. It computes the expected result first, from
its own copies of the inputs, and calls the student's function on fresh copies
(:func:`call`), under a time limit, turning an exception into a :class:`CheckFailed` that names
the input. Results are converted to plain types before any comparison (:func:`as_float`,
:func:`as_label`, :func:`as_indices`, :func:`as_tuple`), so an object that claims to equal
everything, or a float whose subtraction lies, is judged by its value; NaN and inf are rejected
with their own message. float32 work is accepted within float32 precision, with a note.
"""

from __future__ import annotations

import contextlib
import functools
import numbers
import signal
import textwrap
import threading
import traceback
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from .. import validate

F = TypeVar("F", bound=Callable[..., Any])
Case = TypeVar("Case")


#: The package's folder: its frames are machinery, not the student's code.
_PACKAGE_DIR = str(Path(__file__).resolve().parents[1])


class CheckFailed(AssertionError):
    """An exercise check failed; the message says what is wrong and how to fix it.

    In a notebook (IPython, JupyterLab, nbgrader's feedback) it shows as one block: the
    message, and, when the student's own function raised, the lines of *their* code that did,
    never the frames of the checking machinery (IPython's ``_render_traceback_`` hook).
    """

    def _render_traceback_(self) -> list[str]:
        lines = ["\x1b[1;31mCheck failed\x1b[0m"]
        for paragraph in str(self).splitlines() or [""]:
            lines += textwrap.wrap(paragraph, 95, break_on_hyphens=False) or [""]
        cause = self.__cause__
        if cause is not None and cause.__traceback__ is not None:
            frames = [
                frame
                for frame in traceback.extract_tb(cause.__traceback__)
                if not str(Path(frame.filename).resolve()).startswith(_PACKAGE_DIR)
            ]
            if frames:
                lines += ["", f"Where your code raised {type(cause).__name__}:"]
                lines += [row.rstrip("\n") for row in traceback.format_list(frames)]
        return lines


#: Seconds one call of a student's function may take before the check gives up on it.
TIME_LIMIT = 10.0
#: The relative error (max |a - e| / max |e|) within which float32 results are accepted.
FLOAT32_TOLERANCE = 1e-5
_notes: list[str] = []  # printed after the OK line of the current check


class _TimeUp(BaseException):  # not an Exception: a student's `except Exception` cannot hide it
    pass


@contextlib.contextmanager
def _time_limit(seconds: float, where: str) -> Iterator[None]:
    """Stop the block after ``seconds`` (Unix main thread, as in a notebook kernel; elsewhere
    the block runs without a limit, since a thread cannot be interrupted)."""
    usable = (
        hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
        and signal.getitimer(signal.ITIMER_REAL)[0] == 0  # no one else's alarm is running
    )
    if not usable:
        yield
        return

    def interrupt(signum: int, frame: Any) -> None:
        raise _TimeUp

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    except _TimeUp:
        raise CheckFailed(
            f"{where}: your function did not return within {seconds:g} s. Look for a loop "
            "that never ends (a while loop whose condition never changes, a counter that is "
            "never increased)."
        ) from None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def call(fn: Callable[..., Any], *args: Any, where: str) -> Any:
    """``fn(*args)`` under :data:`TIME_LIMIT`; an exception from it becomes a CheckFailed that
    names the input (``where``), with the original error chained for the traceback.

    The caller passes copies that it does not need afterwards except to compare with its own
    originals (see :func:`unchanged`).
    """
    printed = _Printed()
    try:
        with _time_limit(TIME_LIMIT, where), contextlib.redirect_stdout(printed):
            try:
                return fn(*args)
            except (NotImplementedError, CheckFailed, _TimeUp):
                raise
            except Exception as error:
                raise CheckFailed(
                    f"{where}: your function raised {type(error).__name__}: {error}"
                    + _error_hint(error)
                ) from error
    finally:
        printed.replay(where)


#: Lines a student's function may print per call before the check shortens its output.
PRINT_LIMIT = 20


class _Printed:
    """What a student's function prints during one call: shown as it was when short; when long
    (debugging prints in a loop), only its first lines, once per check, and a note on how much
    was left out."""

    def __init__(self) -> None:
        self.kept: list[str] = []
        self.lines = 0

    def write(self, text: str) -> int:
        if self.lines <= PRINT_LIMIT:
            self.kept.append(text)
        self.lines += text.count("\n")
        return len(text)

    def flush(self) -> None:
        pass

    def replay(self, where: str) -> None:
        shown = "".join(self.kept)
        if self.lines <= PRINT_LIMIT:
            print(shown, end="")
            return
        if _flooded:  # shown once per check: the other calls print the same
            return
        _flooded.append(where)
        head = "".join(line + "\n" for line in shown.splitlines()[: PRINT_LIMIT // 2])
        print(head, end="")
        message = (
            f"... {where}: your function printed {self.lines} lines in one call; the first "
            f"{PRINT_LIMIT // 2} are shown, and long output from the check's other calls is "
            "left out. Remove print calls from loops before you hand in: they would flood the "
            "grader's feedback."
        )
        print("\n".join(textwrap.wrap(message, 95, break_on_hyphens=False)))


_flooded: list[str] = []  # the call whose long output was shortened, in the current check


def _error_hint(error: Exception) -> str:
    """A hint for the errors students meet most: shapes that do not fit, wrong types."""
    text = str(error)
    if isinstance(error, ValueError) and any(
        word in text for word in ("shape", "matmul", "broadcast", "aligned")
    ):
        return (
            ". The shapes do not fit: print the shapes of your arrays (x.shape) at that line. "
            "A transposed matrix (W where W.T is meant, or the reverse) is the usual cause."
        )
    if isinstance(error, TypeError) and "NoneType" in text:
        return (
            ". Something is None: a function without a `return`, or the result of an in-place "
            "method such as list.sort(), which returns None, used as a value."
        )
    if isinstance(error, IndexError):
        return ". An index is out of range: check the loop's bounds and the array's shape."
    return ""


def design_choice(
    design: Callable[[], Any], where: str, example: str, keys: Sequence[str]
) -> dict[str, Any]:
    """The dict that a design exercise's ``design()`` returns, with exactly ``keys``, or
    CheckFailed naming what came back instead (``example`` shows the expected form)."""
    chosen = call(design, where=where)
    if not isinstance(chosen, dict):
        raise CheckFailed(f"{where}: return a dict such as {example}, got {type(chosen).__name__}")
    if set(map(str, chosen)) != set(keys):
        raise CheckFailed(
            f"{where}: the dict needs exactly the keys {' and '.join(map(repr, keys))}, got "
            f"{sorted(map(str, chosen))}"
        )
    return {str(k): v for k, v in chosen.items()}


def note(text: str) -> None:
    """A remark printed after the check's OK line (once per check)."""
    if text not in _notes:
        _notes.append(text)


def _finite(where: str, name: str, values: np.ndarray) -> np.ndarray:
    if not np.all(np.isfinite(values)):
        raise CheckFailed(
            f"{where}: {name} contains NaN or inf. Look for a division by zero, the log or "
            "square root of a negative number, or an overflow (exp of a large number)."
        )
    return values


def _numbers(got: Any, where: str, name: str) -> tuple[np.ndarray, bool]:
    """``got`` as a float64 array and whether it was computed in low precision (float32/16)."""
    if isinstance(got, (str, bytes)) or got is None:
        raise CheckFailed(f"{where}: {name} should be numbers, got {type(got).__name__}")
    if hasattr(got, "detach"):  # a torch tensor
        got = got.detach().cpu().numpy()
    try:
        raw = np.asarray(got)
        if np.iscomplexobj(raw):
            raise CheckFailed(f"{where}: {name} should be real numbers, got complex ones")
        values = raw.astype(np.float64) if raw.dtype != object else np.asarray(got, dtype=float)
    except (TypeError, ValueError, OverflowError):
        raise CheckFailed(
            f"{where}: {name} should be numbers (a float or a NumPy array), got "
            f"{type(got).__name__}"
        ) from None
    low = low_precision(raw)
    if raw.dtype == bool:
        raise CheckFailed(f"{where}: {name} should be numbers, got booleans")
    return _finite(where, name, values), low


def low_precision(got: Any) -> bool:
    """Whether a result was computed in float32 or float16 (a scalar, an array or a tensor)."""
    dtype = getattr(got, "dtype", None)
    return str(dtype) in ("float32", "float16", "torch.float32", "torch.float16")


def as_float(got: Any, where: str, name: str = "the result") -> float:
    """A student's scalar result as a plain, finite float, or CheckFailed."""
    if hasattr(got, "detach") and getattr(got, "ndim", None) in (0, 1):  # a torch tensor
        got = got.detach().cpu().numpy()
    if isinstance(got, bool) or not isinstance(got, (numbers.Real, np.ndarray)):
        raise CheckFailed(f"{where}: return {name} as a float, got {type(got).__name__}")
    values, _ = _numbers(got, where, name)
    if values.size != 1:
        raise CheckFailed(f"{where}: return {name} as one float, got shape {values.shape}")
    return float(values.reshape(()))


def as_label(got: Any, where: str, options: Sequence[str]) -> str:
    """A student's label as a plain ``str`` (a subclass cannot change how it compares)."""
    if not isinstance(got, str):
        raise CheckFailed(f"{where}: return one of {list(options)}, got {type(got).__name__}")
    label = str.__str__(got)  # the characters, as an exact str
    if label not in options:
        raise CheckFailed(f"{where}: return one of {list(options)}, got {label!r}")
    return label


def as_indices(got: Any, where: str, name: str) -> np.ndarray:
    """A student's index array as a plain int64 array (integers only)."""
    if hasattr(got, "detach"):
        got = got.detach().cpu().numpy()
    try:
        values = np.array(got)
    except (TypeError, ValueError):
        raise CheckFailed(f"{where}: {name} should be an array of integer indices") from None
    if values.dtype == bool or not np.issubdtype(values.dtype, np.integer):
        raise CheckFailed(f"{where}: {name} should hold integer indices, got dtype {values.dtype}")
    return values.astype(np.int64).reshape(-1)


def show(expected: float, got: float) -> str:
    """'expected E, got G' with as many digits as it takes for E and G to look different."""
    for digits in range(6, 18):
        e, g = f"{expected:.{digits}g}", f"{got:.{digits}g}"
        if e != g:
            break
    return f"expected {e}, got {g}"


def rel_error(actual: Any, expected: Any) -> float:
    """max |a - e| / max(1e-8, |a| + |e|), elementwise (the relative error used in CS231n)."""
    a = np.asarray(actual, dtype=float)
    e = np.asarray(expected, dtype=float)
    if a.shape != e.shape:
        raise ValueError(f"shapes differ: {a.shape} and {e.shape}")
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - e) / np.maximum(1e-8, np.abs(a) + np.abs(e))))


def exercise_check(name: str, *, hidden: str = "fresh random") -> Callable[[F], F]:
    """Wrap a check: NotImplementedError -> "not implemented yet", success -> one printed line
    ("the visible checks passed", or with ``seed=None`` "the {hidden} checks passed").
    ``hidden="grading"``: the grader runs other fixed problems; ``"exact"``: the grade is
    computed exactly and the same in both modes."""

    def decorate(check: F) -> F:
        @functools.wraps(check)
        def wrapper(
            fn: Callable[..., Any], *args: Any, seed: int | None = 0, **kwargs: Any
        ) -> None:
            if seed is not None:
                validate.seed("seed", seed)
            if "tolerance" in kwargs:
                validate.real("tolerance", kwargs["tolerance"], low=0, low_open=True, high=1e-3)
            if not callable(fn):
                raise CheckFailed(
                    f"{name}: pass your function itself, check_{name}({name}), not "
                    f"{type(fn).__name__} (no parentheses after its name)"
                )
            _notes.clear()
            _flooded.clear()
            try:
                check(fn, *args, seed=seed, **kwargs)
            except NotImplementedError:
                raise CheckFailed(
                    f"{name}: not implemented yet. Replace `raise NotImplementedError` "
                    "with your code and run this cell again."
                ) from None
            what = "visible" if seed is not None else ("grading" if hidden == "exact" else hidden)
            more = {
                "grading": " (grading uses other problems)",
                "exact": " (grading computes the same)",
            }.get(hidden, " (grading runs more)")
            more = more if seed is not None else ""
            print(f"OK {name}: the {what} checks passed{more}.")
            for text in _notes:
                print(text)

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


def matching_hint(
    got: Any, suspects: dict[str, Any], tolerance: float = 1e-9, expected: Any = None
) -> str | None:
    """The first hint whose candidate equals ``got`` (a result or a tuple of results), if any.

    ``suspects`` maps a hint to the answer that the mistake it describes would produce. A
    candidate that equals ``expected`` (the mistake makes no difference for this input) is
    never offered.
    """
    many = isinstance(got, tuple)

    def same(a: Any, b: Any) -> bool:
        pairs = zip(a, b, strict=True) if many else [(a, b)]
        try:
            return all(rel_error(x, y) <= tolerance for x, y in pairs)
        except ValueError:  # a candidate of another shape cannot be the answer
            return False

    for hint, candidate in suspects.items():
        if expected is not None and same(candidate, expected):
            continue
        if same(got, candidate):
            return hint
    return None


class Results(tuple):
    """A student's results as float64 arrays; ``low_precision`` if any was float32/16."""

    low_precision: bool = False


def as_tuple(got: Any, count: int, names: str, where: str) -> Results:
    """A student's return value as ``count`` finite float arrays, or CheckFailed naming
    ``names``."""
    labels = [n.strip() for n in names.split(",")]
    if count == 1:
        items = [got]
    elif not isinstance(got, (tuple, list)) or len(got) != count:
        raise CheckFailed(f"{where}: return the tuple ({names}), got {type(got).__name__}")
    else:
        items = list(got)
    converted = [_numbers(x, where, label) for x, label in zip(items, labels, strict=True)]
    results = Results(values for values, _ in converted)
    results.low_precision = any(low for _, low in converted)
    return results


def close(
    got: np.ndarray,
    expected: np.ndarray,
    tolerance: float,
    low_precision: bool,
    float32_tolerance: float = FLOAT32_TOLERANCE,
) -> bool:
    """rel_error(got, expected) <= tolerance; float32 work passes within float32 precision
    (max |got - expected| <= float32_tolerance * max |expected|), with a note. A computation
    that amplifies round-off (dividing by small eigenvalues) passes a larger
    ``float32_tolerance``."""
    if rel_error(got, expected) <= tolerance:
        return True
    if not low_precision:
        return False
    scale = max(float(np.max(np.abs(expected), initial=0.0)), 1e-12)
    if float(np.max(np.abs(got - expected), initial=0.0)) <= float32_tolerance * scale:
        note(
            f"(Your results are float32; they were accepted within float32 precision, "
            f"{float32_tolerance:g} relative. Compute in float64 for exact agreement.)"
        )
        return True
    return False


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
    low = getattr(got, "low_precision", False)
    wrong = [
        n for n, g, e in zip(names, got, expected, strict=True) if not close(g, e, tolerance, low)
    ]
    if not wrong:
        return
    first = names.index(wrong[0])
    message = (
        f"{where}: {wrong[0]} is off (relative error "
        f"{rel_error(got[first], expected[first]):.1e} > {tolerance:g})."
    )
    hint = matching_hint(tuple(got), suspects, tolerance, expected=tuple(expected))
    if hint:
        message += f" Your result matches {hint}."
    elif low:
        message += " (Your results are float32; compute in float64 to compare closely.)"
    raise CheckFailed(message)


def unchanged(where: str, before: list[np.ndarray], after: list[np.ndarray]) -> None:
    """CheckFailed if a student's function changed its input arrays (``before`` are copies)."""
    for b, a in zip(before, after, strict=True):
        if not _same_input(b, a):
            raise CheckFailed(
                f"{where}: your function changed its input arrays in place; compute new arrays "
                "(v = ..., not v *= ...) so that the caller's state stays as it was."
            )


def _same_input(before: Any, after: Any) -> bool:
    if isinstance(before, list):
        return (
            isinstance(after, list)
            and len(after) == len(before)
            and all(_same_input(b, a) for b, a in zip(before, after, strict=True))
        )
    return np.array_equal(before, after, equal_nan=True) and np.shape(before) == np.shape(after)


def vectors(seed: int, n: int = 5) -> tuple[np.random.Generator, list[np.ndarray]]:
    """A generator seeded with ``seed`` and three standard normal vectors of length ``n`` drawn
    from it (parameters, optimizer state and gradient for the update-rule checks)."""
    rng = np.random.default_rng(seed)
    return rng, [rng.standard_normal(n) for _ in range(3)]
