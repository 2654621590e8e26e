"""coursekit.init: fans equal torch.nn.init's, variances and bounds match the formulas and torch."""

from __future__ import annotations

import math

import pytest
import torch

import coursekit as ck
from coursekit import init

SHAPES = [(300, 200), (64, 32, 3, 3), (16, 8, 5), (500, 1000)]


@pytest.mark.parametrize("shape", SHAPES)
def test_fans_equal_torch(shape) -> None:
    w = torch.empty(shape)
    assert init.fans(w) == torch.nn.init._calculate_fan_in_and_fan_out(w)


def draw(fill, shape=(400, 600), seed=0, **kwargs) -> torch.Tensor:
    w = torch.empty(shape, dtype=torch.float64)
    return fill(w, generator=torch.Generator().manual_seed(seed), **kwargs)


@pytest.mark.parametrize(
    ("fill", "kwargs", "variance"),
    [
        (init.normal_, {"std": 0.05}, 0.05**2),
        (init.uniform_, {"r": 0.2}, 0.2**2 / 3),
        (init.xavier_normal_, {}, 2 / (600 + 400)),
        (init.xavier_uniform_, {}, 2 / (600 + 400)),
        (init.xavier_uniform_, {"gain": 4.0}, 16 * 2 / (600 + 400)),  # logistic: variance x 16
        (init.he_normal_, {}, 2 / 600),
        (init.he_uniform_, {}, 2 / 600),
    ],
)
def test_empirical_variance_is_within_two_percent(fill, kwargs, variance) -> None:
    w = draw(fill, **kwargs)  # 240,000 draws: the relative error of a variance is ~0.3%
    assert abs(w.var().item() / variance - 1) < 0.02
    assert abs(w.mean().item()) < 0.01 * math.sqrt(variance)


@pytest.mark.parametrize(
    ("ours", "theirs", "bound"),
    [
        (
            lambda w: init.xavier_uniform_(w),
            lambda w: torch.nn.init.xavier_uniform_(w),
            math.sqrt(6 / (600 + 400)),
        ),
        (
            lambda w: init.he_uniform_(w),
            lambda w: torch.nn.init.kaiming_uniform_(w, nonlinearity="relu"),
            math.sqrt(6 / 600),
        ),
    ],
)
def test_uniform_bounds_are_the_formula_and_torchs(ours, theirs, bound) -> None:
    a = ours(torch.empty(400, 600, dtype=torch.float64))
    b = theirs(torch.empty(400, 600, dtype=torch.float64))
    for w in (a, b):  # both fill [-r, r] right up to the bound
        assert w.abs().max().item() <= bound
        assert w.abs().max().item() > 0.999 * bound
    assert abs(a.var().item() / b.var().item() - 1) < 0.02


def test_normal_schemes_match_torchs_variance() -> None:
    pairs = [
        (init.xavier_normal_, lambda w: torch.nn.init.xavier_normal_(w)),
        (init.he_normal_, lambda w: torch.nn.init.kaiming_normal_(w, nonlinearity="relu")),
    ]
    for ours, theirs in pairs:
        a = ours(torch.empty(400, 600, dtype=torch.float64))
        b = theirs(torch.empty(400, 600, dtype=torch.float64))
        assert abs(a.var().item() / b.var().item() - 1) < 0.02


@pytest.mark.parametrize("shape", [(50, 80), (80, 50), (64, 64), (16, 4, 3, 3)])
@pytest.mark.parametrize("gain", [1.0, 2.0])
def test_orthogonal_is_orthogonal(shape, gain) -> None:
    w = init.orthogonal_(torch.empty(shape, dtype=torch.float64), gain)
    flat = w.reshape(shape[0], -1)
    if flat.shape[0] <= flat.shape[1]:
        product = flat @ flat.T
    else:
        product = flat.T @ flat
    torch.testing.assert_close(
        product, gain**2 * torch.eye(len(product), dtype=torch.float64), atol=1e-6, rtol=0
    )
    ref = torch.nn.init.orthogonal_(torch.empty(shape, dtype=torch.float64), gain)
    torch.testing.assert_close(ref.reshape(shape[0], -1).norm(), flat.norm())


def test_zeros_and_init_model() -> None:
    model = torch.nn.Sequential(torch.nn.Linear(30, 20), torch.nn.ReLU(), torch.nn.Linear(20, 5))
    init.init_model(model, "he_normal", seed=0)
    assert all(torch.all(m.bias == 0) for m in (model[0], model[2]))
    first = model[0].weight.detach().clone()
    init.init_model(model, "he_normal", seed=0)
    torch.testing.assert_close(model[0].weight.detach(), first)  # seeded: reproducible
    init.init_model(model, "normal", std=0.5)
    assert 0.4 < model[0].weight.std().item() < 0.6
    init.init_model(model, "zeros")
    assert all(torch.all(p == 0) for p in model.parameters())
    with pytest.raises(ValueError, match="scheme must be one of"):
        init.init_model(model, "lecun")


def test_bad_arguments_raise() -> None:
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        init.xavier_normal_(torch.empty(10))
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        init.he_uniform_(torch.empty(10))
    with pytest.raises(ValueError, match="std must be >= 0"):
        init.normal_(torch.empty(3, 3), -0.1)
    with pytest.raises(ValueError, match="r must be >= 0"):
        init.uniform_(torch.empty(3, 3), -1.0)
    with pytest.raises(ValueError, match="gain must be > 0"):
        init.xavier_uniform_(torch.empty(3, 3), gain=0.0)
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        init.orthogonal_(torch.empty(5))


def test_layer_statistics_runs_the_network_that_init_model_makes() -> None:
    outputs, grads = ck.init.layer_statistics(
        "tanh", "xavier_normal", depth=3, width=16, batch=5, seed=4
    )
    assert [o.shape for o in outputs] == [(5, 16)] * 3 and [g.shape for g in grads] == [(5, 16)] * 3
    net = ck.init.init_model(
        torch.nn.Sequential(*ck.models.mlp([16] * 4, activation="tanh", seed=4), torch.nn.Tanh()),
        "xavier_normal",
        seed=4,
    )
    x = torch.randn(5, 16, generator=torch.Generator().manual_seed(5))
    torch.testing.assert_close(net(x), outputs[-1])  # the same weights, the same inputs
    torch.testing.assert_close(net[:2](x), outputs[0])
    small, _ = ck.init.layer_statistics("tanh", "normal", depth=10, width=64, std=0.01, seed=0)
    assert small[-1].std() < 1e-6 * small[0].std()  # N(0, 0.01²): the signal vanishes
