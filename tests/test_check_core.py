"""coursekit.check.core: feedback, relative error, cases and hints."""

from __future__ import annotations

import numpy as np
import pytest

import coursekit as ck
from coursekit.check import CheckFailed, rel_error


def test_rel_error() -> None:
    assert rel_error([1.0, 2.0], [1.0, 2.0]) == 0.0
    assert rel_error([1.0], [3.0]) == pytest.approx(0.5)
    assert rel_error([0.0], [0.0]) == 0.0
    with pytest.raises(ValueError, match="shapes differ"):
        rel_error([1.0], [1.0, 2.0])


def test_check_failed_is_an_assertion_error() -> None:
    assert issubclass(CheckFailed, AssertionError)


def test_cases_are_fixed_with_a_seed_and_fresh_without() -> None:
    from coursekit.check.core import cases, seeds

    fixed = [(1, 2), (3, 4)]
    assert cases(7, fixed, lambda rng: (0, 0)) == [((1, 2), 7), ((3, 4), 8)]

    def draw(rng):
        return int(rng.integers(10**9))

    first, second = cases(None, fixed, draw, count=3), cases(None, fixed, draw, count=3)
    assert len(first) == 3 and first != second  # fresh entropy: another set of cases every call
    assert seeds(5, count=3) == [5, 6, 7]
    assert seeds(None, count=3) != seeds(None, count=3) != [0, 1, 2]


def test_matching_hint_names_the_first_mistake_that_reproduces_the_answer() -> None:
    from coursekit.check.core import matching_hint

    suspects = {"doubled": 2.0, "negated": -1.0, "also negated": -1.0}
    assert matching_hint(-1.0, suspects) == "negated"
    assert matching_hint(0.5, suspects) is None
    pair = {"swapped": (np.array([2.0]), np.array([1.0])), "wrong shape": (np.ones(2), np.ones(2))}
    assert matching_hint((np.array([2.0]), np.array([1.0])), pair) == "swapped"
    assert matching_hint((np.ones(1), np.ones(1)), pair) is None  # another shape never matches


def _student_momentum_step(theta, velocity, grad, lr, momentum):
    return theta + grad @ np.ones(grad.size + 1), velocity  # shapes that do not multiply: raises


def test_a_failed_check_renders_as_one_block_without_the_package_frames() -> None:
    import coursekit as ck

    with pytest.raises(CheckFailed) as caught:
        ck.check.check_momentum_step(_student_momentum_step)
    lines = caught.value._render_traceback_()
    text = "\n".join(lines)
    assert lines[0].endswith("Check failed\x1b[0m") and "your function raised" in text
    assert "coursekit/check" not in text and "coursekit\\check" not in text  # no machinery
    assert "_student_momentum_step" in text and "grad @ np.ones" in text  # the student's line
    assert all(len(line) <= 100 for line in lines if "File " not in line)


def test_ipython_shows_the_rendered_block(capsys: pytest.CaptureFixture[str]) -> None:
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    shell.user_ns["student"] = lambda *args: None
    result = shell.run_cell("import coursekit as ck\nck.check.check_momentum_step(student)")
    shown = capsys.readouterr()
    assert isinstance(result.error_in_exec, CheckFailed)
    assert "Check failed" in shown.out + shown.err and "core.py" not in shown.out + shown.err


def test_a_function_that_prints_a_lot_is_shortened_once(capsys) -> None:
    """Debugging prints in a loop: the first lines, once per check, and a note; the verdict is
    the same as without them. Short prints pass through unchanged."""

    def chatty(fan_in, fan_out, gain=1.0):
        for k in range(1000):
            print("debug", k)
        return gain * (6 / (fan_in + fan_out)) ** 0.5

    ck.check.check_xavier_uniform_bound(chatty)
    out = capsys.readouterr().out.splitlines()
    assert out[:10] == [f"debug {k}" for k in range(10)]
    assert "debug 10" not in out
    assert sum("printed 1000 lines in one call" in line for line in out) == 1
    assert out[-1].startswith("OK xavier_uniform_bound")
    assert all(len(line) <= 95 for line in out)

    def chatty_and_wrong(fan_in, fan_out, gain=1.0):
        for k in range(50):
            print(k)
        return 0.5

    with pytest.raises(CheckFailed, match="expected"):
        ck.check.check_xavier_uniform_bound(chatty_and_wrong)
    assert "printed 50 lines" in capsys.readouterr().out

    def brief(fan_in, fan_out, gain=1.0):
        print("fans", fan_in, fan_out)
        return gain * (6 / (fan_in + fan_out)) ** 0.5

    ck.check.check_xavier_uniform_bound(brief)
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "fans 100 100" and sum(line.startswith("fans") for line in out) >= 4
