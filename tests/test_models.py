"""coursekit.models: softmax regression in NumPy against torch, and the MLP builder."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import coursekit as ck
from coursekit.models import (
    mlp,
    softmax,
    softmax_regression_grad,
    softmax_regression_loss,
    softmax_regression_per_example_grads,
    softmax_sgd_epoch,
    with_bias,
)


@pytest.fixture
def problem(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    X = with_bias(rng.standard_normal((30, 6)))
    y = rng.integers(0, 4, 30)
    theta = rng.standard_normal((7, 4))
    return theta, X, y


def test_softmax_matches_torch_and_is_stable(rng: np.random.Generator) -> None:
    z = rng.standard_normal((5, 4)) * 10
    np.testing.assert_allclose(
        softmax(z), torch.softmax(torch.tensor(z), dim=1).numpy(), rtol=1e-12
    )
    big = softmax(np.array([[1000.0, 1000.0]]))
    np.testing.assert_allclose(big, [[0.5, 0.5]])


def test_loss_and_gradient_match_torch_autograd(problem: tuple) -> None:
    theta, X, y = problem
    t = torch.tensor(theta, requires_grad=True)
    loss = torch.nn.functional.cross_entropy(torch.tensor(X) @ t, torch.tensor(y))
    loss.backward()
    assert softmax_regression_loss(theta, X, y) == pytest.approx(loss.item(), rel=1e-12)
    np.testing.assert_allclose(
        softmax_regression_grad(theta, X, y), t.grad.numpy(), rtol=1e-10, atol=1e-14
    )


def test_per_example_gradients_match_torch_one_sample_at_a_time(problem: tuple) -> None:
    theta, X, y = problem
    G = softmax_regression_per_example_grads(theta, X, y)
    assert G.shape == (30, 28)
    for n in (0, 7, 29):
        t = torch.tensor(theta, requires_grad=True)
        torch.nn.functional.cross_entropy(
            torch.tensor(X[n : n + 1]) @ t, torch.tensor(y[n : n + 1])
        ).backward()
        np.testing.assert_allclose(G[n], t.grad.numpy().ravel(), rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(
        G.mean(axis=0), softmax_regression_grad(theta, X, y).ravel(), atol=1e-14
    )


def test_sgd_epoch_equals_torch_sgd_over_the_same_batches(problem: tuple) -> None:
    theta, X, y = problem
    batches = [np.array([3, 1, 4]), np.array([15, 9, 2, 6]), np.array([5])]
    ours = softmax_sgd_epoch(theta, X, y, batches, lr=0.2)
    t = torch.tensor(theta, requires_grad=True)
    optimizer = torch.optim.SGD([t], lr=0.2)
    for index in batches:
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(
            torch.tensor(X[index]) @ t, torch.tensor(y[index])
        ).backward()
        optimizer.step()
    np.testing.assert_allclose(ours, t.detach().numpy(), rtol=1e-12)
    with pytest.raises(ValueError, match="lr must be > 0"):
        softmax_sgd_epoch(theta, X, y, batches, lr=0.0)


def test_softmax_regression_names_mismatched_shapes(problem: tuple) -> None:
    theta, X, y = problem
    with pytest.raises(ValueError, match="X has 6 columns but theta has 7 rows"):
        softmax_regression_grad(theta, X[:, :6], y)
    with pytest.raises(ValueError, match="same length, got 30 and 29"):
        softmax_regression_loss(theta, X, y[:29])
    with pytest.raises(ValueError, match=r"shape \(N, D\)"):
        with_bias(np.zeros(3))


def test_mlp_shape_activation_and_seed() -> None:
    model = mlp([64, 32, 10], activation="tanh", seed=1)
    assert [type(m).__name__ for m in model] == ["Linear", "Tanh", "Linear"]
    assert model(torch.zeros(5, 64)).shape == (5, 10)
    same = mlp([64, 32, 10], activation="tanh", seed=1)
    for a, b in zip(model.parameters(), same.parameters(), strict=True):
        assert torch.equal(a, b)
    other = mlp([64, 32, 10], activation="tanh", seed=2)
    assert not torch.equal(model[0].weight, other[0].weight)


def test_mlp_leaves_the_global_random_stream_alone() -> None:
    torch.manual_seed(5)
    expected = torch.rand(3)
    torch.manual_seed(5)
    mlp([4, 4, 2], seed=0)
    assert torch.equal(torch.rand(3), expected)


def test_mlp_validates_its_arguments() -> None:
    with pytest.raises(ValueError, match="at least two layer widths"):
        mlp([10])
    with pytest.raises(ValueError, match=r"sizes\[1\] must be an integer >= 1"):
        mlp([10, 0, 2])
    with pytest.raises(ValueError, match="activation must be one of"):
        mlp([3, 2], activation="swish")


def test_mlp_with_a_layer_wise_normalization() -> None:
    plain = mlp([4, 6, 6, 3], seed=0)
    x = torch.randn(9, 4)
    kinds = {
        "batch": ck.normalization.BatchNorm1d,
        "layer": ck.normalization.LayerNorm,
    }
    for norm, kind in kinds.items():
        net = mlp([4, 6, 6, 3], seed=0, norm=norm)
        assert [type(m) for m in net][:3] == [torch.nn.Linear, kind, torch.nn.ReLU]
        assert sum(isinstance(m, kind) for m in net) == 2  # hidden layers only
        assert torch.equal(net[0].weight, plain[0].weight)  # the same initial weights
    weighted = mlp([4, 6, 6, 3], seed=0, norm="weight")
    torch.testing.assert_close(weighted(x), plain(x))  # the same function at initialization
    assert all(hasattr(m, "parametrizations") for m in weighted if hasattr(m, "weight"))
    with pytest.raises(ValueError, match=r"norm must be one of \['batch', 'layer', 'weight'\]"):
        mlp([4, 3], norm="group")
