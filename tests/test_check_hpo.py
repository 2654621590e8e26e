"""The checks of 5.6's exercises: a correct solution written from scratch passes, a function that
is not implemented yet is reported, and the usual mistakes are named."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import norm

import coursekit as ck
from coursekit.check import CheckFailed


def _todo(*args):
    raise NotImplementedError


def expected_improvement(mu, sigma, best, xi):
    improvement = best - mu - xi
    out = np.maximum(improvement, 0.0)
    positive = sigma > 0
    z = improvement[positive] / sigma[positive]
    out[positive] = improvement[positive] * norm.cdf(z) + sigma[positive] * norm.pdf(z)
    return out


def gp_posterior(X, y, X_star, length_scale, noise):
    def k(A, B):
        d2 = ((A[:, None, :] - B[None, :, :]) ** 2).sum(-1)
        return np.exp(-d2 / (2 * length_scale**2))

    L = np.linalg.cholesky(k(X, X) + noise * np.eye(len(X)))
    alpha = np.linalg.solve(L.T, np.linalg.solve(L, y))
    K_star = k(X, X_star)
    v = np.linalg.solve(L, K_star)
    return K_star.T @ alpha, np.sqrt(np.maximum(1.0 - (v**2).sum(0), 0.0))


def hyperband_brackets(max_resource, eta):
    s_max = 0
    while eta ** (s_max + 1) <= max_resource:
        s_max += 1
    budget = (s_max + 1) * max_resource
    brackets = []
    for s in range(s_max, -1, -1):
        n = math.ceil(budget * eta**s / (max_resource * (s + 1)) - 1e-9)
        r = max_resource / eta**s
        brackets.append([(n // eta**i, r * eta**i) for i in range(s + 1)])
    return brackets


def trials_needed(fraction, confidence):
    n = 1
    while 1 - (1 - fraction) ** n < confidence:
        n += 1
    return n


SOLUTIONS = [
    (ck.check.check_expected_improvement, expected_improvement),
    (ck.check.check_gp_posterior, gp_posterior),
    (ck.check.check_hyperband_brackets, hyperband_brackets),
    (ck.check.check_trials_needed, trials_needed),
    (ck.check.check_bo_design, lambda: {"n_initial": 3, "length_scale": 0.3}),
]


@pytest.mark.parametrize(("check", "solution"), SOLUTIONS)
def test_56_solutions_pass_and_todo_is_reported(check, solution, capsys) -> None:
    check(solution)
    check(solution, seed=None)
    assert capsys.readouterr().out.count("OK ") == 2
    with pytest.raises(CheckFailed, match="not implemented yet"):
        check(_todo)


def test_expected_improvement_names_the_maximization_mistake() -> None:
    def for_maximization(mu, sigma, best, xi):
        return expected_improvement(-mu, sigma, -best, xi)

    with pytest.raises(CheckFailed, match="formula for maximization"):
        ck.check.check_expected_improvement(for_maximization)

    def without_second_term(mu, sigma, best, xi):
        safe = np.where(sigma > 0, sigma, 1.0)
        gain = best - mu - xi
        return np.where(sigma > 0, gain * norm.cdf(gain / safe), np.maximum(gain, 0))

    with pytest.raises(CheckFailed, match=r"add sigma \* phi"):
        ck.check.check_expected_improvement(without_second_term)


def test_gp_posterior_names_variance_for_std() -> None:
    def variance(X, y, X_star, length_scale, noise):
        mean, std = gp_posterior(X, y, X_star, length_scale, noise)
        return mean, std**2

    with pytest.raises(CheckFailed, match="variance instead of the standard deviation"):
        ck.check.check_gp_posterior(variance)


def test_hyperband_brackets_names_the_rounding_mistake() -> None:
    def rounded_down(max_resource, eta):
        brackets = hyperband_brackets(max_resource, eta)
        s_max = len(brackets) - 1
        fixed = []
        for s, bracket in zip(range(s_max, -1, -1), brackets, strict=True):
            n = int((s_max + 1) * eta**s / (s + 1))
            fixed.append([(n // eta**i, r) for i, (_, r) in enumerate(bracket)])
        return fixed

    with pytest.raises(CheckFailed, match="round up"):
        ck.check.check_hyperband_brackets(rounded_down)
    with pytest.raises(CheckFailed, match="expected 5 brackets"):
        ck.check.check_hyperband_brackets(lambda R, eta: hyperband_brackets(R, eta)[1:])
    with pytest.raises(CheckFailed, match="return a list of brackets"):
        ck.check.check_hyperband_brackets(lambda R, eta: 5)


def test_trials_needed_names_rounding_down_and_the_wrong_probability() -> None:
    def rounded_down(fraction, confidence):
        return math.floor(math.log(1 - confidence) / math.log(1 - fraction))

    with pytest.raises(CheckFailed, match="round up, not down"):
        ck.check.check_trials_needed(rounded_down)

    def hit_instead_of_miss(fraction, confidence):
        return math.ceil(math.log(1 - confidence) / math.log(fraction))

    with pytest.raises(CheckFailed, match="1 - fraction"):
        ck.check.check_trials_needed(hit_instead_of_miss)


def test_bo_design_is_graded_by_running_it() -> None:
    # a length scale far below the table's spacing (1/7) makes BO no better than random search
    with pytest.raises(CheckFailed, match=r"random search: \d+%\); the target is 80%"):
        ck.check.check_bo_design(lambda: {"n_initial": 4, "length_scale": 0.02})
    with pytest.raises(CheckFailed, match="needs 'n_initial' and 'length_scale'"):
        ck.check.check_bo_design(lambda: {"n_initial": 4})
    with pytest.raises(CheckFailed, match="n_initial must be a whole number from 1 to 12"):
        ck.check.check_bo_design(lambda: {"n_initial": 0, "length_scale": 0.3})
    with pytest.raises(CheckFailed, match="length_scale must be in"):
        ck.check.check_bo_design(lambda: {"n_initial": 3, "length_scale": 50.0})
    with pytest.raises(CheckFailed, match="return a dict"):
        ck.check.check_bo_design(lambda: [3, 0.3])
