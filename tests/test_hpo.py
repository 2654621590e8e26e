"""coursekit.hpo against the references users trust: scikit-learn's ParameterGrid,
GaussianProcessRegressor and HalvingRandomSearchCV, scipy's loguniform and quadrature, and the
table of Li et al. (2017)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy import integrate, stats
from sklearn.dummy import DummyRegressor
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import RBF, ConstantKernel, Matern
from sklearn.model_selection import HalvingRandomSearchCV, ParameterGrid

from coursekit import hpo

SPACE = {
    "lr": hpo.LogUniform(1e-3, 1.0),
    "momentum": hpo.Uniform(0.0, 0.99),
    "width": hpo.Integer(16, 256),
    "activation": hpo.Categorical(["relu", "tanh", "sigmoid"]),
}


def test_grid_points_enumerate_like_parameter_grid() -> None:
    grid = {"lr": [0.01, 0.1, 0.5, 1.0], "width": [32, 64], "activation": ["relu", "tanh"]}
    assert hpo.grid_points(grid) == list(ParameterGrid(grid))
    assert len(hpo.grid_points(grid)) == 4 * 2 * 2  # m_1 x m_2 x m_3


def test_grid_and_random_search_record_every_trial() -> None:
    def objective(config):
        return (math.log10(config["lr"]) + 1) ** 2

    trials = hpo.grid_search(objective, {"lr": [0.01, 0.1, 0.5, 1.0]})
    assert [t.number for t in trials] == [0, 1, 2, 3]
    assert hpo.best_trial(trials).config == {"lr": 0.1}
    assert all(t.seconds >= 0 and t.resource is None for t in trials)
    first = hpo.random_search(lambda c: c["lr"], SPACE, 20, seed=3)
    again = hpo.random_search(lambda c: c["lr"], SPACE, 20, seed=3)
    assert [t.config for t in first] == [t.config for t in again]  # seeded
    for t in first:
        assert 1e-3 <= t.config["lr"] <= 1 and 16 <= t.config["width"] <= 256
        assert (
            isinstance(t.config["width"], int)
            and t.config["activation"] in SPACE["activation"].choices
        )


def test_log_uniform_sampler_passes_a_kolmogorov_smirnov_test() -> None:
    draws = hpo.LogUniform(1e-4, 1e-1).sample(np.random.default_rng(0), 5000)
    result = stats.kstest(draws, stats.loguniform(1e-4, 1e-1).cdf)
    assert result.pvalue > 0.01
    uniform = np.random.default_rng(0).uniform(1e-4, 1e-1, 5000)  # and a plain uniform fails it
    assert stats.kstest(uniform, stats.loguniform(1e-4, 1e-1).cdf).pvalue < 1e-10


def test_unit_cube_round_trip() -> None:
    config = {"activation": "tanh", "lr": 0.01, "momentum": 0.5, "width": 100}
    u = hpo.to_unit(SPACE, config)
    assert u.shape == (4,) and np.all((u >= 0) & (u <= 1))
    back = hpo.from_unit(SPACE, u)
    assert back["activation"] == "tanh" and back["width"] == 100
    assert back["lr"] == pytest.approx(0.01) and back["momentum"] == pytest.approx(0.5)
    assert hpo.to_unit(SPACE, back) == pytest.approx(u)


@pytest.mark.parametrize("kernel", ["rbf", "matern52"])
@pytest.mark.parametrize("normalize_y", [False, True])
def test_gaussian_process_equals_scikit_learn(kernel: str, normalize_y: bool) -> None:
    rng = np.random.default_rng(1)
    X, Xs = rng.uniform(0, 1, (12, 2)), rng.uniform(-0.2, 1.2, (30, 2))
    y = np.sin(6 * X[:, 0]) + X[:, 1] ** 2 + 3.0
    ours = hpo.GaussianProcess(kernel, 0.3, 1.7, 1e-6, normalize_y).fit(X, y)
    shape = RBF(0.3, "fixed") if kernel == "rbf" else Matern(0.3, "fixed", nu=2.5)
    reference = GaussianProcessRegressor(
        ConstantKernel(1.7, "fixed") * shape, alpha=1e-6, optimizer=None, normalize_y=normalize_y
    ).fit(X, y)
    mean, std = ours.predict(Xs, return_std=True)
    ref_mean, ref_std = reference.predict(Xs, return_std=True)
    np.testing.assert_allclose(mean, ref_mean, atol=1e-8, rtol=0)
    np.testing.assert_allclose(std, ref_std, atol=1e-8, rtol=0)
    assert ours.log_marginal_likelihood() == pytest.approx(
        reference.log_marginal_likelihood_value_, abs=1e-8
    )
    np.testing.assert_allclose(ours.predict(Xs), ref_mean, atol=1e-8, rtol=0)


def test_gaussian_process_refuses_bad_input() -> None:
    with pytest.raises(ValueError, match="kernel must be one of"):
        hpo.GaussianProcess("linear")
    with pytest.raises(ValueError, match="length_scale must be > 0"):
        hpo.GaussianProcess(length_scale=0)
    gp = hpo.GaussianProcess()
    with pytest.raises(RuntimeError, match="call fit"):
        gp.predict(np.zeros((1, 1)))
    with pytest.raises(ValueError, match="same number"):
        gp.fit(np.zeros((3, 1)), np.zeros(2))
    gp.fit(np.zeros((1, 2)) + 0.5, np.ones(1))
    with pytest.raises(ValueError, match="2 columns"):
        gp.predict(np.zeros((1, 3)))


@pytest.mark.parametrize(
    ("mu", "sigma", "best", "xi"), [(0.3, 0.2, 0.5, 0.0), (1.0, 0.5, 0.2, 0.1)]
)
def test_expected_improvement_against_quadrature_and_monte_carlo(mu, sigma, best, xi) -> None:
    ei = float(hpo.expected_improvement(np.array([mu]), np.array([sigma]), best, xi)[0])
    quad, _ = integrate.quad(
        lambda f: max(best - xi - f, 0.0) * stats.norm.pdf(f, mu, sigma), -np.inf, np.inf
    )
    assert ei == pytest.approx(quad, abs=1e-8)
    draws = np.random.default_rng(0).normal(mu, sigma, 1_000_000)
    assert ei == pytest.approx(np.maximum(best - xi - draws, 0).mean(), abs=3e-3)


def test_expected_improvement_limit_and_shapes() -> None:
    mu = np.array([[0.1, 0.6], [0.5, 0.5]])
    ei = hpo.expected_improvement(mu, np.zeros_like(mu), best=0.5, xi=0.05)
    np.testing.assert_allclose(ei, np.maximum(0.5 - mu - 0.05, 0))
    tiny = hpo.expected_improvement(mu, np.full_like(mu, 1e-12), best=0.5, xi=0.05)
    np.testing.assert_allclose(tiny, ei, atol=1e-9)
    with pytest.raises(ValueError, match="same shape"):
        hpo.expected_improvement(np.zeros(2), np.zeros(3), 0.0)
    with pytest.raises(ValueError, match="sigma must be >= 0"):
        hpo.expected_improvement(np.zeros(2), -np.ones(2), 0.0)


def test_bayesian_optimization_finds_the_minimum_of_a_smooth_function() -> None:
    def objective(config):
        return (math.log10(config["lr"]) + 2.3) ** 2 + (config["momentum"] - 0.6) ** 2

    space = {"lr": hpo.LogUniform(1e-4, 1.0), "momentum": hpo.Uniform(0.0, 1.0)}
    result = hpo.bayesian_optimization(objective, space, 20, n_initial=5, seed=0)
    assert len(result.trials) == 20 and len(result.steps) == 15
    assert hpo.best_trial(result.trials).value < 0.02
    step = result.steps[0]
    assert step.X.shape == (5, 2) and step.ei.shape == (2000,)
    assert np.allclose(hpo.to_unit(space, result.trials[5].config), step.chosen)
    random_best = hpo.best_trial(hpo.random_search(objective, space, 20, seed=0)).value
    assert hpo.best_trial(result.trials).value < random_best


def test_hyperband_brackets_are_table_1_of_li_et_al() -> None:
    assert hpo.hyperband_brackets(81, eta=3) == [
        [(81, 1), (27, 3), (9, 9), (3, 27), (1, 81)],
        [(34, 3), (11, 9), (3, 27), (1, 81)],
        [(15, 9), (5, 27), (1, 81)],
        [(8, 27), (2, 81)],
        [(5, 81)],
    ]
    assert hpo.hyperband_brackets(1) == [[(1, 1)]]
    assert hpo.hyperband_brackets(8, eta=2)[0] == [(8, 1), (4, 2), (2, 4), (1, 8)]


@pytest.mark.parametrize(
    ("n_candidates", "min_resources", "max_resources", "factor"),
    [(27, 10, 270, 3), (20, 10, 500, 3), (50, 8, 64, 2), (9, 20, 400, 4), (30, 12, 100, 3)],
)
def test_successive_halving_follows_scikit_learns_schedule(
    n_candidates, min_resources, max_resources, factor
) -> None:
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(max_resources, 2)), rng.normal(size=max_resources)
    search = HalvingRandomSearchCV(
        DummyRegressor(strategy="quantile"),
        {"quantile": stats.uniform(0, 1)},
        n_candidates=n_candidates,
        factor=factor,
        min_resources=min_resources,
        max_resources=max_resources,
        cv=2,
        random_state=0,
    ).fit(X, y)
    configs = [{"id": i} for i in range(n_candidates)]
    rounds = hpo.successive_halving(
        lambda c, r: (c["id"] * 7919 % 101) / r,
        configs,
        min_resource=min_resources,
        max_resource=max_resources,
        eta=factor,
    )
    assert [len(r.trials) for r in rounds] == list(search.n_candidates_)
    assert [r.resource for r in rounds] == list(search.n_resources_)


def test_successive_halving_keeps_the_best() -> None:
    configs = [{"quality": q} for q in (5, 1, 4, 2, 8, 3, 7, 6, 0)]
    rounds = hpo.successive_halving(
        lambda c, r: c["quality"] + 1.0 / r, configs, min_resource=1, max_resource=9, eta=3
    )
    assert [r.resource for r in rounds] == [1, 3, 9]
    assert [t.config["quality"] for t in rounds[-1].trials] == [0]
    assert {t.config["quality"] for t in rounds[1].trials} == {0, 1, 2}
    assert all(t.resource == r.resource for r in rounds for t in r.trials)


def test_search_spaces_refuse_bad_bounds() -> None:
    with pytest.raises(ValueError, match="low must be > 0"):
        hpo.LogUniform(0.0, 1.0)
    with pytest.raises(ValueError, match="high must be > low"):
        hpo.Uniform(1.0, 1.0)
    with pytest.raises(TypeError, match="low must be an integer"):
        hpo.Integer(1.5, 3)
    with pytest.raises(ValueError, match="at least 2"):
        hpo.Categorical(["relu"])
    with pytest.raises(TypeError, match="space must be a non-empty dict"):
        hpo.random_search(lambda c: 0.0, {}, 3)
    with pytest.raises(TypeError, match=r"space\['lr'\] must be"):
        hpo.random_search(lambda c: 0.0, {"lr": (0.1, 1)}, 3)
    with pytest.raises(ValueError, match="n_trials must be"):
        hpo.random_search(lambda c: 0.0, SPACE, 0)
    with pytest.raises(ValueError, match=r"objective\(.*\) must be a"):
        hpo.random_search(lambda c: float("nan"), SPACE, 1)


def test_the_mlp_objective_really_trains_and_is_deterministic() -> None:
    import coursekit as ck

    data = ck.data.load_digits_split(seed=0)
    objective = hpo.mlp_objective(data, epochs=3, seed=0)
    default = objective({})
    assert 0 < default < 0.5  # trained: far better than the 0.9 of guessing
    assert objective({}) == default  # the same configuration, the same value
    assert objective({"lr": 1e-4}) > 0.6  # too small a rate has learned nothing in 3 epochs
    assert objective({"lr": 50.0}) == 1.0  # a diverging run counts as the worst value
    assert objective({}, 8) < objective({}, 1)  # the resource is the number of epochs
    with pytest.raises(ValueError, match="unknown hyperparameters"):
        objective({"learning_rate": 0.1})
    with pytest.raises(ValueError, match=r"config\[.lr.\] must be > 0"):
        objective({"lr": -1.0})
    with pytest.raises(TypeError, match="data must be a Dataset"):
        hpo.mlp_objective(object())
    trials = hpo.random_search(
        objective, {"lr": hpo.LogUniform(1e-3, 1.0), "width": hpo.Integer(16, 128)}, 4, seed=0
    )
    assert all(0 <= t.value <= 1 and t.seconds > 0 for t in trials)


def test_optuna_search_uses_the_same_space_and_records_trials() -> None:
    def objective(config):
        return (
            (math.log10(config["lr"]) + 2) ** 2
            + (config["width"] - 64) ** 2 / 1e4
            + (0.0 if config["activation"] == "relu" else 0.5)
        )

    space = {
        "lr": hpo.LogUniform(1e-4, 1.0),
        "width": hpo.Integer(16, 128),
        "activation": hpo.Categorical(["relu", "tanh"]),
    }
    for sampler in ("random", "tpe", "gp"):
        trials = hpo.optuna_search(objective, space, 12, sampler=sampler, seed=1)
        assert [t.number for t in trials] == list(range(12))
        for t in trials:
            assert 1e-4 <= t.config["lr"] <= 1 and 16 <= t.config["width"] <= 128
            assert t.value == pytest.approx(objective(t.config))
        again = hpo.optuna_search(objective, space, 12, sampler=sampler, seed=1)
        assert [t.config for t in again] == [t.config for t in trials]  # seeded
    with pytest.raises(ValueError, match="sampler must be one of"):
        hpo.optuna_search(objective, space, 3, sampler="cma")
    tpe = hpo.best_trial(hpo.optuna_search(objective, space, 40, sampler="tpe", seed=0)).value
    random = hpo.best_trial(hpo.random_search(objective, space, 40, seed=0)).value
    assert tpe < 0.5 and random < 2.0


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_fit_length_scale_maximizes_the_marginal_likelihood_like_scikit_learn() -> None:
    rng = np.random.default_rng(0)
    X = rng.uniform(0, 1, (20, 1))
    y = np.sin(8 * X[:, 0])
    grid = np.logspace(-2, 1, 301)
    gp = hpo.fit_length_scale(hpo.GaussianProcess("rbf", noise=1e-6), X, y, grid)
    reference = GaussianProcessRegressor(
        ConstantKernel(1.0, "fixed") * RBF(0.5, (1e-2, 10.0)),
        alpha=1e-6,
        random_state=0,
        n_restarts_optimizer=3,
    ).fit(X, y)
    fitted = reference.kernel_.k2.length_scale
    assert gp.length_scale == pytest.approx(fitted, rel=0.03)  # the grid's resolution
    assert gp.log_marginal_likelihood() == pytest.approx(
        reference.log_marginal_likelihood_value_, abs=0.05
    )
    with pytest.raises(ValueError, match="candidates must be"):
        hpo.fit_length_scale(hpo.GaussianProcess(), X, y, [0.0, 1.0])


def test_hyperband_runs_every_bracket_on_its_schedule() -> None:
    def objective(config, resource):  # better configurations and more resource: lower values
        return (math.log10(config["lr"]) + 1.5) ** 2 + 1.0 / resource

    space = {"lr": hpo.LogUniform(1e-4, 1.0)}
    brackets = hpo.hyperband(objective, space, 81, eta=3, seed=0)
    schedule = hpo.hyperband_brackets(81, 3)
    for rounds, planned in zip(brackets, schedule, strict=True):
        assert [(len(r.trials), r.resource) for r in rounds] == planned
        for earlier, later in itertools.pairwise(rounds):  # the survivors are the best
            best = sorted(earlier.trials, key=lambda t: t.value)[: len(later.trials)]
            assert sorted(t.config["lr"] for t in later.trials) == sorted(
                t.config["lr"] for t in best
            )
    numbers = [t.number for rounds in brackets for r in rounds for t in r.trials]
    assert numbers == list(range(len(numbers))) and len(numbers) == sum(
        n for planned in schedule for n, _ in planned
    )
    best = hpo.best_trial([t for rounds in brackets for t in rounds[-1].trials])
    assert best.resource == 81 and abs(math.log10(best.config["lr"]) + 1.5) < 0.5


def test_a_tabulated_objective_looks_up_what_it_evaluated_once() -> None:
    calls = []

    def objective(config):
        calls.append(dict(config))
        return (math.log10(config["lr"]) + 1) ** 2 + config["width"] / 1000

    grid = {"lr": [1e-3, 1e-2, 1e-1, 1.0], "width": [32, 64, 128]}
    table = hpo.tabulate(objective, grid)
    assert len(calls) == 12 and table.values.shape == (4, 3)
    for config in hpo.grid_points(grid):
        assert table(config) == objective(config)
    trials = hpo.random_search(table, table.space, 30, seed=0)
    assert all(t.config["lr"] in grid["lr"] and t.config["width"] in grid["width"] for t in trials)
    assert hpo.best_trial(trials).value == pytest.approx(table.values.min())
    with pytest.raises(ValueError, match="not a grid point"):
        table({"lr": 0.5, "width": 32})
    with pytest.raises(ValueError, match="config lacks 'width'"):
        table({"lr": 0.1})


def test_the_learning_curve_is_the_objective_at_every_number_of_epochs() -> None:
    import coursekit as ck

    data = ck.data.load_digits_split(seed=0)
    curve = hpo.mlp_learning_curve(data, {"lr": 0.1}, epochs=4)
    objective = hpo.mlp_objective(data)
    assert len(curve) == 4
    for epochs in (1, 4):  # training for more epochs continues the same run
        assert curve[epochs - 1] == pytest.approx(objective({"lr": 0.1}, epochs), abs=1e-12)
    stopped = hpo.mlp_learning_curve(data, {"lr": 0.1}, epochs=4, on_epoch=lambda e, v: e == 2)
    assert stopped == curve[:2]
    with pytest.raises(ValueError, match="unknown hyperparameters"):
        hpo.mlp_learning_curve(data, {"momentum": 0.9}, epochs=2)


def test_optuna_pruners_save_epochs_and_keep_the_best() -> None:
    import coursekit as ck

    data = ck.data.load_digits_split(seed=0)
    space = {"lr": hpo.LogUniform(1e-3, 1.0), "width": hpo.Integer(16, 128)}
    full = hpo.optuna_pruned_search(data, space, 15, max_epochs=9, pruner="none", seed=0)
    halving = hpo.optuna_pruned_search(data, space, 15, max_epochs=9, pruner="halving", seed=0)
    assert sum(t.resource for t in full) == 15 * 9
    assert sum(t.resource for t in halving) < 0.6 * 15 * 9  # many trials stopped early
    assert [t.config for t in halving] == [t.config for t in full]  # the same random configs
    best_full = min(t.value for t in full)
    assert min(t.value for t in halving if t.resource == 9) <= best_full + 0.02  # near the best
    again = hpo.optuna_pruned_search(data, space, 15, max_epochs=9, pruner="hyperband", seed=0)
    twice = hpo.optuna_pruned_search(data, space, 15, max_epochs=9, pruner="hyperband", seed=0)
    assert [t.resource for t in again] == [t.resource for t in twice]  # reproducible
    with pytest.raises(ValueError, match="pruner must be one of"):
        hpo.optuna_pruned_search(data, space, 3, max_epochs=3, pruner="median")


def test_trials_needed_is_the_smallest_n_with_the_confidence() -> None:
    assert hpo.trials_needed(0.05, 0.95) == 59  # 1 - 0.95^59 = 0.9515, 1 - 0.95^58 = 0.9490
    assert hpo.trials_needed(0.5, 0.75) == 2  # on the boundary: the log ratio is 2.0000000000000004
    for fraction in (0.5, 0.2, 0.05, 0.01):
        for confidence in (0.5, 0.9, 0.99, 0.999):
            n = hpo.trials_needed(fraction, confidence)
            assert 1 - (1 - fraction) ** n >= confidence
            assert n == 1 or 1 - (1 - fraction) ** (n - 1) < confidence
    with pytest.raises(ValueError, match="fraction"):
        hpo.trials_needed(0.0, 0.9)
    with pytest.raises(ValueError, match="confidence"):
        hpo.trials_needed(0.1, 1.0)


def test_a_shifted_grid_stays_a_grid_and_the_importance_decides_who_wins() -> None:
    f = hpo.importance_toy(10.0)
    found = hpo.grid_versus_random(f, 9, seed=3, shift=True)
    grid = found["grid"]
    assert grid.shape == (9, 2) and np.all((grid >= 0) & (grid < 1))
    assert len(np.unique(grid[:, 0])) == 3 and np.allclose(np.diff(np.unique(grid[:, 0])), 1 / 3)
    assert not np.allclose(np.unique(grid[:, 0]), [1 / 6, 1 / 2, 5 / 6])  # moved
    centred = hpo.grid_versus_random(f, 9, seed=3)
    assert np.allclose(np.unique(centred["grid"][:, 0]), [1 / 6, 1 / 2, 5 / 6])

    def random_wins(importance: float) -> float:
        g = hpo.importance_toy(importance)
        runs = [hpo.grid_versus_random(g, 9, seed=s, shift=True) for s in range(1000)]
        return float(np.mean([r["random_best"] < r["grid_best"] for r in runs]))

    # Bergstra & Bengio: random search gains when the importance is unequal
    assert random_wins(10.0) > random_wins(1.0) + 0.08
