"""The predict-then-measure and design checks of 5.1-5.5: the right answers pass in visible and
grading mode, each typical wrong answer fails with its own hint, the references agree with the
experiments they predict, and the design experiments behave as their docstrings say."""

from __future__ import annotations

import math

import numpy as np
import pytest

import coursekit as ck
from coursekit import designs, optim
from coursekit.check import CheckFailed


def escape_saving(lr, curvature, factor):
    return math.log(factor) / math.log(1 + lr * curvature)


def stationary_variance(lr, curvature, grad_variance, batch_size):
    return lr * grad_variance / (batch_size * curvature * (2 - lr * curvature))


def divergence_thresholds(curvature, momentum):
    heavy = 2 * (1 + momentum) / curvature
    return heavy, heavy / (1 + 2 * momentum)


def preactivation_rms(width, std, depth):
    gain = width * std**2
    return math.sqrt(gain * (gain / 2) ** (depth - 1))


def leaky_init(fan_in, fan_out, rng):
    return rng.normal(0.0, math.sqrt(2 / ((1 + 0.2**2) * fan_in)), (fan_out, fan_in))


def step_schedule(t):
    return 0.07 if t < 60 else (0.01 if t < 85 else 0.003)


SOLUTIONS = {
    "escape_saving": (ck.check.check_escape_saving, escape_saving),
    "saddle_design": (ck.check.check_saddle_design, lambda: {"lr": 0.6, "noise": 1e-3}),
    "stationary_variance": (ck.check.check_stationary_variance, stationary_variance),
    "batch_design": (ck.check.check_batch_design, lambda: {"batch_size": 32, "lr": 3.0}),
    "divergence_thresholds": (ck.check.check_divergence_thresholds, divergence_thresholds),
    "schedule_design": (ck.check.check_schedule_design, step_schedule),
    "preactivation_rms": (ck.check.check_preactivation_rms, preactivation_rms),
    "leaky_init_design": (ck.check.check_leaky_init_design, leaky_init),
    "deep_network_design": (
        ck.check.check_deep_network_design,
        lambda: {"norm": "batch", "lr": 0.05},
    ),
}


