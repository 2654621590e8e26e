"""Hyperparameter optimization (超参数优化, 5.6): grid, random and Bayesian search, and dynamic
resource allocation (successive halving, Hyperband).

Every search minimizes an ``objective``: a function of a configuration (a ``dict`` of
hyperparameter values) that returns a number, lower is better (a validation loss, or 1 - accuracy).
Each evaluation is recorded as a :class:`Trial` with its configuration, value and cost.

* Search spaces: :class:`LogUniform`, :class:`Uniform`, :class:`Integer`, :class:`Categorical`
  dimensions in a ``dict`` (:func:`sample`, :func:`to_unit`, :func:`from_unit`).
* :func:`grid_points`, :func:`grid_search` (the order of ``sklearn.model_selection.ParameterGrid``)
  and :func:`random_search` (Bergstra & Bengio, JMLR 2012).
* :class:`GaussianProcess` (Rasmussen & Williams, *Gaussian Processes for Machine Learning*, 2006,
  Algorithm 2.1), :func:`expected_improvement` and :func:`bayesian_optimization`, the SMBO loop
  (Hutter, Hoos & Leyton-Brown, LION 2011), here with a GP and EI as in Snoek, Larochelle & Adams,
  NeurIPS 2012.
* :func:`optuna_search`: the same searches with Optuna's samplers (random, TPE, GP).
* :func:`mlp_objective`: the course MLP on the digits, really trained (with the epochs as the
  resource of dynamic resource allocation).
* :func:`successive_halving` (Jamieson & Talwalkar, AISTATS 2016, with the schedule of
  scikit-learn's ``HalvingRandomSearchCV``) and :func:`hyperband_brackets` (Li et al., JMLR 2017,
  Algorithm 1).
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np
from scipy import stats

from . import validate

__all__ = [
    "MLP_DEFAULTS",
    "BayesianStep",
    "Categorical",
    "GaussianProcess",
    "Integer",
    "LogUniform",
    "TabulatedObjective",
    "Trial",
    "Uniform",
    "bayesian_optimization",
    "best_trial",
    "expected_improvement",
    "fit_length_scale",
    "from_unit",
    "grid_points",
    "grid_search",
    "grid_versus_random",
    "hyperband",
    "hyperband_brackets",
    "importance_toy",
    "mlp_learning_curve",
    "mlp_objective",
    "optuna_distributions",
    "optuna_pruned_search",
    "optuna_search",
    "random_search",
    "sample",
    "successive_halving",
    "tabulate",
    "to_unit",
    "toy_objective_1d",
    "trials_needed",
]


# ---- search spaces ---------------------------------------------------------------------------


def _bounds(low: Any, high: Any, *, positive: bool = False) -> tuple[float, float]:
    low = validate.real("low", low, low=0, low_open=True) if positive else validate.real("low", low)
    high = validate.real("high", high)
    if not high > low:
        raise ValueError(f"high must be > low, got low={low}, high={high}")
    return low, high


@dataclass(frozen=True)
class LogUniform:
    """A positive real whose logarithm is uniform on [log low, log high] (for learning rates,
    weight decay: every decade equally likely)."""

    low: float
    high: float

    def __post_init__(self) -> None:
        _bounds(self.low, self.high, positive=True)

    def sample(self, rng: np.random.Generator, size: int | None = None) -> Any:
        return np.exp(rng.uniform(np.log(self.low), np.log(self.high), size))

    def to_unit(self, x: Any) -> Any:
        return (np.log(x) - np.log(self.low)) / (np.log(self.high) - np.log(self.low))

    def from_unit(self, u: Any) -> Any:
        return np.exp(np.log(self.low) + np.asarray(u) * (np.log(self.high) - np.log(self.low)))


@dataclass(frozen=True)
class Uniform:
    """A real uniform on [low, high]."""

    low: float
    high: float

    def __post_init__(self) -> None:
        _bounds(self.low, self.high)

    def sample(self, rng: np.random.Generator, size: int | None = None) -> Any:
        return rng.uniform(self.low, self.high, size)

    def to_unit(self, x: Any) -> Any:
        return (np.asarray(x, dtype=float) - self.low) / (self.high - self.low)

    def from_unit(self, u: Any) -> Any:
        return self.low + np.asarray(u) * (self.high - self.low)


@dataclass(frozen=True)
class Integer:
    """An integer uniform on {low, ..., high} (both included): widths, depths, batch sizes."""

    low: int
    high: int

    def __post_init__(self) -> None:
        low = validate.integer("low", self.low)
        high = validate.integer("high", self.high)
        if not high > low:
            raise ValueError(f"high must be > low, got low={low}, high={high}")

    def sample(self, rng: np.random.Generator, size: int | None = None) -> Any:
        return rng.integers(self.low, self.high + 1, size)

    def to_unit(self, x: Any) -> Any:
        return (np.asarray(x, dtype=float) - self.low) / (self.high - self.low)

    def from_unit(self, u: Any) -> Any:
        values = np.rint(self.low + np.asarray(u) * (self.high - self.low)).astype(int)
        return int(values) if values.ndim == 0 else values


@dataclass(frozen=True)
class Categorical:
    """One of a few unordered ``choices`` (activation functions, optimizers)."""

    choices: tuple[Any, ...]

    def __post_init__(self) -> None:
        if isinstance(self.choices, (str, bytes)) or not isinstance(self.choices, Sequence):
            raise TypeError(f"choices must be a sequence, got {type(self.choices).__name__}")
        if len(self.choices) < 2:
            raise ValueError(f"choices must hold at least 2 values, got {list(self.choices)}")
        object.__setattr__(self, "choices", tuple(self.choices))

    def sample(self, rng: np.random.Generator, size: int | None = None) -> Any:
        index = rng.integers(len(self.choices), size=size)
        if size is None:
            return self.choices[int(index)]
        return [self.choices[int(i)] for i in index]

    def to_unit(self, x: Any) -> float:
        return self.choices.index(x) / (len(self.choices) - 1)

    def from_unit(self, u: Any) -> Any:
        return self.choices[int(np.rint(float(u) * (len(self.choices) - 1)))]


Dimension = LogUniform | Uniform | Integer | Categorical
Space = Mapping[str, Dimension]


def _check_space(space: Any) -> list[str]:
    if not isinstance(space, Mapping) or not space:
        raise TypeError(
            "space must be a non-empty dict of dimensions, e.g. {'lr': LogUniform(1e-3, 1)}, "
            f"got {type(space).__name__ if not isinstance(space, Mapping) else 'an empty dict'}"
        )
    for name, dim in space.items():
        if not isinstance(dim, (LogUniform, Uniform, Integer, Categorical)):
            raise TypeError(
                f"space[{name!r}] must be LogUniform, Uniform, Integer or Categorical, got "
                f"{type(dim).__name__}"
            )
    return sorted(space)


def _plain(value: Any) -> Any:
    """NumPy scalars as Python numbers, so that configurations print and compare simply."""
    return value.item() if isinstance(value, np.generic) else value


def sample(space: Space, rng: np.random.Generator) -> dict[str, Any]:
    """One configuration drawn independently from every dimension of ``space`` (sorted names)."""
    names = _check_space(space)
    rng = validate.generator("rng", rng)
    return {name: _plain(space[name].sample(rng)) for name in names}


def to_unit(space: Space, config: Mapping[str, Any]) -> np.ndarray:
    """``config`` as a point of the unit cube [0, 1]^d (dimensions in sorted order; log scale for
    :class:`LogUniform`), where the Gaussian process of :func:`bayesian_optimization` works."""
    names = _check_space(space)
    missing = [n for n in names if n not in config]
    if missing:
        raise ValueError(f"config lacks the hyperparameters {missing}")
    return np.array([float(space[n].to_unit(config[n])) for n in names])


def from_unit(space: Space, u: Any) -> dict[str, Any]:
    """The configuration at the point ``u`` of the unit cube (the inverse of :func:`to_unit`)."""
    names = _check_space(space)
    u = validate.array("u", u, ndim=1)
    if len(u) != len(names) or np.any((u < 0) | (u > 1)):
        raise ValueError(f"u must hold {len(names)} values in [0, 1], got {u.tolist()}")
    return {name: _plain(space[name].from_unit(x)) for name, x in zip(names, u, strict=True)}


# ---- trials, grid and random search ----------------------------------------------------------


@dataclass
class Trial:
    """One evaluation: its number, configuration, objective value (lower is better), the seconds
    it took and, for dynamic resource allocation, the resource it was given."""

    number: int
    config: dict[str, Any]
    value: float
    seconds: float
    resource: float | None = None


def _evaluate(
    objective: Callable[..., Any], config: dict[str, Any], number: int, *args: Any
) -> Trial:
    tick = time.perf_counter()
    value = objective(config, *args)
    seconds = time.perf_counter() - tick
    value = validate.real(f"objective({config})", value, finite=False)
    resource = float(args[0]) if args else None
    return Trial(number, dict(config), value, seconds, resource)


def grid_points(param_grid: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    """Every combination of the listed values: m_1 x m_2 x ... x m_K configurations.

    The order is that of ``sklearn.model_selection.ParameterGrid``: names sorted, the last name
    varying fastest.
    """
    if not isinstance(param_grid, Mapping) or not param_grid:
        raise TypeError("param_grid must be a non-empty dict of lists, e.g. {'lr': [0.01, 0.1]}")
    names = sorted(param_grid)
    for name in names:
        values = param_grid[name]
        if isinstance(values, (str, bytes)) or not isinstance(values, Sequence) or not values:
            raise ValueError(f"param_grid[{name!r}] must be a non-empty list, got {values!r}")
    points: list[dict[str, Any]] = [{}]
    for name in names:
        points = [{**p, name: v} for p in points for v in param_grid[name]]
    return points


def grid_search(
    objective: Callable[[dict[str, Any]], float], param_grid: Mapping[str, Sequence[Any]]
) -> list[Trial]:
    """Evaluate ``objective`` at every point of the grid (:func:`grid_points`); all trials."""
    validate.function("objective", objective)
    return [_evaluate(objective, c, i) for i, c in enumerate(grid_points(param_grid))]


def random_search(
    objective: Callable[[dict[str, Any]], float], space: Space, n_trials: int, *, seed: int = 0
) -> list[Trial]:
    """Evaluate ``objective`` at ``n_trials`` configurations drawn independently from ``space``.

    Where only a few of the hyperparameters matter, n random trials try n different values of
    each, while a grid of n points tries only n^(1/K) (Bergstra & Bengio 2012).
    """
    validate.function("objective", objective)
    _check_space(space)
    n_trials = validate.integer("n_trials", n_trials, low=1)
    rng = np.random.default_rng(validate.seed("seed", seed))
    return [_evaluate(objective, sample(space, rng), i) for i in range(n_trials)]


def trials_needed(fraction: float, confidence: float) -> int:
    """The smallest number n of independent random trials such that, with probability at least
    ``confidence``, at least one of them lands in the best ``fraction`` of the search space:

        P(n) = 1 - (1 - fraction)^n >= confidence  <=>  n >= log(1 - confidence) / log(1 - fraction)

    (for the top 5 % with probability 0.95: n = 59). The count is exact: the ceiling is corrected
    when rounding puts the ratio on the wrong side of an integer.
    """
    fraction = validate.real("fraction", fraction, low=0, high=1, low_open=True, high_open=True)
    confidence = validate.real(
        "confidence", confidence, low=0, high=1, low_open=True, high_open=True
    )
    n = max(1, math.ceil(math.log1p(-confidence) / math.log1p(-fraction)))
    while n > 1 and 1 - (1 - fraction) ** (n - 1) >= confidence:
        n -= 1
    while 1 - (1 - fraction) ** n < confidence:
        n += 1
    return n


def best_trial(trials: Sequence[Trial]) -> Trial:
    """The trial with the lowest value (the first one, on ties)."""
    if not trials or not all(isinstance(t, Trial) for t in trials):
        raise ValueError("trials must be a non-empty list of Trial")
    return min(trials, key=lambda t: t.value)


# ---- Bayesian optimization -------------------------------------------------------------------

KERNELS = ("rbf", "matern52")


class GaussianProcess:
    """Gaussian-process regression with fixed hyperparameters (Rasmussen & Williams, Alg. 2.1).

    Prior f ~ GP(0, k) with, for r = ||x - x'|| / length_scale,

        "rbf":       k(x, x') = s^2 exp(-r^2 / 2)
        "matern52":  k(x, x') = s^2 (1 + sqrt(5) r + 5 r^2 / 3) exp(-sqrt(5) r)

    (s^2 = ``signal_variance``), observations y = f(x) + noise with variance ``noise``. With
    ``normalize_y`` the targets are standardized before fitting and the predictions scaled back,
    as in ``sklearn.gaussian_process.GaussianProcessRegressor``, which it equals in mean, standard
    deviation and log marginal likelihood.
    """

    def __init__(
        self,
        kernel: str = "matern52",
        length_scale: float = 1.0,
        signal_variance: float = 1.0,
        noise: float = 1e-10,
        normalize_y: bool = False,
    ) -> None:
        self.kernel = validate.one_of("kernel", kernel, KERNELS)
        self.length_scale = validate.real("length_scale", length_scale, low=0, low_open=True)
        self.signal_variance = validate.real(
            "signal_variance", signal_variance, low=0, low_open=True
        )
        self.noise = validate.real("noise", noise, low=0)
        self.normalize_y = validate.flag("normalize_y", normalize_y)

    def k(self, A: np.ndarray, B: np.ndarray) -> np.ndarray:
        """The kernel matrix k(A_i, B_j)."""
        sq = np.sum(A**2, 1)[:, None] + np.sum(B**2, 1)[None, :] - 2 * A @ B.T
        r = np.sqrt(np.maximum(sq, 0.0)) / self.length_scale
        if self.kernel == "rbf":
            return self.signal_variance * np.exp(-0.5 * r**2)
        return (
            self.signal_variance * (1 + math.sqrt(5) * r + 5 * r**2 / 3) * np.exp(-math.sqrt(5) * r)
        )

    def fit(self, X: Any, y: Any) -> GaussianProcess:
        """Condition on the observations (X, y): X (n, d), y (n,)."""
        X = validate.array("X", X, ndim=2)
        y = validate.array("y", y, ndim=1)
        if len(X) != len(y) or len(y) == 0:
            raise ValueError(
                f"X and y must hold the same number (>= 1) of points, got {len(X)} and {len(y)}"
            )
        self.y_mean_, self.y_std_ = 0.0, 1.0
        if self.normalize_y:
            self.y_mean_ = float(np.mean(y))
            std = float(np.std(y))
            self.y_std_ = std if std > 0 else 1.0
        self.X_train_ = X.copy()
        self.y_train_ = (y - self.y_mean_) / self.y_std_
        K = self.k(X, X) + self.noise * np.eye(len(X))
        self.L_ = np.linalg.cholesky(K)  # line 2: L = cholesky(K + sigma_n^2 I)
        self.alpha_ = np.linalg.solve(  # line 3: alpha = L^T \ (L \ y)
            self.L_.T, np.linalg.solve(self.L_, self.y_train_)
        )
        return self

    def predict(self, X: Any, return_std: bool = False) -> Any:
        """The posterior mean at X (m, d), and its standard deviation with ``return_std``."""
        if not hasattr(self, "L_"):
            raise RuntimeError("call fit(X, y) before predict")
        X = validate.array("X", X, ndim=2)
        if X.shape[1] != self.X_train_.shape[1]:
            raise ValueError(f"X must have {self.X_train_.shape[1]} columns, got {X.shape[1]}")
        K_star = self.k(self.X_train_, X)
        mean = K_star.T @ self.alpha_  # line 4: f_* = k_*^T alpha
        mean = mean * self.y_std_ + self.y_mean_
        if not return_std:
            return mean
        v = np.linalg.solve(self.L_, K_star)  # line 5: v = L \ k_*
        var = self.signal_variance - np.sum(v**2, axis=0)  # line 6: V[f_*] = k(x_*, x_*) - v^T v
        return mean, np.sqrt(np.maximum(var, 0.0)) * self.y_std_

    def log_marginal_likelihood(self) -> float:
        """log p(y | X) = -y^T alpha / 2 - sum_i log L_ii - n/2 log 2 pi (line 8), for the
        (standardized, with ``normalize_y``) training targets."""
        if not hasattr(self, "L_"):
            raise RuntimeError("call fit(X, y) before log_marginal_likelihood")
        n = len(self.y_train_)
        return float(
            -0.5 * self.y_train_ @ self.alpha_
            - np.sum(np.log(np.diag(self.L_)))
            - 0.5 * n * math.log(2 * math.pi)
        )


def fit_length_scale(
    gp: GaussianProcess, X: Any, y: Any, candidates: Sequence[float] | None = None
) -> GaussianProcess:
    """Choose the length scale that maximizes the log marginal likelihood (type-II maximum
    likelihood, Rasmussen & Williams section 5.4) among ``candidates`` (default: 41 values from
    0.01 to 10, log-spaced), then fit ``gp`` with it; returns ``gp``.

    The marginal likelihood trades the data fit (-y^T alpha / 2) against complexity
    (-log |K| / 2): too short a length scale explains noise, too long a one misses the shape.
    """
    if not isinstance(gp, GaussianProcess):
        raise TypeError(f"gp must be a GaussianProcess, got {type(gp).__name__}")
    grid = (
        np.logspace(-2, 1, 41)
        if candidates is None
        else validate.array("candidates", candidates, ndim=1)
    )
    if np.any(grid <= 0) or len(grid) == 0:
        raise ValueError("candidates must be length scales > 0")
    best, best_lml = None, -np.inf
    for length_scale in grid:
        gp.length_scale = float(length_scale)
        try:
            lml = gp.fit(X, y).log_marginal_likelihood()
        except np.linalg.LinAlgError:  # K not positive definite at this scale: skip it
            continue
        if lml > best_lml:
            best, best_lml = float(length_scale), lml
    if best is None:
        raise ValueError("no candidate length scale gives a positive-definite kernel matrix")
    gp.length_scale = best
    return gp.fit(X, y)


def expected_improvement(mu: Any, sigma: Any, best: float, xi: float = 0.0) -> np.ndarray:
    """Expected improvement over ``best`` for **minimization** (Mockus 1978; Jones et al. 1998).

    With I = best - mu - xi and z = I / sigma:  EI = I Phi(z) + sigma phi(z), the expectation of
    max(best - xi - f, 0) for f ~ N(mu, sigma^2); as sigma -> 0 it tends to max(I, 0). ``xi`` >= 0
    asks for improvements of at least xi (more exploration).
    """
    mu = np.asarray(validate.array("mu", mu), dtype=float)
    sigma = np.asarray(validate.array("sigma", sigma), dtype=float)
    if mu.shape != sigma.shape:
        raise ValueError(f"mu and sigma must have the same shape, got {mu.shape} and {sigma.shape}")
    if np.any(sigma < 0):
        raise ValueError("sigma must be >= 0")
    best = validate.real("best", best)
    xi = validate.real("xi", xi, low=0)
    improvement = best - mu - xi
    safe = np.where(sigma > 0, sigma, 1.0)
    z = improvement / safe
    ei = improvement * stats.norm.cdf(z) + safe * stats.norm.pdf(z)
    return np.where(sigma > 0, ei, np.maximum(improvement, 0.0))


@dataclass
class BayesianStep:
    """One round of the SMBO loop: the GP fitted to the observations so far (in the unit cube),
    the candidate points, their expected improvement, and the point chosen next."""

    gp: GaussianProcess
    X: np.ndarray
    y: np.ndarray
    candidates: np.ndarray
    ei: np.ndarray
    chosen: np.ndarray


@dataclass
class BayesianResult:
    trials: list[Trial]
    steps: list[BayesianStep] = field(default_factory=list)


def bayesian_optimization(
    objective: Callable[[dict[str, Any]], float],
    space: Space,
    n_trials: int,
    *,
    n_initial: int = 5,
    seed: int = 0,
    xi: float = 0.01,
    n_candidates: int = 2000,
    kernel: str = "matern52",
    length_scale: float = 0.25,
    noise: float = 1e-6,
    normalize_y: bool = True,
) -> BayesianResult:
    """Sequential model-based optimization (SMBO) with a Gaussian process and expected improvement.

    1. Evaluate ``n_initial`` random configurations (the history H = {(x_n, y_n)}).
    2. Fit the GP to H in the unit cube (:func:`to_unit`), with standardized targets.
    3. Pick, among ``n_candidates`` random points of the cube, the one of largest EI.
    4. Evaluate it, add it to H, and repeat from 2 until ``n_trials`` evaluations.

    Every round is recorded (:class:`BayesianStep`) for the figures.
    """
    validate.function("objective", objective)
    names = _check_space(space)
    n_trials = validate.integer("n_trials", n_trials, low=1)
    n_initial = validate.integer("n_initial", n_initial, low=1, high=n_trials)
    n_candidates = validate.integer("n_candidates", n_candidates, low=1)
    rng = np.random.default_rng(validate.seed("seed", seed))
    prototype = GaussianProcess(kernel, length_scale, 1.0, noise, normalize_y)
    result = BayesianResult(trials=[])
    for i in range(n_initial):
        result.trials.append(_evaluate(objective, sample(space, rng), i))
    while len(result.trials) < n_trials:
        X = np.array([to_unit(space, t.config) for t in result.trials])
        y = np.array([t.value for t in result.trials])
        gp = copy.copy(prototype).fit(X, y)
        candidates = rng.uniform(0, 1, (n_candidates, len(names)))
        mu, sigma = gp.predict(candidates, return_std=True)
        ei = expected_improvement(mu, sigma, float(y.min()), xi)
        chosen = candidates[int(np.argmax(ei))]
        result.steps.append(BayesianStep(gp, X, y, candidates, ei, chosen))
        config = from_unit(space, chosen)
        result.trials.append(_evaluate(objective, config, len(result.trials)))
    return result


# ---- dynamic resource allocation -------------------------------------------------------------


def _floor_log(x: int, base: int) -> int:
    """The largest integer p with base^p <= x (exactly, without floating-point logarithms)."""
    p = 0
    while base ** (p + 1) <= x:
        p += 1
    return p


def hyperband_brackets(max_resource: int, eta: int = 3) -> list[list[tuple[int, float]]]:
    """The brackets of Hyperband (Li et al. 2017, Algorithm 1): for s = s_max, ..., 0 the
    successive-halving rounds [(n_0, r_0), ..., (n_s, r_s)].

    s_max = floor(log_eta R), B = (s_max + 1) R, n = ceil(B / R * eta^s / (s + 1)), r = R eta^-s,
    and in round i: n_i = floor(n eta^-i) configurations get r_i = r eta^i resource each.
    """
    R = validate.integer("max_resource", max_resource, low=1)
    eta = validate.integer("eta", eta, low=2)
    s_max = _floor_log(R, eta)
    budget = (s_max + 1) * R
    brackets = []
    for s in range(s_max, -1, -1):
        n = math.ceil(Fraction(budget, R) * Fraction(eta**s, s + 1))
        rounds = []
        for i in range(s + 1):
            r = Fraction(R) * Fraction(eta) ** (i - s)
            rounds.append((n // eta**i, int(r) if r.denominator == 1 else float(r)))
        brackets.append(rounds)
    return brackets


@dataclass
class HalvingRound:
    """One round of successive halving: the resource each candidate got, and their trials."""

    resource: int
    trials: list[Trial]

    def best_configs(self, keep: int) -> list[dict[str, Any]]:
        """The configurations of the ``keep`` lowest values (ties keep their order)."""
        return [t.config for t in sorted(self.trials, key=lambda t: t.value)[:keep]]


def _halving_round(
    objective: Callable[..., float], configs: list[dict[str, Any]], resource: Any, number: int
) -> HalvingRound:
    """Evaluate every configuration with ``resource``; trials numbered from ``number``."""
    trials = [_evaluate(objective, c, number + i, resource) for i, c in enumerate(configs)]
    return HalvingRound(resource, trials)


def successive_halving(
    objective: Callable[[dict[str, Any], int], float],
    configs: Sequence[Mapping[str, Any]],
    *,
    min_resource: int,
    max_resource: int,
    eta: int = 3,
) -> list[HalvingRound]:
    """Successive halving (Jamieson & Talwalkar 2016): evaluate every configuration with a small
    resource, keep the best 1/eta, multiply the resource by eta, and repeat.

    The schedule is that of scikit-learn's ``HalvingRandomSearchCV`` (``aggressive_elimination=
    False``): with n candidates, ``1 + floor(log_eta n)`` rounds are needed to get below eta
    candidates and ``1 + floor(log_eta(max_resource // min_resource))`` fit in the resource, the
    smaller of the two is run; round i gives min(eta^i min_resource, max_resource) to each of the
    remaining candidates and keeps ceil(n_i / eta) of them. ``objective(config, resource)``
    returns a value to minimize.
    """
    validate.function("objective", objective)
    if isinstance(configs, (str, bytes)) or not isinstance(configs, Sequence) or not configs:
        raise ValueError("configs must be a non-empty list of configurations (dicts)")
    min_resource = validate.integer("min_resource", min_resource, low=1)
    max_resource = validate.integer("max_resource", max_resource, low=min_resource)
    eta = validate.integer("eta", eta, low=2)
    required = 1 + _floor_log(len(configs), eta)
    possible = 1 + _floor_log(max_resource // min_resource, eta)
    remaining = [dict(c) for c in configs]
    rounds: list[HalvingRound] = []
    number = 0
    for i in range(min(required, possible)):
        resource = min(eta**i * min_resource, max_resource)
        rounds.append(_halving_round(objective, remaining, resource, number))
        number += len(remaining)
        remaining = rounds[-1].best_configs(math.ceil(len(remaining) / eta))
    return rounds


# ---- objectives: the course MLP on the digits --------------------------------------------------

#: The hyperparameters :func:`mlp_objective` understands, and their values when not searched.
MLP_DEFAULTS: dict[str, Any] = {
    "lr": 0.1,
    "weight_decay": 0.0,
    "width": 64,
    "depth": 1,
    "activation": "relu",
    "batch_size": 32,
}


def _check_data(data: Any) -> None:
    for attribute in ("X_train", "y_train", "X_val", "y_val"):
        if not hasattr(data, attribute):
            raise TypeError(
                f"data must be a Dataset such as data.load_digits_split(), without {attribute}"
            )


def _train_course_mlp(
    data: Any,
    config: Any,
    epochs: int,
    seed: int,
    callback: Callable[[Any], bool] | None = None,
) -> Any:
    """Validate ``config`` (names and ranges, defaults from :data:`MLP_DEFAULTS`), then train the
    course MLP with SGD for ``epochs`` epochs; the :class:`coursekit.train.History`."""
    import torch

    from . import train  # torch is imported only by objectives that train

    if not isinstance(config, Mapping):
        raise TypeError(f"config must be a dict of hyperparameters, got {type(config).__name__}")
    unknown = sorted(set(config) - set(MLP_DEFAULTS))
    if unknown:
        raise ValueError(
            f"config: unknown hyperparameters {unknown}; known: {sorted(MLP_DEFAULTS)}"
        )
    c = {**MLP_DEFAULTS, **config}
    lr = validate.real("config['lr']", c["lr"], low=0, low_open=True)
    weight_decay = validate.real("config['weight_decay']", c["weight_decay"], low=0)
    width = validate.integer("config['width']", c["width"], low=1)
    depth = validate.integer("config['depth']", c["depth"], low=0)
    batch_size = validate.integer("config['batch_size']", c["batch_size"], low=1)
    activation = validate.one_of(
        "config['activation']", c["activation"], ["identity", "relu", "sigmoid", "tanh"]
    )
    _, history = train.train_mlp(
        data.X_train,
        data.y_train,
        lambda params: torch.optim.SGD(params, lr=lr, weight_decay=weight_decay),
        hidden=[width] * depth,
        activation=activation,
        seed=seed,
        batch_size=batch_size,
        epochs=epochs,
        val=(data.X_val, data.y_val),
        on_divergence="stop",
        callback=callback,
    )
    return history


def mlp_objective(data: Any, *, epochs: int = 3, seed: int = 0) -> Callable[..., float]:
    """An objective that really trains: ``objective(config, resource=None)`` builds the course MLP
    (``depth`` hidden layers of ``width`` units, ``activation``), trains it with SGD (``lr``,
    ``weight_decay``, ``batch_size``) for ``resource`` epochs (default ``epochs``) and returns
    1 - validation accuracy (1.0 if the run diverged). Hyperparameters missing from ``config``
    take :data:`MLP_DEFAULTS`. The same configuration and seed always give the same value; the
    resource (epochs) is what successive halving and Hyperband hand out.
    """
    _check_data(data)
    epochs = validate.integer("epochs", epochs, low=1)
    seed = validate.seed("seed", seed)

    def objective(config: Mapping[str, Any], resource: float | None = None) -> float:
        n_epochs = epochs if resource is None else validate.integer("resource", resource, low=1)
        history = _train_course_mlp(data, config, n_epochs, seed)
        return 1.0 if history.diverged else 1.0 - history.val_acc[-1]

    return objective


# ---- toy problems for the lecture's pictures ---------------------------------------------------


def importance_toy(importance: float) -> Callable[[Any, Any], Any]:
    """f(x, y) = g(x) + h(y) / importance on [0, 1]^2, to minimize: x matters ``importance``
    times as much as y (the picture of Bergstra & Bengio 2012, figure 1).

    g(x) = 1 - exp(-(x - 0.73)^2 / (2 * 0.06^2)) has a narrow valley that a coarse grid can
    miss; h(y) = 1 - exp(-(y - 0.35)^2 / (2 * 0.3^2)) barely matters when importance is large.
    """
    importance = validate.real("importance", importance, low=1)

    def f(x: Any, y: Any) -> Any:
        g = 1 - np.exp(-((np.asarray(x) - 0.73) ** 2) / (2 * 0.06**2))
        h = 1 - np.exp(-((np.asarray(y) - 0.35) ** 2) / (2 * 0.3**2))
        return g + h / importance

    return f


def grid_versus_random(
    f: Callable[[Any, Any], Any], n_trials: int, *, seed: int = 0, shift: bool = False
) -> dict[str, Any]:
    """The same budget two ways on [0, 1]^2: a grid of m x m points (m = floor(sqrt(n_trials)),
    at the centres of m cells, or with ``shift`` moved by a random offset in [-1/2m, 1/2m) along
    each axis, so that a comparison over many seeds does not depend on where the grid's lines
    happen to fall) and ``n_trials`` uniform random points.

    Returns the points, the best value each found, and how many distinct values of the first
    coordinate each tried (m for the grid, n for random search: Bergstra & Bengio's argument).
    """
    validate.function("f", f)
    n_trials = validate.integer("n_trials", n_trials, low=1)
    rng = np.random.default_rng(validate.seed("seed", seed))
    shift = validate.flag("shift", shift)
    m = math.isqrt(n_trials)
    offset = rng.uniform(0, 1, 2) if shift else np.full(2, 0.5)
    ticks_x, ticks_y = ((np.arange(m) + o) / m for o in offset)
    grid = np.array([(x, y) for x in ticks_x for y in ticks_y])
    random = rng.uniform(0, 1, (n_trials, 2))
    grid_values, random_values = f(grid[:, 0], grid[:, 1]), f(random[:, 0], random[:, 1])
    return {
        "grid": grid,
        "random": random,
        "grid_best": float(np.min(grid_values)),
        "random_best": float(np.min(random_values)),
        "grid_distinct_x": m,
        "random_distinct_x": len(np.unique(random[:, 0])),
    }


def toy_objective_1d(x: Any) -> Any:
    """A smooth function on [0, 1] with several valleys, the deepest near x = 0.38 (for the
    Bayesian optimization pictures): sin(12 x) / 2 + (x - 0.5)^2 + 0.3 sin(31 x) / 4."""
    x = np.asarray(x, dtype=float)
    return np.sin(12 * x) / 2 + (x - 0.5) ** 2 + 0.3 * np.sin(31 * x) / 4


# ---- the same searches with Optuna -------------------------------------------------------------

OPTUNA_SAMPLERS = ("random", "tpe", "gp")


def optuna_distributions(space: Space) -> dict[str, Any]:
    """``space`` as Optuna distributions: LogUniform -> FloatDistribution(log=True), Uniform ->
    FloatDistribution, Integer -> IntDistribution, Categorical -> CategoricalDistribution."""
    import optuna

    names = _check_space(space)
    out: dict[str, Any] = {}
    for name in names:
        dim = space[name]
        if isinstance(dim, LogUniform):
            out[name] = optuna.distributions.FloatDistribution(dim.low, dim.high, log=True)
        elif isinstance(dim, Uniform):
            out[name] = optuna.distributions.FloatDistribution(dim.low, dim.high)
        elif isinstance(dim, Integer):
            out[name] = optuna.distributions.IntDistribution(dim.low, dim.high)
        else:
            out[name] = optuna.distributions.CategoricalDistribution(list(dim.choices))
    return out


def optuna_search(
    objective: Callable[[dict[str, Any]], float],
    space: Space,
    n_trials: int,
    *,
    sampler: str = "tpe",
    seed: int = 0,
) -> list[Trial]:
    """The same search with Optuna (``sampler``: ``"random"`` RandomSampler, ``"tpe"``
    TPESampler, ``"gp"`` GPSampler, each seeded), in memory; its trials as :class:`Trial`, so that
    they compare directly with :func:`random_search` and :func:`bayesian_optimization`."""
    import optuna

    validate.function("objective", objective)
    distributions = optuna_distributions(space)
    n_trials = validate.integer("n_trials", n_trials, low=1)
    validate.one_of("sampler", sampler, OPTUNA_SAMPLERS)
    seed = validate.seed("seed", seed)
    chosen = {
        "random": optuna.samplers.RandomSampler,
        "tpe": optuna.samplers.TPESampler,
        "gp": optuna.samplers.GPSampler,
    }[sampler](seed=seed)
    verbosity = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        study = optuna.create_study(sampler=chosen, direction="minimize")
        trials: list[Trial] = []
        for number in range(n_trials):
            trial = study.ask(distributions)
            result = _evaluate(objective, dict(trial.params), number)
            study.tell(trial, result.value)
            trials.append(result)
    finally:
        optuna.logging.set_verbosity(verbosity)
    return trials


def hyperband(
    objective: Callable[[dict[str, Any], Any], float],
    space: Space,
    max_resource: int,
    *,
    eta: int = 3,
    seed: int = 0,
) -> list[list[HalvingRound]]:
    """Hyperband (Li et al. 2017, Algorithm 1): for every bracket of :func:`hyperband_brackets`,
    draw n_0 configurations from ``space`` and run successive halving on the bracket's schedule:
    in round i each of the n_i survivors gets r_i resource, and the best floor(n_i / eta) go on.

    Brackets with many configurations and little resource each explore; the last bracket runs a
    few configurations with the whole resource (plain random search). Returns the rounds of every
    bracket; ``objective(config, resource)`` is minimized.
    """
    validate.function("objective", objective)
    _check_space(space)
    brackets = hyperband_brackets(max_resource, eta)
    rng = np.random.default_rng(validate.seed("seed", seed))
    number = 0
    result: list[list[HalvingRound]] = []
    for schedule in brackets:
        remaining = [sample(space, rng) for _ in range(schedule[0][0])]
        rounds: list[HalvingRound] = []
        for i, (_, resource) in enumerate(schedule):
            rounds.append(_halving_round(objective, remaining, resource, number))
            number += len(remaining)
            if i + 1 < len(schedule):  # the top floor(n_i / eta) go on
                remaining = rounds[-1].best_configs(max(1, len(remaining) // eta))
        result.append(rounds)
    return result


@dataclass
class TabulatedObjective:
    """An objective evaluated once at every point of a grid and then looked up: searches can be
    repeated over many seeds at no cost (as tabular HPO benchmarks do, e.g. HPO-B, NAS-Bench).

    ``values[i, j, ...]`` is the value at ``param_grid[names[0]][i]``, ``param_grid[names[1]][j]``,
    ... (names sorted). Calling it with a grid point returns the stored value; :attr:`space`
    offers exactly the grid points to :func:`random_search` and :func:`bayesian_optimization`.
    """

    param_grid: dict[str, list[Any]]
    values: np.ndarray
    seconds: float

    @property
    def names(self) -> list[str]:
        return sorted(self.param_grid)

    @property
    def space(self) -> dict[str, Categorical]:
        return {name: Categorical(self.param_grid[name]) for name in self.names}

    def __call__(self, config: Mapping[str, Any], resource: Any = None) -> float:
        if not isinstance(config, Mapping):
            raise TypeError(f"config must be a dict, got {type(config).__name__}")
        index = []
        for name in self.names:
            if name not in config:
                raise ValueError(
                    f"config lacks {name!r}; the table's hyperparameters: {self.names}"
                )
            options = self.param_grid[name]
            if config[name] not in options:
                raise ValueError(
                    f"config[{name!r}] = {config[name]!r} is not a grid point; "
                    f"choose from {options}"
                )
            index.append(options.index(config[name]))
        return float(self.values[tuple(index)])


def tabulate(
    objective: Callable[[dict[str, Any]], float], param_grid: Mapping[str, Sequence[Any]]
) -> TabulatedObjective:
    """Evaluate ``objective`` once at every grid point (:func:`grid_search`) and keep the values
    in a :class:`TabulatedObjective`."""
    trials = grid_search(objective, param_grid)
    names = sorted(param_grid)
    shape = tuple(len(param_grid[n]) for n in names)
    values = np.array([t.value for t in trials]).reshape(shape)  # ParameterGrid's order
    return TabulatedObjective(
        {n: list(param_grid[n]) for n in names}, values, sum(t.seconds for t in trials)
    )


def mlp_learning_curve(
    data: Any,
    config: Mapping[str, Any],
    *,
    epochs: int,
    seed: int = 0,
    on_epoch: Callable[[int, float], bool | None] | None = None,
) -> list[float]:
    """Train the course MLP of :func:`mlp_objective` for up to ``epochs`` epochs and return
    1 - validation accuracy after each. ``on_epoch(epoch, value)`` is called after every epoch;
    if it returns ``True`` training stops there (how a pruner ends a hopeless trial early)."""
    _check_data(data)
    seed = validate.seed("seed", seed)
    epochs = validate.integer("epochs", epochs, low=1)
    if on_epoch is not None:
        validate.function("on_epoch", on_epoch)
    curve: list[float] = []

    def after_epoch(history: Any) -> bool:
        if history.steps == 0:
            return False
        curve.append(1.0 - history.val_acc[-1])
        return bool(on_epoch(len(curve), curve[-1])) if on_epoch is not None else False

    _train_course_mlp(data, config, epochs, seed, after_epoch)
    return curve or [1.0]  # a run that diverged in its first epoch


OPTUNA_PRUNERS = ("halving", "hyperband", "none")


def optuna_pruned_search(
    data: Any,
    space: Space,
    n_trials: int,
    *,
    max_epochs: int,
    pruner: str = "halving",
    eta: int = 3,
    seed: int = 0,
) -> list[Trial]:
    """Random search with Optuna, each trial reporting its validation error after every epoch to
    a pruner that stops unpromising trials early: ``"halving"`` (``SuccessiveHalvingPruner``,
    asynchronous: a trial continues at rung k if it is in the top 1/eta of the trials that reached
    that rung so far), ``"hyperband"`` (``HyperbandPruner``, several halving brackets; the study
    has a fixed name, which its bracket assignment needs to be reproducible) or ``"none"``.
    ``Trial.resource`` is the number of epochs a trial actually trained.
    """
    import optuna

    distributions = optuna_distributions(space)
    n_trials = validate.integer("n_trials", n_trials, low=1)
    max_epochs = validate.integer("max_epochs", max_epochs, low=1)
    validate.one_of("pruner", pruner, OPTUNA_PRUNERS)
    eta = validate.integer("eta", eta, low=2)
    seed = validate.seed("seed", seed)
    chosen = {
        "halving": lambda: optuna.pruners.SuccessiveHalvingPruner(reduction_factor=eta),
        "hyperband": lambda: optuna.pruners.HyperbandPruner(
            min_resource=1, max_resource=max_epochs, reduction_factor=eta
        ),
        "none": optuna.pruners.NopPruner,
    }[pruner]()
    verbosity = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        study = optuna.create_study(
            study_name=f"coursekit-{pruner}-{seed}",
            sampler=optuna.samplers.RandomSampler(seed=seed),
            pruner=chosen,
            direction="minimize",
        )
        trials: list[Trial] = []
        for number in range(n_trials):
            trial = study.ask(distributions)
            tick = time.perf_counter()
            stopped: list[bool] = []  # set when the pruner stops the trial (not by divergence)

            def report(
                epoch: int, value: float, trial: Any = trial, stopped: list[bool] = stopped
            ) -> bool:
                trial.report(value, epoch)
                if trial.should_prune():
                    stopped.append(True)
                return bool(stopped)

            curve = mlp_learning_curve(
                data, dict(trial.params), epochs=max_epochs, seed=seed, on_epoch=report
            )
            pruned = bool(stopped)
            state = optuna.trial.TrialState.PRUNED if pruned else optuna.trial.TrialState.COMPLETE
            study.tell(trial, None if pruned else curve[-1], state=state)
            trials.append(
                Trial(
                    number,
                    dict(trial.params),
                    curve[-1],
                    time.perf_counter() - tick,
                    float(len(curve)),
                )
            )
    finally:
        optuna.logging.set_verbosity(verbosity)
    return trials
