"""Bad-input probes: what a careless user gets back from every public function.

    .venv/bin/python tools/probe.py             # the table per module
    .venv/bin/python tools/probe.py --list      # every probe that did not get a clear error

Each probe calls a public function with one argument spoiled (None or a string where a number
belongs, a float where an integer belongs, NaN, inf, a value out of range, an unknown name, an
array of the wrong shape or with NaN in it, a schedule that turns negative during training)
and sorts the outcome:

* **clear**: a ``TypeError``, ``ValueError``, ``FileNotFoundError`` or ``LookupError`` whose
  message names the spoiled argument;
* **obscure**: any other error, or one that does not name the argument;
* **silent**: no error at all (a wrong result, returned as if it were right).

``tests/test_probe.py`` runs every probe and requires all of them to be clear.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import math
import sys
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.figure import Figure

NAN, INF = math.nan, math.inf
#: A one-pixel PNG, for the probes of functions that take PNG bytes.
_PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00"
    b"\x00IEND\xaeB`\x82"
)

# Bad values per kind of argument (the kinds are the shared validators' ranges).
BAD: dict[str, list[Any]] = {
    "pos": [None, "0.1", NAN, INF, 0.0, -1.0],
    "nonneg": [None, "0.1", NAN, INF, -1.0],
    "real": [None, "1", NAN, INF],
    "unit_open": [None, NAN, -0.1, 1.0, 1.5],  # [0, 1)
    "unit": [None, NAN, -0.1, 1.5],  # [0, 1]
    "fraction": [None, NAN, 0.0, 1.0],  # (0, 1)
    "posint": [None, "3", 2.5, True, 0, -1],
    "nonnegint": [None, "3", 2.5, -1],
    "seed": [None, "0", 1.5, -1],
    "name": [None, 3, "nonsense"],
    "callable": [None, 3],
}


@dataclass
class Probe:
    module: str
    call: str
    arg: str
    thunk: Callable[[], Any]


@dataclass
class Outcome:
    probe: Probe
    verdict: str  # clear | obscure | silent
    detail: str


PROBES: list[Probe] = []


def _short(value: Any) -> str:
    """A value as a short label: arrays and tensors by shape and their first bad entry."""
    if hasattr(value, "shape") and np.ndim(value) > 0:
        values = np.asarray(value.detach() if hasattr(value, "detach") else value)
        bad = ~np.isfinite(values) if np.issubdtype(values.dtype, np.floating) else None
        detail = " with NaN/inf" if bad is not None and bad.any() else ""
        kind = "tensor" if hasattr(value, "detach") else "array"
        return f"{kind} {tuple(values.shape)}{detail}, first {values.ravel()[0]!r}"
    return repr(value)


def spoil(
    module: str, name: str, fn: Callable[..., Any], base: dict[str, Any], kinds: dict
) -> None:
    """One probe per bad value of each argument in ``kinds`` (others keep their ``base`` value)."""
    for arg, kind in kinds.items():
        values = BAD[kind] if isinstance(kind, str) else kind
        for value in values:
            kwargs = {**base, arg: value}
            PROBES.append(
                Probe(module, f"{name}({arg}={_short(value)})", arg, lambda f=fn, k=kwargs: f(**k))
            )


def add(module: str, call: str, arg: str, thunk: Callable[[], Any]) -> None:
    PROBES.append(Probe(module, call, arg, thunk))


def build() -> None:
    import torch
    from torch import nn

    import coursekit as ck

    rng = np.random.default_rng(0)
    X = rng.standard_normal((30, 4)).astype(np.float32)
    y = rng.integers(0, 3, 30)
    X_nan = X.copy()
    X_nan[7, 2] = NAN

    def params() -> list[torch.Tensor]:
        return [torch.zeros(3, requires_grad=True)]

    # -- optim: update rules and optimizers -----------------------------------------------
    spoil("optim", "momentum", ck.optim.momentum, {}, {"momentum": "unit_open"})
    spoil("optim", "adagrad", ck.optim.adagrad, {}, {"eps": "nonneg"})
    spoil(
        "optim",
        "rmsprop",
        ck.optim.rmsprop,
        {},
        {"beta": "unit_open", "eps": "nonneg", "momentum": "unit_open"},
    )
    spoil(
        "optim",
        "adam",
        ck.optim.adam,
        {},
        {"beta1": "unit_open", "beta2": "unit_open", "eps": "nonneg"},
    )
    for cls, extra in [
        (ck.optim.SGD, {"momentum": "unit_open"}),
        (ck.optim.Adagrad, {"eps": "nonneg"}),
        (ck.optim.RMSprop, {"alpha": "unit_open", "eps": "nonneg", "momentum": "unit_open"}),
        (ck.optim.Adam, {"eps": "nonneg"}),
        (ck.optim.AdamW, {"eps": "nonneg"}),
    ]:
        spoil(
            "optim",
            cls.__name__,
            lambda c=cls, **k: c(params(), **k),
            {"lr": 0.1},
            {"lr": [None, "0.1", NAN, INF, -1.0], "weight_decay": "nonneg", **extra},
        )
    spoil(
        "optim",
        "Adam",
        lambda **k: ck.optim.Adam(params(), **k),
        {"lr": 0.1},
        {"betas": [None, (0.9,), (1.0, 0.999), (0.9, NAN), "ab"]},
    )

    def step_with(lr: Any, cls: Any = ck.optim.SGD) -> Any:
        p = torch.ones(3, requires_grad=True)
        opt = cls([p], lr=lr)
        p.sum().backward()
        opt.step()
        return p

    for cls in (ck.optim.SGD, ck.optim.Adam):
        for bad in (-0.1, NAN, None):
            add(
                "optim",
                f"{cls.__name__}(lr=schedule returning {bad!r}).step()",
                "lr",
                lambda c=cls, b=bad: step_with(lambda t: b, c),
            )
    spoil(
        "optim",
        "l2_gradient",
        lambda **k: ck.optim.l2_gradient(torch.ones(3), torch.ones(3), **k),
        {},
        {"weight_decay": "nonneg"},
    )
    spoil(
        "optim",
        "decay_weights_",
        lambda **k: ck.optim.decay_weights_(torch.ones(3), **k),
        {"lr": 0.1, "weight_decay": 0.1},
        {"lr": "nonneg", "weight_decay": "nonneg"},
    )

    # -- regularization (5.7) ---------------------------------------------------------------
    R = ck.regularization
    w = [torch.ones(2, 3)]
    spoil(
        "regularization",
        "l1_penalty",
        R.l1_penalty,
        {"params": w, "weight": 0.1},
        {"params": [None, 3.0, [], ["x"]], "weight": "nonneg"},
    )
    spoil(
        "regularization",
        "l2_penalty",
        R.l2_penalty,
        {"params": w, "weight": 0.1},
        {"params": [None, 3.0, []], "weight": "nonneg"},
    )
    spoil(
        "regularization",
        "soft_threshold",
        R.soft_threshold,
        {"x": np.ones(3), "threshold": 0.5},
        {"threshold": "nonneg"},
    )
    spoil(
        "regularization",
        "lasso_ista",
        R.lasso_ista,
        {"X": X.astype(float), "y": X[:, 0].astype(float), "alpha": 0.1},
        {
            "X": [None, np.ones(3), X_nan],
            "y": [None, np.ones(5)],
            "alpha": "nonneg",
            "steps": "posint",
            "tol": "nonneg",
        },
    )
    spoil(
        "regularization",
        "Dropout",
        R.Dropout,
        {"p": 0.5},
        {"p": [None, "0.5", NAN, -0.1, 1.0, 1.5], "inverted": [None, 1, "yes"]},
    )
    drop_net = nn.Sequential(nn.Linear(4, 3), R.Dropout(0.2))
    spoil(
        "regularization",
        "mc_dropout_predict",
        R.mc_dropout_predict,
        {"model": drop_net, "X": X, "samples": 3},
        {
            "model": [None, "net", nn.Linear(4, 3)],
            "X": [None, X_nan, np.ones(4)],
            "samples": "posint",
        },
    )
    spoil(
        "regularization",
        "EarlyStopping",
        R.EarlyStopping,
        {},
        {
            "patience": [None, "3", 0, 2.5, -1, NAN],
            "min_delta": "nonneg",
            "restore_best": [None, 1],
        },
    )
    add(
        "regularization",
        "EarlyStopping().step(val_loss=None)",
        "val_loss",
        lambda: R.EarlyStopping().step(None),
    )
    add(
        "regularization",
        "EarlyStopping().step(model='net')",
        "model",
        lambda: R.EarlyStopping().step(0.5, "net"),
    )

    # -- augment (5.7) ----------------------------------------------------------------------
    A = ck.augment
    images = np.ones((2, 8, 8))
    bad_images = [None, np.ones((8, 8)), np.ones((2, 3, 8, 8)), np.full((1, 4, 4), NAN)]
    spoil(
        "augment",
        "rotate",
        A.rotate,
        {"images": images, "degrees": 10.0},
        {"images": bad_images, "degrees": "real"},
    )
    spoil("augment", "flip", A.flip, {"images": images}, {"horizontal": [None, 1, "yes"]})
    spoil(
        "augment",
        "zoom",
        A.zoom,
        {"images": images, "factor": 1.1},
        {"images": bad_images, "factor": "pos"},
    )
    spoil(
        "augment",
        "shift",
        A.shift,
        {"images": images, "dx": 1.0, "dy": 0.0},
        {"dx": "real", "dy": "real"},
    )
    spoil(
        "augment",
        "add_noise",
        A.add_noise,
        {"images": images, "std": 0.1},
        {"std": "nonneg", "generator": [3, "gen"]},
    )
    spoil(
        "augment",
        "random_transform",
        A.random_transform,
        {"images": images},
        {
            "max_degrees": "nonneg",
            "max_shift": "nonneg",
            "noise_std": "nonneg",
            "zoom_range": [None, 1.0, (0.0, 1.0), (1.2, 1.1), (1.0, NAN)],
            "whole_pixels": [None, 1, "yes"],
            "generator": [3],
        },
    )
    spoil(
        "augment",
        "flat",
        A.flat,
        {"transform": lambda im: im},
        {"transform": "callable", "shape": [None, (8,), (8, 0), (8.0, 8), "8x8"]},
    )
    identity = A.flat(lambda im: im)
    add("augment", "flat(...)(rows of 63)", "rows", lambda: identity(torch.ones(2, 63)))

    net = R.moons_network(4)
    spoil(
        "regularization",
        "moons_problem",
        R.moons_problem,
        {},
        {"n_train": [None, 2, 2.5], "noise": "nonneg", "seed": "seed"},
    )
    spoil(
        "regularization",
        "moons_network",
        R.moons_network,
        {"hidden": 4},
        {"hidden": "posint", "dropout": [NAN, 1.0, -0.1], "layers": "posint", "seed": "seed"},
    )
    spoil(
        "regularization",
        "train_moons",
        R.train_moons,
        {"hidden": 3, "steps": 5},
        {
            "hidden": "posint",
            "weight_decay": "nonneg",
            "dropout": [1.0, NAN],
            "steps": "posint",
            "seed": "seed",
        },
    )
    spoil(
        "regularization",
        "noisy_digits",
        R.noisy_digits,
        {},
        {"n_train": [None, 5, 2000, 2.5], "noise": [None, -0.1, 1.5, NAN], "seed": "seed"},
    )
    spoil(
        "regularization",
        "digits_network",
        R.digits_network,
        {},
        {"dropout": [NAN, 1.0, -0.1], "hidden": "posint", "seed": "seed"},
    )
    spoil(
        "regularization",
        "train_noisy_digits",
        R.train_noisy_digits,
        {"problem": R.noisy_digits(20), "epochs": 1},
        {
            "problem": [None, "digits", (1, 2)],
            "clean": [None, 1, "yes"],
            "dropout": [1.0, NAN],
            "weight_decay": "nonneg",
            "early_stopping": ["es", 3],
            "epochs": "posint",
            "lr": [0, -0.1, NAN],
            "seed": "seed",
        },
    )
    spoil(
        "regularization",
        "noisy_digits_run",
        R.noisy_digits_run,
        {"problem_seed": 0, "weight_decay": 0.0, "dropout": 0.0},
        {"problem_seed": "seed", "weight_decay": "nonneg", "dropout": [1.0, NAN, -0.1]},
    )
    spoil(
        "regularization",
        "decision_grid",
        R.decision_grid,
        {"model": net},
        {"model": [None, "net"], "resolution": [None, 1, 2.5]},
    )
    spoil(
        "regularization",
        "boundary_length",
        R.boundary_length,
        {"xs": np.arange(3.0), "ys": np.arange(3.0), "probabilities": np.zeros((3, 3))},
        {
            "probabilities": [None, np.zeros(3), np.zeros((2, 3)), np.full((3, 3), NAN)],
            "xs": [None, np.zeros((2, 2))],
        },
    )

    # -- hpo ------------------------------------------------------------------------------
    H = ck.hpo
    space = {"lr": H.LogUniform(1e-3, 1.0), "width": H.Integer(8, 64)}
    spoil("hpo", "LogUniform", H.LogUniform, {"low": 1e-3, "high": 1.0}, {"low": "pos"})
    add("hpo", "LogUniform(high <= low)", "high", lambda: H.LogUniform(1.0, 0.1))
    spoil("hpo", "Uniform", H.Uniform, {"low": 0.0, "high": 1.0}, {"low": "real", "high": "real"})
    spoil("hpo", "Integer", H.Integer, {"low": 1, "high": 4}, {"low": [None, 1.5, "1"]})
    spoil(
        "hpo",
        "Categorical",
        H.Categorical,
        {"choices": ["a", "b"]},
        {"choices": [None, "ab", ["a"]]},
    )
    spoil(
        "hpo",
        "random_search",
        H.random_search,
        {"objective": lambda c: c["lr"], "space": space, "n_trials": 2},
        {
            "objective": "callable",
            "space": [None, {}, {"lr": (0.1, 1.0)}],
            "n_trials": "posint",
            "seed": "seed",
        },
    )
    add(
        "hpo",
        "random_search(objective returns NaN)",
        "objective",
        lambda: H.random_search(lambda c: NAN, space, 1),
    )
    spoil(
        "hpo",
        "grid_search",
        H.grid_search,
        {"objective": lambda c: c["lr"], "param_grid": {"lr": [0.1, 1.0]}},
        {"objective": "callable", "param_grid": [None, {}, {"lr": []}, {"lr": "ab"}]},
    )
    spoil(
        "hpo",
        "GaussianProcess",
        H.GaussianProcess,
        {},
        {
            "kernel": "name",
            "length_scale": "pos",
            "signal_variance": "pos",
            "noise": "nonneg",
            "normalize_y": ["yes"],
        },
    )
    gp = H.GaussianProcess()
    spoil(
        "hpo",
        "GaussianProcess.fit",
        gp.fit,
        {"X": np.zeros((3, 1)), "y": np.zeros(3)},
        {"X": [None, np.zeros(3), np.full((3, 1), NAN)], "y": [np.zeros(2), np.full(3, INF)]},
    )
    spoil(
        "hpo",
        "expected_improvement",
        H.expected_improvement,
        {"mu": np.zeros(2), "sigma": np.ones(2), "best": 0.0},
        {
            "mu": [None, np.full(2, NAN), np.zeros(3)],
            "sigma": [np.full(2, -1.0), np.full(2, NAN)],
            "best": "real",
            "xi": "nonneg",
        },
    )
    spoil(
        "hpo",
        "trials_needed",
        H.trials_needed,
        {"fraction": 0.05, "confidence": 0.95},
        {"fraction": [None, 0.0, 1.0, -0.1, NAN, "0.05"], "confidence": [None, 0.0, 1.0, 1.5]},
    )
    spoil(
        "hpo",
        "hyperband_brackets",
        H.hyperband_brackets,
        {"max_resource": 81},
        {"max_resource": "posint", "eta": [None, 1, 2.5, "3"]},
    )
    spoil(
        "hpo",
        "successive_halving",
        H.successive_halving,
        {
            "objective": lambda c, r: 1.0 / r,
            "configs": [{"a": 1}, {"a": 2}],
            "min_resource": 1,
            "max_resource": 9,
        },
        {
            "objective": "callable",
            "configs": [None, [], "ab"],
            "min_resource": "posint",
            "max_resource": [None, 0, 2.5],
            "eta": [None, 1, 2.5],
        },
    )
    spoil(
        "hpo",
        "bayesian_optimization",
        H.bayesian_optimization,
        {"objective": lambda c: c["lr"], "space": space, "n_trials": 3, "n_initial": 2},
        {
            "n_trials": "posint",
            "n_initial": [0, 4, 2.5],
            "n_candidates": "posint",
            "xi": "nonneg",
            "kernel": "name",
        },
    )
    spoil(
        "hpo",
        "from_unit",
        lambda **k: H.from_unit(space, **k),
        {},
        {"u": [None, [0.5], [0.5, 1.5], [NAN, 0.5]]},
    )
    digits_split = ck.data.load_digits_split()
    spoil(
        "hpo",
        "mlp_objective",
        H.mlp_objective,
        {"data": digits_split},
        {"data": [None, X], "epochs": "posint", "seed": "seed"},
    )
    mlp_objective = H.mlp_objective(digits_split, epochs=1)
    spoil(
        "hpo",
        "mlp_objective(...)",
        mlp_objective,
        {"config": {}},
        {
            "config": [
                None,
                {"lr": -1.0},
                {"lr": NAN},
                {"width": 0},
                {"depth": 1.5},
                {"activation": "swish"},
                {"batch_size": 0},
                {"momentum": 0.9},
            ],
            "resource": [0, 2.5, "3"],
        },
    )
    spoil(
        "hpo",
        "importance_toy",
        H.importance_toy,
        {"importance": 10.0},
        {"importance": [None, NAN, 0.5, "2"]},
    )
    spoil(
        "hpo",
        "grid_versus_random",
        H.grid_versus_random,
        {"f": H.importance_toy(10.0), "n_trials": 9},
        {"f": "callable", "n_trials": "posint", "seed": "seed", "shift": [None, 1, "yes"]},
    )
    spoil(
        "hpo",
        "optuna_search",
        H.optuna_search,
        {"objective": lambda c: c["lr"], "space": space, "n_trials": 2},
        {
            "objective": "callable",
            "space": [None, {}, {"lr": (0.1, 1.0)}],
            "n_trials": "posint",
            "sampler": "name",
            "seed": "seed",
        },
    )
    spoil(
        "hpo",
        "fit_length_scale",
        H.fit_length_scale,
        {
            "gp": H.GaussianProcess(),
            "X": np.array([[0.0], [0.5], [1.0]]),
            "y": np.arange(3.0),
        },
        {"gp": [None, "rbf"], "candidates": [[0.0], [], [NAN], "ab"], "y": [np.zeros(2)]},
    )
    spoil(
        "hpo",
        "hyperband",
        H.hyperband,
        {"objective": lambda c, r: c["lr"] / r, "space": space, "max_resource": 9},
        {
            "objective": "callable",
            "space": [None, {}],
            "max_resource": "posint",
            "eta": [None, 1, 2.5],
            "seed": "seed",
        },
    )
    spoil(
        "hpo",
        "tabulate",
        H.tabulate,
        {"objective": lambda c: c["lr"], "param_grid": {"lr": [0.1, 1.0]}},
        {"objective": "callable", "param_grid": [None, {}, {"lr": []}]},
    )
    table = H.tabulate(lambda c: c["lr"], {"lr": [0.1, 1.0]})
    spoil(
        "hpo",
        "TabulatedObjective(...)",
        table,
        {"config": {"lr": 0.1}},
        {"config": [None, {}, {"lr": 0.5}, "lr"]},
    )
    spoil(
        "hpo",
        "mlp_learning_curve",
        H.mlp_learning_curve,
        {"data": digits_split, "config": {}, "epochs": 1},
        {
            "data": [None],
            "config": [None, {"momentum": 0.9}, {"lr": -1.0}],
            "epochs": "posint",
            "seed": "seed",
            "on_epoch": [3],
        },
    )
    spoil(
        "hpo",
        "optuna_pruned_search",
        H.optuna_pruned_search,
        {"data": digits_split, "space": space, "n_trials": 1, "max_epochs": 1},
        {
            "space": [None, {}],
            "n_trials": "posint",
            "max_epochs": "posint",
            "pruner": "name",
            "eta": [None, 1, 2.5],
            "seed": "seed",
        },
    )
    add("hpo", "to_unit(config without width)", "config", lambda: H.to_unit(space, {"lr": 0.1}))
    add("hpo", "sample(rng=3)", "rng", lambda: H.sample(space, 3))

    # -- normalization --------------------------------------------------------------------
    Nm = ck.normalization
    spoil(
        "normalization",
        "BatchNorm1d",
        Nm.BatchNorm1d,
        {"num_features": 3},
        {
            "num_features": "posint",
            "eps": "pos",
            "momentum": [NAN, -0.1, 1.5, "0.1"],
            "affine": ["yes", None],
            "track_running_stats": ["no"],
        },
    )
    spoil(
        "normalization",
        "LayerNorm",
        Nm.LayerNorm,
        {"normalized_shape": 3},
        {
            "normalized_shape": [None, "3", 0, (3, 0), 2.5],
            "eps": "pos",
            "elementwise_affine": ["yes"],
        },
    )
    spoil(
        "normalization",
        "weight_norm",
        lambda **k: Nm.weight_norm(nn.Linear(3, 2), **k),
        {},
        {"name": [None, "w", 3], "dim": [2.5, 2, -3, "0"]},
    )
    add(
        "normalization",
        "BatchNorm1d(3)(batch of one sample)",
        "z",
        lambda: Nm.BatchNorm1d(3)(torch.randn(1, 3)),
    )
    add(
        "normalization",
        "BatchNorm1d(3)(4 features)",
        "z",
        lambda: Nm.BatchNorm1d(3)(torch.randn(5, 4)),
    )
    add(
        "normalization", "LayerNorm(3)(4 features)", "z", lambda: Nm.LayerNorm(3)(torch.randn(5, 4))
    )
    tiny = ck.models.mlp([4, 5, 3], seed=0)
    Xs, ys = torch.as_tensor(X), torch.as_tensor(y)
    spoil(
        "normalization",
        "smoothness_along_gradient",
        lambda **k: Nm.smoothness_along_gradient(tiny, Xs, ys, **k),
        {},
        {"lengths": [None, [0.0], [-1.0], [NAN], "ab", []]},
    )
    weighted = ck.models.mlp([4, 5, 3], seed=0, norm="weight")
    spoil(
        "normalization",
        "data_dependent_init",
        lambda **k: Nm.data_dependent_init(**k),
        {"model": weighted, "X": Xs},
        {
            "model": [None, nn.Linear(4, 3), tiny],
            "X": [None, Xs[:1], Xs[:, :2], torch.full((5, 4), NAN), torch.ones(5, 4)],
        },
    )
    add(
        "normalization",
        "activation_inputs(a Linear)",
        "model",
        lambda: Nm.activation_inputs(nn.Linear(4, 3), Xs),
    )
    add(
        "normalization",
        "layer_gradient_norms(a model without Linear layers)",
        "model",
        lambda: Nm.layer_gradient_norms(nn.Sequential(nn.ReLU()), Xs, ys),
    )

    # -- paths ------------------------------------------------------------------------------
    quad = ck.surfaces.quadratic()
    spoil(
        "paths",
        "descend",
        lambda **k: ck.paths.descend(ck.optim.sgd(), quad.gradient, **k),
        {"start": (1.0, 1.0), "steps": 5, "lr": 0.1},
        {
            "steps": "nonnegint",
            "lr": [None, "0.1", NAN, -1.0],
            "start": [None, (NAN, 1.0), "ab"],
            "limit": "pos",
        },
    )
    spoil(
        "paths",
        "newton",
        lambda **k: ck.paths.newton(quad.gradient, quad.hessian, **k),
        {"start": (1.0, 1.0), "steps": 5},
        {"steps": "nonnegint", "lr": "pos", "start": [None, (NAN, 1.0)], "limit": "pos"},
    )

    # -- schedules ------------------------------------------------------------------------
    S = ck.schedules
    spoil("schedules", "constant", S.constant, {}, {"lr0": "nonneg"})
    spoil(
        "schedules",
        "inverse_time",
        S.inverse_time,
        {"lr0": 0.1, "beta": 0.1},
        {"lr0": "nonneg", "beta": "nonneg"},
    )
    spoil(
        "schedules",
        "exponential",
        S.exponential,
        {"lr0": 0.1, "beta": 0.9},
        {"lr0": "nonneg", "beta": [None, NAN, 0.0, -0.5, 1.5]},
    )
    spoil(
        "schedules",
        "natural_exponential",
        S.natural_exponential,
        {"lr0": 0.1, "beta": 0.1},
        {"lr0": "nonneg", "beta": "nonneg"},
    )
    spoil(
        "schedules",
        "cosine",
        S.cosine,
        {"lr0": 0.1, "total_steps": 100},
        {"lr0": "nonneg", "total_steps": "posint", "lr_min": [None, NAN, -1.0, 0.5]},
    )
    spoil(
        "schedules",
        "linear_warmup",
        S.linear_warmup,
        {"after": 0.1, "warmup_steps": 10},
        {"after": [None, NAN, -1.0, "0.1"], "warmup_steps": "nonnegint"},
    )
    spoil(
        "schedules",
        "triangular",
        S.triangular,
        {"lr_min": 0.01, "lr_max": 0.1, "step_size": 10},
        {
            "lr_min": "nonneg",
            "lr_max": [None, NAN, INF, 0.001],
            "step_size": "posint",
            "cycle_decay": [None, 0.0, -0.5, 1.5, NAN],
        },
    )
    spoil(
        "schedules",
        "piecewise_constant",
        S.piecewise_constant,
        {"lr0": 0.1, "boundaries": [10], "factors": [0.1]},
        {
            "lr0": "nonneg",
            "boundaries": [None, [2.5], [-1], [10, 5]],
            "factors": [None, [NAN], [-0.1], [0.1, 0.2]],
        },
    )
    cos = S.cosine(0.1, 100)
    spoil("schedules", "cosine(...)", cos, {}, {"t": [None, "3", 2.5, -1]})

    # -- clipping -------------------------------------------------------------------------
    C = ck.clipping
    g = np.array([3.0, -4.0])
    spoil(
        "clipping",
        "clip_by_value",
        lambda **k: C.clip_by_value(g, **k),
        {"low": 1.0},
        {"low": [None, "1", NAN], "high": [NAN, "2"]},
    )
    add("clipping", "clip_by_value(low=2, high=1)", "low", lambda: C.clip_by_value(g, 2.0, 1.0))
    spoil(
        "clipping",
        "clip_by_norm",
        lambda **k: C.clip_by_norm(g, **k),
        {"max_norm": 1.0},
        {"max_norm": "nonneg", "eps": "nonneg"},
    )
    spoil(
        "clipping",
        "clip_by_norm",
        C.clip_by_norm,
        {"max_norm": 1.0},
        {"g": [None, "ab", [NAN, 1.0]]},
    )
    spoil(
        "clipping",
        "clip_grad_value_",
        lambda **k: C.clip_grad_value_(params(), **k),
        {},
        {"clip_value": "nonneg"},
    )
    spoil(
        "clipping",
        "clip_grad_norm_",
        lambda **k: C.clip_grad_norm_(params(), **k),
        {"max_norm": 1.0},
        {"max_norm": "nonneg", "norm_type": [None, NAN, 0.0, -1.0, "2"]},
    )

    # -- init -----------------------------------------------------------------------------
    I = ck.init  # noqa: E741
    w = lambda: torch.empty(4, 3)  # noqa: E731
    for name in ("xavier_normal_", "xavier_uniform_", "he_normal_", "he_uniform_", "orthogonal_"):
        spoil("init", name, lambda n=name, **k: getattr(I, n)(w(), **k), {}, {"gain": "pos"})
    spoil("init", "normal_", lambda **k: I.normal_(w(), **k), {"std": 0.1}, {"std": "nonneg"})
    spoil("init", "uniform_", lambda **k: I.uniform_(w(), **k), {"r": 0.1}, {"r": "nonneg"})
    spoil("init", "fans", I.fans, {}, {"tensor": [None, torch.ones(3), np.ones((2, 2))]})
    net = lambda: ck.models.mlp([4, 5, 3])  # noqa: E731
    spoil(
        "init",
        "init_model",
        lambda **k: I.init_model(net(), **k),
        {"scheme": "he_normal"},
        {"scheme": "name", "seed": "seed"},
    )
    spoil(
        "init",
        "layer_statistics",
        I.layer_statistics,
        {"activation": "tanh", "scheme": "xavier_normal", "depth": 3, "width": 8, "batch": 10},
        {
            "activation": "name",
            "scheme": "name",
            "depth": "posint",
            "width": "posint",
            "batch": "posint",
            "seed": "seed",
        },
    )

    # -- landscape ------------------------------------------------------------------------
    L = ck.landscape
    spoil(
        "landscape",
        "classify",
        L.classify,
        {"eigenvalues": [1.0, 2.0]},
        {"eigenvalues": [None, [NAN, 1.0], [], "ab"], "tol": "nonneg"},
    )
    spoil(
        "landscape",
        "random_symmetric",
        L.random_symmetric,
        {"d": 2, "n": 3, "rng": rng},
        {"d": "posint", "n": "posint", "rng": [None, 0]},
    )
    spoil(
        "landscape",
        "probability_all_positive",
        L.probability_all_positive,
        {"d": 2, "n": 3, "rng": rng},
        {"d": "posint", "n": "posint", "rng": [None, 0]},
    )
    f = lambda t: (t**2).sum()  # noqa: E731
    spoil(
        "landscape",
        "critical_point",
        L.critical_point,
        {"f": f, "point": [0.0, 0.0]},
        {"point": [None, [NAN, 0.0], "ab"], "f": "callable", "tol": "nonneg"},
    )
    small = ck.models.mlp([4, 3], seed=0)
    vec = L.parameters_vector(small)
    Xt, yt = torch.as_tensor(X), torch.as_tensor(y)
    spoil(
        "landscape",
        "model_loss",
        L.model_loss,
        {"model": small, "vector": vec, "X": Xt, "y": yt},
        {
            "vector": [torch.cat([vec, vec[:1]]), vec[:-1], None],
            "y": [torch.full((30,), 5), torch.full((30,), -1), yt[:-1]],
            "X": [Xt[:, :3], torch.as_tensor(X_nan)],
        },
    )
    spoil(
        "landscape",
        "interpolate",
        L.interpolate,
        {"theta_a": vec, "theta_b": vec, "alpha": 0.5},
        {"alpha": "real", "theta_b": [vec[:-1]]},
    )
    spoil(
        "landscape",
        "loss_along_line",
        L.loss_along_line,
        {"model": small, "theta_a": vec, "theta_b": vec, "X": Xt, "y": yt},
        {"theta_b": [vec[:-1], torch.cat([vec, vec[:1]])], "alphas": [[NAN], [], None]},
    )
    spoil(
        "landscape",
        "loss_plane",
        L.loss_plane,
        {
            "model": small,
            "center": vec,
            "direction_1": vec,
            "direction_2": vec,
            "X": Xt,
            "y": yt,
            "alphas": [0.0],
            "betas": [0.0],
        },
        {"direction_1": [vec[:-1], torch.cat([vec, vec[:1]])], "betas": [[NAN], [], None]},
    )
    spoil(
        "landscape",
        "filter_normalized_direction",
        L.filter_normalized_direction,
        {"model": small},
        {"seed": "seed"},
    )

    # -- minibatch ------------------------------------------------------------------------
    M = ck.minibatch
    spoil(
        "minibatch",
        "iterations_per_epoch",
        M.iterations_per_epoch,
        {"n": 10, "batch_size": 3},
        {"n": "posint", "batch_size": "posint"},
    )
    spoil(
        "minibatch",
        "minibatch_indices",
        M.minibatch_indices,
        {"n": 10, "batch_size": 3, "rng": rng},
        {"n": "posint", "batch_size": [*BAD["posint"], 11], "rng": [None, 0]},
    )
    spoil(
        "minibatch",
        "MiniBatches",
        M.MiniBatches,
        {"X": X, "y": y, "batch_size": 4},
        {
            "batch_size": [*BAD["posint"], 31],
            "seed": "seed",
            "y": [y[:-1], None],
            "X": [None, "ab"],
        },
    )
    grad = ck.models.softmax_regression_grad
    theta = np.zeros((4, 3))
    spoil(
        "minibatch",
        "minibatch_gradient_descent",
        M.minibatch_gradient_descent,
        {"grad": grad, "theta": theta, "X": X, "y": y, "batch_size": 5, "lr": 0.1, "epochs": 1},
        {
            "lr": [None, "0.1", NAN, -1.0],
            "epochs": "posint",
            "batch_size": "posint",
            "seed": "seed",
            "grad": "callable",
            "X": [X_nan, X[:-1]],
            "theta": [np.zeros((3, 3))],
        },
    )
    per = rng.standard_normal((20, 3))
    spoil(
        "minibatch",
        "minibatch_gradient_stats",
        M.minibatch_gradient_stats,
        {"per_example_grads": per, "batch_size": 4},
        {
            "batch_size": [*BAD["posint"], 21],
            "n_batches": "posint",
            "seed": "seed",
            "per_example_grads": [None, per[0], np.full((3, 2), NAN)],
        },
    )
    spoil(
        "minibatch",
        "minibatch_gradient_variance",
        M.minibatch_gradient_variance,
        {"per_example_grads": per, "batch_size": 4},
        {"batch_size": [*BAD["posint"], 21], "per_example_grads": [None, np.full((3, 2), NAN)]},
    )

    # -- models ---------------------------------------------------------------------------
    Mo = ck.models
    spoil(
        "models",
        "mlp",
        Mo.mlp,
        {"sizes": [4, 5, 3]},
        {
            "sizes": [None, [4], [4, 0, 3], [4, 2.5, 3], "ab"],
            "activation": "name",
            "seed": [*BAD["seed"][1:]],
        },
    )
    th = np.zeros((4, 3))
    for name in (
        "softmax_regression_loss",
        "softmax_regression_grad",
        "softmax_regression_per_example_grads",
    ):
        spoil(
            "models",
            name,
            getattr(Mo, name),
            {"theta": th, "X": X, "y": y},
            {
                "y": [np.full(30, -1), np.full(30, 3), np.full(30, 1.5), y[:-1]],
                "X": [X_nan, X[:, :3], None],
                "theta": [np.full((4, 3), NAN)],
            },
        )
    batches = M.minibatch_indices(30, 5, np.random.default_rng(0))
    spoil(
        "models",
        "softmax_sgd_epoch",
        Mo.softmax_sgd_epoch,
        {"theta": th, "X": X, "y": y, "batches": batches, "lr": 0.1},
        {
            "lr": [None, "0.1", NAN, -1.0],
            "batches": [None, [np.array([31])], [np.array([1.5])]],
            "y": [np.full(30, -1)],
        },
    )
    spoil("models", "softmax", Mo.softmax, {}, {"z": [None, "ab", np.array([[NAN, 1.0]])]})

    # -- preprocessing --------------------------------------------------------------------
    P = ck.preprocessing
    Xd = rng.standard_normal((20, 3))
    X_inf = Xd.copy()
    X_inf[4, 1] = INF
    for cls in (P.MinMaxScaler, P.StandardScaler, P.PCAWhitening, P.ZCAWhitening):
        spoil(
            "preprocessing",
            f"{cls.__name__}().fit",
            lambda c=cls, **k: c().fit(**k),
            {},
            {"X": [None, "ab", X_inf, np.where(np.eye(20, 3) > 0, NAN, Xd), Xd[0]]},
        )
        spoil(
            "preprocessing",
            f"{cls.__name__}().transform",
            lambda c=cls, **k: c().fit(Xd).transform(**k),
            {},
            {"X": [X_inf, Xd[:, :2]]},
        )
    for cls in (P.PCAWhitening, P.ZCAWhitening):
        spoil("preprocessing", cls.__name__, cls, {}, {"epsilon": "nonneg"})
    spoil("preprocessing", "subtract_sample_mean", P.subtract_sample_mean, {}, {"X": [None, X_inf]})

    # -- surfaces -------------------------------------------------------------------------
    Su = ck.surfaces
    spoil("surfaces", "quadratic", Su.quadratic, {}, {"a": "pos", "b": "pos"})
    spoil("surfaces", "rosenbrock", Su.rosenbrock, {}, {"a": "real", "b": "pos"})
    spoil(
        "surfaces",
        "cliff",
        Su.cliff,
        {},
        {"height": "pos", "steepness": "pos", "edge": "real", "quartic": "nonneg"},
    )
    spoil(
        "surfaces",
        "wells",
        Su.wells,
        {},
        {
            "depths": [[1.0, NAN, 1.0], [1.0, 2.0]],
            "widths": [[0.3, -1.0, 0.3]],
            "confinement": "nonneg",
            "centers": [None, [(NAN, 0.0), (1, 1), (2, 2)]],
        },
    )
    add(
        "surfaces",
        "quadratic().gradient(3 coordinates)",
        "t",
        lambda: Su.quadratic().gradient(np.ones(3)),
    )

    # -- train ----------------------------------------------------------------------------
    T = ck.train

    def fit(**k: Any) -> Any:
        model = ck.models.mlp([4, 5, 3], seed=0)
        opt = k.pop("optimizer", None) or torch.optim.SGD(model.parameters(), lr=0.1)
        options = {"X": X, "y": y, "batch_size": 5, "progress": False, **k}
        return T.fit(model, opt, **options)

    spoil(
        "train",
        "fit",
        fit,
        {},
        {
            "batch_size": [*BAD["posint"], 31],
            "epochs": "posint",
            "max_steps": ["3", 2.5, 0, -1, True],
            "eval_every": ["3", 2.5, 0],
            "seed": "seed",
            "on_divergence": "name",
            "diverge_above": [NAN, -1.0, 0.0, "1"],
            "val": [(X, None), (X[:, :3], y), (X_nan, y), "ab", (X,)],
            "X": [None, X_nan, X[:-1], "ab"],
            "y": [np.full(30, 3), np.full(30, -1), np.full(30, 1.5), None],
            "scheduler": [3, "ab"],
            "callback": [3],
            "augment": [3, "flip"],
            "loss_fn": [None],
            "optimizer": [3, "ab"],
        },
    )
    spoil(
        "train",
        "train_mlp",
        lambda **k: T.train_mlp(**{"X": X, "y": y, "batch_size": 5, **k}),
        {"optimizer": lambda p: torch.optim.SGD(p, lr=0.1)},
        {
            "optimizer": [None, torch.optim.SGD, 3],
            "hidden": [None, [0], [2.5], "ab"],
            "activation": "name",
            "n_classes": [2, 0, 2.5, "3"],
            "seed": "seed",
        },
    )
    spoil(
        "train",
        "train_variants",
        lambda **k: T.train_variants(**{"X": X, "y": y, "batch_size": 5, **k}),
        {},
        {"variants": [None, {"a": None}, {}, [1, 2]]},
    )

    def history() -> Any:
        return fit(epochs=1)

    spoil(
        "train",
        "History.value_at",
        lambda **k: history().value_at(**k),
        {"x": "step", "at": 1},
        {"x": "name", "y": "name", "at": [None, NAN, "1"]},
    )

    # -- data -----------------------------------------------------------------------------
    D = ck.data
    spoil(
        "data",
        "split_dataset",
        lambda **k: D.split_dataset(**{"name": "toy", **k}),
        {"X": X, "y": y},
        {
            "val_fraction": "fraction",
            "test_fraction": "fraction",
            "seed": "seed",
            "X": [X_nan, None],
            "y": [np.full(30, -1), np.where(np.arange(30) % 2, 0.0, 1.5)],
        },
    )
    spoil(
        "data",
        "load_digits_split",
        D.load_digits_split,
        {},
        {"val_fraction": "fraction", "test_fraction": "fraction", "seed": "seed"},
    )
    spoil(
        "data",
        "make_moons",
        D.make_moons,
        {},
        {"n": [None, "10", 2.5, 1, -1], "noise": "nonneg", "seed": "seed"},
    )
    spoil(
        "data",
        "make_spirals",
        D.make_spirals,
        {},
        {
            "n": [None, 2.5, 1],
            "classes": [None, 2.5, 1],
            "noise": "nonneg",
            "turns": "real",
            "seed": "seed",
        },
    )
    spoil("data", "read_idx", D.read_idx, {}, {"path": [None, 3]})
    missing = "/nonexistent/train-labels-idx1-ubyte"  # a missing file is named by its path
    add("data", f"read_idx({missing!r})", missing, lambda: D.read_idx(missing))
    spoil(
        "data",
        "load_mnist",
        D.load_mnist,
        {"folder": "/nonexistent"},
        {"val_fraction": "fraction", "folder": [None]},
    )

    # -- notebook -------------------------------------------------------------------------
    spoil(
        "notebook",
        "below",
        ck.notebook.below,
        {"value": 1e-13, "bound": 1e-12},
        {"value": [None, "1"], "bound": "pos"},
    )

    # -- plot -----------------------------------------------------------------------------
    spoil(
        "plot",
        "smooth",
        ck.plot.smooth,
        {"values": [1.0, 2.0, 3.0], "window": 2},
        {"window": "posint", "values": [None, "ab"]},
    )

    spoil(
        "notebook",
        "yours",
        ck.notebook.yours,
        {"fn": lambda: 1.0},
        {"fn": "callable"},
    )

    # -- designs: the experiments behind the design exercises ------------------------------
    DS = ck.designs
    spoil(
        "designs",
        "saddle_escape_run",
        DS.saddle_escape_run,
        {"lr": 0.5, "noise": 0.001},
        {"lr": "pos", "noise": "nonneg", "seed": "seed", "steps": "posint"},
    )
    spoil(
        "designs",
        "softmax_budget_run",
        DS.softmax_budget_run,
        {"batch_size": 8, "lr": 1.0, "updates": 2},
        {"batch_size": [*BAD["posint"], 5000], "lr": "pos", "seed": "seed", "updates": "posint"},
    )
    spoil(
        "designs",
        "noisy_quadratic_run",
        DS.noisy_quadratic_run,
        {"rates": [0.05] * 3},
        {
            "rates": [None, [], [0.1, NAN], [0.1, -0.1], np.zeros((2, 2))],
            "seed": "seed",
            "noise": "nonneg",
        },
    )
    spoil(
        "designs",
        "noisy_quadratic_expected",
        DS.noisy_quadratic_expected,
        {"rates": [0.05] * 3},
        {"rates": [None, [], [0.1, NAN], [0.1, -0.1], np.zeros((2, 2))], "noise": "nonneg"},
    )
    spoil(
        "designs",
        "leaky_relu_signal",
        DS.leaky_relu_signal,
        {"init_weights": lambda i, o, r: r.normal(0, 0.1, (o, i)), "depth": 2, "width": 4},
        {
            "init_weights": [*BAD["callable"], lambda i, o, r: np.zeros((i, o + 1))],
            "seed": "seed",
            "depth": [None, 1, 2.5],
            "width": "posint",
            "slope": [None, NAN, -0.1, 1.5],
            "batch": "posint",
        },
    )
    spoil(
        "designs",
        "deep_digits_run",
        DS.deep_digits_run,
        {"norm": "batch", "lr": 0.05},
        {"norm": [3, "group"], "lr": "pos", "seed": "seed"},
    )

    # -- widgets (the factories raise instead of clamping) ---------------------------------
    W = ck.widgets
    spoil(
        "widgets",
        "saddle_escape",
        W.saddle_escape,
        {},
        {
            "offset": [None, NAN, -1e-6, 1.0],
            "noise": [None, NAN, -0.1, 10.0],
            "lr": [None, NAN, 0.0, 5.0],
            "steps": "posint",
            "seed": "seed",
        },
    )
    digits = D.load_digits_split()
    spoil(
        "widgets",
        "minibatch_explorer",
        lambda **k: W.minibatch_explorer(digits, **k),
        {},
        {
            "steps": "posint",
            "hidden": "posint",
            "batch_size": [None, 2.5, 0, 7],
            "lr": [None, NAN, 0.0, 100.0],
            "seed": "seed",
            "y_max": "pos",
        },
    )
    spoil(
        "widgets",
        "optimizer_race",
        W.optimizer_race,
        {},
        {
            "surface": "name",
            "optimizers": [None, ("nonsense",), "SGD"],
            "lr": [None, NAN, 0.0, 10.0],
            "momentum": [None, NAN, -0.5, 1.5],
            "beta2": [None, NAN, 1.5],
            "steps": "posint",
        },
    )
    spoil(
        "widgets",
        "importance_explorer",
        W.importance_explorer,
        {},
        {"importance": [None, NAN, 0.5, 1000.0], "n_trials": [None, 10, 2.5], "seed": "seed"},
    )
    spoil(
        "widgets",
        "bayes_explorer",
        W.bayes_explorer,
        {},
        {
            "n_observations": [None, 0, 16, 2.5],
            "length_scale": [None, NAN, 0.0, 2.0],
            "xi": [None, NAN, -0.1, 0.6],
            "seed": "seed",
        },
    )
    spoil(
        "widgets",
        "regularization_explorer",
        W.regularization_explorer,
        {},
        {"hidden": [None, 7, 2.5, "20"], "weight_decay": [None, NAN, -1.0, 0.5], "seed": "seed"},
    )
    spoil(
        "widgets",
        "dropout_explorer",
        W.dropout_explorer,
        {},
        {"p": [None, NAN, -0.1, 0.95], "mc_samples": [None, 0, 7, 2.5], "seed": "seed"},
    )
    spoil(
        "widgets",
        "normalization_explorer",
        lambda **k: W.normalization_explorer(digits, **k),
        {},
        {
            "norm": [None, "group norm", 3],
            "lr": [None, NAN, 0.0, 100.0],
            "batch_size": [None, 1, 3, 2.5],
            "steps": [None, 5, 2.5],
            "seed": "seed",
            "hidden": [None, "ab", [0]],
            "activation": "name",
        },
    )
    spoil(
        "widgets",
        "schedule_explorer",
        W.schedule_explorer,
        {},
        {"total_steps": [None, "100", 2.5, 0, 5]},
    )
    spoil(
        "widgets",
        "init_explorer",
        W.init_explorer,
        {},
        {
            "activation": "name",
            "scheme": "name",
            "depth": [None, 2.5, 0, 1, 100],
            "width": [None, 2.5, 0, 100],
        },
    )

    # -- found by an independent adversarial review -----------------------------------------
    add(
        "paths",
        "newton(gradient, gradient) (a 'Hessian' that is a vector)",
        "hessian",
        lambda: ck.paths.newton(quad.gradient, quad.gradient, (1.0, 1.0), 5),
    )
    add(
        "paths",
        "descend(ck.optim.adam, ...) (the rule factory uncalled)",
        "rule",
        lambda: ck.paths.descend(ck.optim.adam, quad.gradient, (1.0, 1.0), 5, 0.1),
    )
    add("paths", "first_step(floats)", "reached", lambda: ck.paths.first_step([0.0, 0.3, 2.0]))
    add("surfaces", "quadratic()([1, 2, 3])", "theta", lambda: Su.quadratic()([1.0, 2.0, 3.0]))
    add(
        "optim",
        "adam().update(g, state, lr, t=0)",
        "t",
        lambda: ck.optim.adam().update(np.ones(2), ck.optim.adam().init(np.ones(2)), 0.1, 0),
    )
    add(
        "optim",
        "sgd().update(g, state, lr=-1, t=1)",
        "lr",
        lambda: ck.optim.sgd().update(np.ones(2), {}, -1.0, 1),
    )
    add(
        "init",
        "init_model(model, 'he_normal', std=0.1)",
        "std",
        lambda: I.init_model(net(), "he_normal", std=0.1),
    )
    add("init", "normal_(numpy array)", "tensor", lambda: I.normal_(np.zeros((2, 2)), 0.1))
    add(
        "schedules",
        "piecewise_constant(0.1, 100, [0.1])",
        "boundaries",
        lambda: S.piecewise_constant(0.1, 100, [0.1]),
    )
    add(
        "clipping",
        "clip_grad_norm_(model, 1.0)",
        "params",
        lambda: C.clip_grad_norm_(ck.models.mlp([2, 2]), 1.0),
    )
    add(
        "minibatch",
        "MiniBatches(...).epoch_order(-1)",
        "epoch",
        lambda: M.MiniBatches(X, y, 4).epoch_order(-1),
    )
    add(
        "minibatch",
        "iterations_per_epoch(10, 3, drop_last='no')",
        "drop_last",
        lambda: M.iterations_per_epoch(10, 3, drop_last="no"),
    )
    add(
        "landscape",
        "model_hessian(model, X, labels beyond the outputs)",
        "y",
        lambda: L.model_hessian(small, Xt, torch.full((30,), 5)),
    )
    add(
        "plot",
        "plot_loss_curves([history])",
        "histories",
        lambda: ck.plot.plot_loss_curves([history()]),
    )
    add(
        "train",
        "fit(model, optimizer of another model)",
        "optimizer",
        lambda: T.fit(
            ck.models.mlp([4, 5, 3]),
            torch.optim.SGD(ck.models.mlp([4, 5, 3]).parameters(), lr=0.1),
            X,
            y,
            batch_size=5,
            progress=False,
        ),
    )
    add(
        "train",
        "fit(loss_fn=CrossEntropyLoss(reduction='none'))",
        "loss_fn",
        lambda: fit(loss_fn=nn.CrossEntropyLoss(reduction="none")),
    )
    add(
        "data",
        "split_dataset(one class)",
        "y",
        lambda: D.split_dataset(X, np.zeros(30, dtype=int), name="toy"),
    )
    add(
        "data",
        "split_dataset(image_shape=(8, 8) for 4 features)",
        "image_shape",
        lambda: D.split_dataset(X, y, name="toy", image_shape=(8, 8)),
    )

    # -- found by a second review --------------------------------------------------------
    def with_group(**group: Any) -> Any:
        return ck.optim.SGD([{"params": params(), **group}], lr=0.1)

    add("optim", "SGD([{'params': ..., 'lr': -1}])", "lr", lambda: with_group(lr=-1.0))
    add(
        "optim",
        "SGD([{'params': ..., 'momentum': 1.5}])",
        "momentum",
        lambda: with_group(momentum=1.5),
    )
    add(
        "optim",
        "SGD(nesterov='no')",
        "nesterov",
        lambda: ck.optim.SGD(params(), lr=0.1, momentum=0.9, nesterov="no"),
    )
    add(
        "optim",
        "Adam(decoupled_weight_decay='no')",
        "decoupled_weight_decay",
        lambda: ck.optim.Adam(params(), decoupled_weight_decay="no"),
    )
    add(
        "optim",
        "Adam([{'params': ..., 'betas': (0.9, 0.99, 0.9)}])",
        "betas",
        lambda: ck.optim.Adam([{"params": params(), "betas": (0.9, 0.99, 0.9)}]),
    )
    add(
        "optim",
        "SGD(lr=cosine).step() (the factory uncalled)",
        "lr",
        lambda: step_with(ck.schedules.cosine),
    )

    def fit_with_scheduler(make: Callable[[Any], Any], lr: Any = 0.1) -> Any:
        model = ck.models.mlp([4, 5, 3], seed=0)
        opt = ck.optim.SGD(model.parameters(), lr=lr)
        return T.fit(model, opt, X, y, batch_size=5, progress=False, scheduler=make(opt))

    other = torch.optim.SGD(params(), lr=0.1)
    add(
        "train",
        "fit(scheduler of another optimizer)",
        "scheduler",
        lambda: fit_with_scheduler(lambda o: torch.optim.lr_scheduler.StepLR(other, 1)),
    )
    add(
        "train",
        "fit(scheduler=ReduceLROnPlateau)",
        "scheduler",
        lambda: fit_with_scheduler(lambda o: torch.optim.lr_scheduler.ReduceLROnPlateau(o)),
    )
    add(
        "train",
        "fit(lr=schedule, scheduler=StepLR)",
        "scheduler",
        lambda: fit_with_scheduler(
            lambda o: torch.optim.lr_scheduler.StepLR(o, 1), lr=ck.schedules.cosine(0.1, 10)
        ),
    )
    add(
        "plot",
        "heatmap(fmt='%.2f')",
        "fmt",
        lambda: ck.plot.heatmap(np.ones((1, 1)), ["a"], ["b"], fmt="%.2f"),
    )
    add(
        "plot",
        "heatmap(row_labels=None)",
        "row_labels",
        lambda: ck.plot.heatmap(np.ones((1, 1)), None, ["b"]),
    )

    def linear_axes() -> Any:
        from matplotlib.figure import Figure

        return Figure().subplots()

    add("plot", "plain_log_ticks(ax=None)", "ax", lambda: ck.plot.plain_log_ticks(None))
    add(
        "plot",
        "plain_log_ticks(axis='z')",
        "axis",
        lambda: ck.plot.plain_log_ticks(linear_axes(), "z"),
    )
    add(
        "plot",
        "plain_log_ticks(linear y axis)",
        "y axis",
        lambda: ck.plot.plain_log_ticks(linear_axes()),
    )
    add(
        "plot",
        "plot_loss_curves(smooth_window=0)",
        "smooth_window",
        lambda: ck.plot.plot_loss_curves({"a": history()}, smooth_window=0),
    )
    add(
        "plot",
        "plot_loss_curves(legend='no')",
        "legend",
        lambda: ck.plot.plot_loss_curves({"a": history()}, legend="no"),
    )
    add(
        "plot",
        "curve_data({'a': history})",
        "history",
        lambda: ck.plot.curve_data({"a": history()}),
    )
    add(
        "plot",
        "surface_contours(ax, 'rosenbrock')",
        "surface",
        lambda: ck.plot.surface_contours(None, "rosenbrock"),
    )
    add("plot", "figure_png(axes)", "fig", lambda: ck.plot.figure_png("axes"))
    add("plot", "alt_text(axes)", "fig", lambda: ck.plot.alt_text("axes"))
    add("plot", "figure_html(None)", "fig", lambda: ck.plot.figure_html(None))
    add("plot", "describe(fig, '')", "text", lambda: ck.plot.describe(Figure(), ""))
    add("plot", "describe(fig, None)", "text", lambda: ck.plot.describe(Figure(), None))
    add("plot", "png_html(b'GIF', alt)", "png", lambda: ck.plot.png_html(b"GIF89a", "alt"))
    add("plot", "png_html(png, alt=None)", "alt", lambda: ck.plot.png_html(_PNG, None))
    add("plot", "png_html(png, width=-1)", "width", lambda: ck.plot.png_html(_PNG, "a", width=-1))
    add("plot", "layer_spread([], ax)", "outputs", lambda: ck.plot.layer_spread([], None))
    add(
        "plot",
        "layer_spread([nan], ax)",
        "outputs[0]",
        lambda: ck.plot.layer_spread([np.array([np.nan])], Figure().subplots()),
    )
    add("plot", "layer_spread(x, ax=None)", "ax", lambda: ck.plot.layer_spread([np.ones(2)], None))
    add(
        "plot",
        "layer_histograms(layers=[0])",
        "layers[k]",
        lambda: ck.plot.layer_histograms([np.ones(2)], "t", [Figure().subplots()], layers=[0]),
    )
    add(
        "widgets",
        "MultiToggle(value=['z'])",
        "value",
        lambda: ck.widgets.core.MultiToggle(["a"], ["z"], description="d"),
    )
    add("notebook", "setup(style=2)", "style", lambda: ck.notebook.setup(0, style=2))
    add(
        "init",
        "init_model([Linear])",
        "model",
        lambda: I.init_model([nn.Linear(3, 3)], "he_normal"),
    )
    add(
        "init",
        "he_normal_(long tensor)",
        "tensor",
        lambda: I.he_normal_(torch.zeros(3, 3, dtype=torch.long)),
    )
    add("notebook", "setup(style='no')", "style", lambda: ck.notebook.setup(0, style="no"))
    add(
        "notebook",
        "show_source(f, docstring='no')",
        "docstring",
        lambda: ck.notebook.show_source(ck.plot.smooth, docstring="no"),
    )
    add(
        "data",
        "split_dataset(seed=2**32)",
        "seed",
        lambda: D.split_dataset(X, y, name="toy", seed=2**32),
    )

    def race_set() -> None:
        app = W.optimizer_race()
        app.set(lr=5.0)

    add("widgets", "optimizer_race().set(lr=5.0)", "lr", race_set)

    def race_optimizers() -> None:
        W.optimizer_race().set(optimizers="Adam")

    add("widgets", "optimizer_race().set(optimizers='Adam')", "optimizers", race_optimizers)


CLEAR_ERRORS = (TypeError, ValueError, FileNotFoundError, LookupError)


def run_probe(probe: Probe) -> Outcome:
    import matplotlib.pyplot as plt

    try:
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            probe.thunk()
    except CLEAR_ERRORS as error:
        message = str(error)
        verdict = "clear" if probe.arg in message else "obscure"
        return Outcome(probe, verdict, f"{type(error).__name__}: {message[:160]}")
    except Exception as error:
        return Outcome(probe, "obscure", f"{type(error).__name__}: {str(error)[:160]}")
    finally:
        plt.close("all")
    return Outcome(probe, "silent", "returned without an error")


def run_all() -> list[Outcome]:
    PROBES.clear()
    build()
    return [run_probe(p) for p in PROBES]


def table(outcomes: list[Outcome]) -> str:
    counts: dict[str, Counter] = {}
    for o in outcomes:
        counts.setdefault(o.probe.module, Counter())[o.verdict] += 1
    lines = [
        "| module | tried | clear error | obscure error | silent wrong |",
        "|---|---:|---:|---:|---:|",
    ]
    total: Counter = Counter()
    for module, c in counts.items():
        total.update(c)
        tried = sum(c.values())
        lines.append(f"| {module} | {tried} | {c['clear']} | {c['obscure']} | {c['silent']} |")
    lines.append(
        f"| **all** | {sum(total.values())} | {total['clear']} | {total['obscure']} | "
        f"{total['silent']} |"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--list", action="store_true", help="list every probe not clear")
    args = parser.parse_args(argv)
    outcomes = run_all()
    print(table(outcomes))
    if args.list:
        for o in outcomes:
            if o.verdict != "clear":
                print(f"- [{o.verdict}] {o.probe.module}: {o.probe.call} -> {o.detail}")
    return 0 if all(o.verdict == "clear" for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