@pytest.mark.parametrize("name", list(SOLUTIONS))
def test_the_right_answer_passes(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    check, solution = SOLUTIONS[name]
    check(solution)
    check(solution, seed=None)
    out = capsys.readouterr().out
    assert f"OK {name}: the visible checks passed" in out
    assert out.count(f"OK {name}: the") == 2


WRONG = [
    (ck.check.check_escape_saving, lambda lr, c, f: math.log(f) / (lr * c), "log(1 + x) ~ x"),
    (ck.check.check_escape_saving, lambda lr, c, f: 1 - 1 / f, "fixed number of steps"),
    (ck.check.check_saddle_design, lambda: {"lr": 0.5, "noise": 0.0}, "never moves"),
    (ck.check.check_saddle_design, lambda: {"lr": 0.1, "noise": 0.01}, "still near the saddle"),
    (ck.check.check_saddle_design, lambda: {"lr": 0.5, "noise": 0.05}, "shaking"),
    (ck.check.check_saddle_design, lambda: {"lr": 1.2, "noise": 0.01}, "diverged"),
    (ck.check.check_saddle_design, lambda: {"lr": 0.5}, "exactly the keys"),
    (
        ck.check.check_stationary_variance,
        lambda lr, c, s2, k: lr * s2 / (2 * k * c),
        "small-rate approximation",
    ),
    (ck.check.check_stationary_variance, lambda lr, c, s2, k: lr**2 * s2 / k, "one step adds"),
    (
        ck.check.check_stationary_variance,
        lambda lr, c, s2, k: lr * s2 / (c * (2 - lr * c)),
        "divide by batch_size",
    ),
    (ck.check.check_batch_design, lambda: {"batch_size": 32, "lr": 0.1}, "making use"),
    (ck.check.check_batch_design, lambda: {"batch_size": 2, "lr": 0.3}, "noisy steps"),
    (ck.check.check_batch_design, lambda: {"batch_size": 64, "lr": 1.0}, "[1, 33]"),
    (ck.check.check_batch_design, lambda: {"batch_size": 32.0, "lr": 1.0}, "an integer"),
    (ck.check.check_batch_design, lambda: {"batch_size": 1, "lr": 50.0}, "above its start"),
    (ck.check.check_divergence_thresholds, lambda c, b: (2 / c, 2 / c), "plain gradient"),
    (
        ck.check.check_divergence_thresholds,
        lambda c, b: (2 * (1 + b) / c, 2 * (1 + b) / c),
        "Nesterov's look-ahead",
    ),
    (
        ck.check.check_divergence_thresholds,
        lambda c, b: (2 / (c * (1 - b)), 1.0),
        "effective rate",
    ),
    (ck.check.check_divergence_thresholds, lambda c, b: 2 / c, "the tuple"),
    (ck.check.check_schedule_design, lambda t: 0.04, "constant rate"),
    (ck.check.check_schedule_design, lambda t: 0.01, "constant rate"),
    (ck.check.check_schedule_design, lambda t: 0.05 if t < 50 else 0.04, "what remains is noise"),
    (ck.check.check_schedule_design, lambda t: 0.01 if t < 50 else 0.005, "not been crossed"),
    (ck.check.check_schedule_design, lambda t: 0.09, "diverge"),
    (ck.check.check_schedule_design, lambda t: -0.1, "in [0, 1]"),
    (ck.check.check_preactivation_rms, lambda n, s, L: (n * s * s) ** (L / 2), "factor 1/2"),
    (ck.check.check_preactivation_rms, lambda n, s, L: (n * s * s / 2) ** (L / 2), "inputs"),
    (
        ck.check.check_preactivation_rms,
        lambda n, s, L: preactivation_rms(n, s, L) ** 2,
        "square root",
    ),
    (
        ck.check.check_leaky_init_design,
        lambda i, o, r: r.normal(0, math.sqrt(2 / i), (o, i)),
        "slope 0.2",
    ),
    (ck.check.check_leaky_init_design, lambda i, o, r: np.zeros((o, i)), "almost all weights"),
    (ck.check.check_leaky_init_design, lambda i, o, r: r.normal(0, 1e-3, (o, i)), "vanishes"),
    (
        ck.check.check_leaky_init_design,
        lambda i, o, r: r.normal(0, math.sqrt(2 / i), (i, o + 1)),
        "shape (fan_out, fan_in)",
    ),
    (ck.check.check_leaky_init_design, lambda i, o, r: [[0.0]], "NumPy array"),
    (
        ck.check.check_leaky_init_design,
        lambda i, o, r: r.normal(0, math.sqrt(2 / (1.04 * i)), (i, o)),
        "shape (fan_out, fan_in)",
    ),
    (ck.check.check_deep_network_design, lambda: {"norm": "none", "lr": 0.1}, "chance level"),
    (ck.check.check_deep_network_design, lambda: {"norm": "batch", "lr": 0.01}, "learns, but"),
    (ck.check.check_deep_network_design, lambda: {"norm": "group", "lr": 0.1}, "must be one"),
    (ck.check.check_deep_network_design, lambda: {"norm": "batch", "lr": 3.0}, "at the rate"),
    (ck.check.check_saddle_design, lambda: {"lr": 0.99, "noise": 1e-3}, "settle slowly"),
    (ck.check.check_batch_design, lambda: {"batch_size": 8, "lr": 4.0}, "edge of what"),
    (
        ck.check.check_stationary_variance,
        lambda lr, c, s2, k: lr * s2 / (k * (2 - lr * c)),
        "curvature is missing",
    ),
    (
        ck.check.check_escape_saving,
        lambda lr, c, f: float(round(escape_saving(lr, c, f))),
        "Rounded",
    ),
    (
        ck.check.check_divergence_thresholds,
        lambda c, b: (2 * (1 + b) / c, 2 / (c * (1 + b))),
        "velocity's",
    ),
    (ck.check.check_leaky_init_design, lambda i, o, r: 1.012 * np.eye(o, i), "identity"),
    (
        ck.check.check_preactivation_rms,
        lambda n, s, L: (n * s * s / 2) ** (L / 2),
        "ReLU outputs",
    ),
]


@pytest.mark.parametrize(("check", "student", "hint"), WRONG)
def test_typical_wrong_answers_get_their_hint(check, student, hint: str) -> None:
    with pytest.raises(CheckFailed) as failure:
        check(student)
    assert hint in str(failure.value)


def test_the_thresholds_are_where_the_packages_momentum_diverges() -> None:
    """The reference against the update rule it predicts (optim.momentum is itself tested
    against torch.optim.SGD): just below each threshold the iterate shrinks, just above it
    grows, for plain momentum and for Nesterov's form."""
    c = 10.0
    for beta in (0.0, 0.5, 0.9, 0.99):
        for rule, threshold in zip(
            (optim.momentum(beta), optim.momentum(beta, nesterov=True)),
            divergence_thresholds(c, beta),
            strict=True,
        ):
            for lr, grows in ((threshold * 0.99, False), (threshold * 1.01, True)):
                path = optim.descend(rule, lambda x: c * x, np.array([1.0]), 3000, lr, limit=1e12)
                assert bool(abs(path[-1, 0]) > 1) is grows, (beta, rule.name, lr)


def test_the_stationary_variance_is_what_sgd_settles_at() -> None:
    """The closed form against 4,000 chains of SGD on a 1-D quadratic, batches drawn with
    replacement from 2,000 samples."""
    rng = np.random.default_rng(0)
    x = rng.normal(3.0, 2.0, 2000)
    s2 = x.var()  # one sample's gradient c (theta - x_n) has variance c^2 var(x); here c = 1
    for lr, k in ((0.1, 4), (1.0, 10)):
        theta = np.full(4000, x.mean())
        for _ in range(200):
            batch = x[rng.integers(0, len(x), (4000, k))].mean(axis=1)
            theta = theta - lr * (theta - batch)
        measured = np.mean((theta - x.mean()) ** 2)
        assert abs(measured / stationary_variance(lr, 1.0, s2, k) - 1) < 0.08


def test_the_preactivation_rms_is_what_a_relu_network_gives() -> None:
    """The closed form is exact on average over the random weights (any width): measured over
    32 networks, whose mean squares scatter by about 20 % each."""
    rng = np.random.default_rng(1)
    for width, std, depth in ((256, math.sqrt(2 / 256), 6), (200, 0.06, 4)):
        squares = []
        for _ in range(32):
            a = rng.standard_normal((256, width))
            for _ in range(depth):
                z = a @ rng.normal(0, std, (width, width)).T
                a = np.maximum(z, 0)
            squares.append(np.mean(z**2))
        assert abs(np.sqrt(np.mean(squares)) / preactivation_rms(width, std, depth) - 1) < 0.1


def test_escape_saving_is_the_difference_of_two_escapes() -> None:
    """On the linear saddle f = (x^2 - c y^2) / 2, plain gradient descent from y0 and from
    factor * y0 differs by the predicted number of steps (up to rounding)."""
    lr, c, r = 0.1, 1.0, 1.0
    for factor in (4.0, 100.0):

        def steps(y0: float) -> int:
            y, t = y0, 0
            while abs(y) < r:
                y, t = y * (1 + lr * c), t + 1
            return t

        assert abs(steps(1e-8) - steps(factor * 1e-8) - escape_saving(lr, c, factor)) <= 1


def test_design_experiments() -> None:
    # the saddle: without noise nothing moves; a rate above 1 diverges at the minima
    assert designs.saddle_escape_run(0.5, 0.0).value == pytest.approx(0.25)
    assert designs.saddle_escape_run(1.2, 0.01).diverged
    # the noisy quadratic without noise, constant rate: the closed form
    rates = [0.05] * 30
    expected = 0.5 * ((10 * 0.95**30) ** 2 + 25 * (1 * (1 - 0.05 * 25) ** 30) ** 2)
    assert designs.noisy_quadratic_run(rates, noise=0.0).value == pytest.approx(expected)
    run = designs.noisy_quadratic_run([0.1] * 100)
    assert run.diverged and run.lr_then == 0.1
    # its exact expectation: the closed form without noise, the mean of many noisy runs with it
    assert designs.noisy_quadratic_expected(rates, noise=0.0) == pytest.approx(expected)
    step = [0.07] * 60 + [0.01] * 25 + [0.003] * 15
    runs = [designs.noisy_quadratic_run(step, seed=s).value for s in range(2000)]
    standard_error = np.std(runs) / np.sqrt(len(runs))
    assert abs(np.mean(runs) - designs.noisy_quadratic_expected(step)) < 4 * standard_error
    assert designs.noisy_quadratic_expected([0.1] * 100) == math.inf
    # the budget run: theta = 0 gives log(10); a tiny rate hardly moves
    assert designs.softmax_budget_run(8, 1e-9, updates=1).value == pytest.approx(math.log(10))
    # the leaky-ReLU signal: He's gain for slope 0.2 keeps it, a gain of 1 loses it
    forward, backward = designs.leaky_relu_signal(leaky_init)
    assert 0.5 < forward < 2 and 0.5 < backward < 2
    small = designs.leaky_relu_signal(lambda i, o, r: r.normal(0, math.sqrt(1 / i), (o, i)))
    assert max(small) < 1e-3
    with pytest.raises(ValueError, match="shape"):
        designs.leaky_relu_signal(lambda i, o, r: np.zeros((o, i + 1)))
    # the deep network: BN learns in one epoch, no normalization stays at chance
    assert designs.deep_digits_run("batch", 0.05).value > 0.8
    assert designs.deep_digits_run("none", 0.1).value < 0.2
