"""coursekit.minibatch: batches, epochs, the update loop, gradient mean and variance (5.2)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch.utils.data import DataLoader, TensorDataset

from coursekit.minibatch import (
    MiniBatches,
    iterations_per_epoch,
    minibatch_gradient_descent,
    minibatch_gradient_stats,
    minibatch_gradient_variance,
    minibatch_indices,
)
from coursekit.models import softmax_regression_grad, with_bias


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 400), data=st.data(), drop_last=st.booleans())
def test_iterations_per_epoch_equals_torch_dataloader(
    n: int, data: st.DataObject, drop_last: bool
) -> None:
    k = data.draw(st.integers(1, n))
    expected = math.floor(n / k) if drop_last else math.ceil(n / k)
    loader = DataLoader(TensorDataset(torch.zeros(n)), batch_size=k, drop_last=drop_last)
    assert iterations_per_epoch(n, k, drop_last=drop_last) == expected == len(loader)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 300), data=st.data(), seed=st.integers(0, 2**32 - 1))
def test_minibatch_indices_cover_every_sample_once(n: int, data: st.DataObject, seed: int) -> None:
    k = data.draw(st.integers(1, n))
    batches = minibatch_indices(n, k, np.random.default_rng(seed))
    assert len(batches) == math.ceil(n / k)
    assert all(len(b) == k for b in batches[:-1]) and 1 <= len(batches[-1]) <= k
    np.testing.assert_array_equal(np.sort(np.concatenate(batches)), np.arange(n))
    # exactly rng.permutation(n), chunked
    np.testing.assert_array_equal(
        np.concatenate(batches), np.random.default_rng(seed).permutation(n)
    )


def test_drop_last_leaves_out_the_partial_batch() -> None:
    batches = minibatch_indices(10, 3, np.random.default_rng(0), drop_last=True)
    assert [len(b) for b in batches] == [3, 3, 3]
    assert len(set(np.concatenate(batches).tolist())) == 9


@pytest.mark.parametrize(("k", "expected"), [(1, 7), (7, 1)])
def test_sgd_and_batch_gd_extremes(k: int, expected: int) -> None:
    X, y = np.arange(14.0).reshape(7, 2), np.arange(7)
    batches = list(MiniBatches(X, y, k, seed=0))
    assert len(batches) == expected
    assert all(len(xb) == k for xb, _ in batches)
    np.testing.assert_array_equal(np.sort(np.concatenate([yb for _, yb in batches])), y)


def test_minibatches_reshuffle_every_epoch_and_repeat_with_the_seed() -> None:
    X, y = np.arange(40.0).reshape(20, 2), np.arange(20)
    loader = MiniBatches(X, y, 6, seed=3)
    first = np.concatenate([yb for _, yb in loader])
    second = np.concatenate([yb for _, yb in loader])
    assert not np.array_equal(first, second)
    assert sorted(first) == sorted(second) == list(range(20))
    again = MiniBatches(X, y, 6, seed=3)
    np.testing.assert_array_equal(np.concatenate([yb for _, yb in again]), first)
    other = MiniBatches(X, y, 6, seed=4)
    assert not np.array_equal(np.concatenate([yb for _, yb in other]), first)
    for xb, yb in MiniBatches(X, y, 6, seed=3):  # X rows travel with their labels
        np.testing.assert_array_equal(xb[:, 0], 2 * yb)


def test_minibatches_without_shuffle_keep_the_order_and_work_on_tensors() -> None:
    X, y = torch.arange(10.0).reshape(5, 2), torch.arange(5)
    batches = list(MiniBatches(X, y, 2, shuffle=False))
    assert [b[1].tolist() for b in batches] == [[0, 1], [2, 3], [4]]
    assert isinstance(batches[0][0], torch.Tensor)


@pytest.mark.parametrize(
    ("batch_size", "error", "message"),
    [
        (0, ValueError, "batch_size must be between 1 and N = 5"),
        (6, ValueError, "batch_size must be between 1 and N = 5"),
        (-3, ValueError, "batch_size"),
        (2.5, TypeError, "batch_size must be an integer"),
        (True, TypeError, "batch_size must be an integer"),
    ],
)
def test_bad_batch_sizes_are_named(batch_size: object, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        MiniBatches(np.zeros((5, 2)), np.zeros(5), batch_size)  # type: ignore[arg-type]
    with pytest.raises(error, match=message):
        iterations_per_epoch(5, batch_size)  # type: ignore[arg-type]


def test_minibatches_reject_mismatched_or_empty_data() -> None:
    with pytest.raises(ValueError, match="same length, got 5 and 4"):
        MiniBatches(np.zeros((5, 2)), np.zeros(4), 2)
    with pytest.raises(ValueError, match="X is empty"):
        MiniBatches(np.zeros((0, 2)), np.zeros(0), 1)
    with pytest.raises(ValueError, match="n must be an integer >= 1"):
        iterations_per_epoch(0, 1)


@pytest.mark.parametrize("batch_size", [1, 7, 32, 50])
def test_minibatch_gradient_descent_equals_torch_sgd(
    batch_size: int, rng: np.random.Generator
) -> None:
    """The slide's loop equals torch.optim.SGD fed the same batches (float64)."""
    X = with_bias(rng.standard_normal((50, 4)))
    y = rng.integers(0, 3, 50)
    theta0 = 0.1 * rng.standard_normal((5, 3))
    ours = minibatch_gradient_descent(
        softmax_regression_grad, theta0, X, y, batch_size=batch_size, lr=0.3, epochs=3, seed=11
    )
    theta = torch.tensor(theta0, requires_grad=True)
    optimizer = torch.optim.SGD([theta], lr=0.3)
    loader = MiniBatches(torch.tensor(X), torch.tensor(y), batch_size, seed=11)
    for _ in range(3):
        for xb, yb in loader:
            optimizer.zero_grad()
            torch.nn.functional.cross_entropy(xb @ theta, yb).backward()
            optimizer.step()
    np.testing.assert_allclose(ours, theta.detach().numpy(), rtol=1e-12, atol=1e-14)
    assert not np.array_equal(ours, theta0)


def test_minibatch_gradient_descent_validates_its_arguments() -> None:
    X, y = np.zeros((4, 2)), np.zeros(4, dtype=int)
    grad = lambda t, xb, yb: t  # noqa: E731
    with pytest.raises(ValueError, match=r"lr must be > 0, got -0\.1"):
        minibatch_gradient_descent(grad, np.zeros(2), X, y, batch_size=2, lr=-0.1, epochs=1)
    with pytest.raises(ValueError, match="epochs must be an integer >= 1"):
        minibatch_gradient_descent(grad, np.zeros(2), X, y, batch_size=2, lr=0.1, epochs=0)
    with pytest.raises(ValueError, match="batch_size must be between 1 and N = 4"):
        minibatch_gradient_descent(grad, np.zeros(2), X, y, batch_size=0, lr=0.1, epochs=1)


@pytest.mark.parametrize(("n", "k"), [(6, 1), (6, 2), (6, 3), (7, 4), (5, 5)])
def test_variance_formula_is_exact_over_all_batches(
    n: int, k: int, rng: np.random.Generator
) -> None:
    """Enumerate every batch of K distinct samples: the exact expectation equals the closed form."""
    G = rng.standard_normal((n, 3))
    full = G.mean(axis=0)
    batch_means = np.array([G[list(b)].mean(axis=0) for b in itertools.combinations(range(n), k)])
    np.testing.assert_allclose(batch_means.mean(axis=0), full, atol=1e-12)  # unbiased
    exact = np.mean(np.sum((batch_means - full) ** 2, axis=1))
    assert minibatch_gradient_variance(G, k) == pytest.approx(exact, rel=1e-12, abs=1e-15)


def test_monte_carlo_statistics_agree_with_the_closed_form(rng: np.random.Generator) -> None:
    G = rng.standard_normal((200, 5)) + 1.0
    for k in (1, 10, 100, 190):
        mean, var = minibatch_gradient_stats(G, k, n_batches=5000, seed=k)
        assert var == pytest.approx(minibatch_gradient_variance(G, k), rel=0.08)
        assert np.linalg.norm(mean - G.mean(axis=0)) < 4 * math.sqrt(var / 5000)
    _, var_full = minibatch_gradient_stats(G, 200, n_batches=10, seed=0)
    assert var_full == pytest.approx(0.0, abs=1e-20)


def test_gradient_statistics_validate_shapes() -> None:
    with pytest.raises(ValueError, match="per_example_grads must be 2-D"):
        minibatch_gradient_variance(np.zeros(5), 1)
    with pytest.raises(ValueError, match="per_example_grads must be 2-D"):
        minibatch_gradient_stats(np.zeros(5), 1)
    with pytest.raises(ValueError, match="n_batches must be an integer >= 2"):
        minibatch_gradient_stats(np.zeros((5, 2)), 1, n_batches=1)
    with pytest.raises(ValueError, match="batch_size must be between 1 and N = 5"):
        minibatch_gradient_variance(np.zeros((5, 2)), 6)


def test_epoch_indices_match_iteration_and_the_documented_order() -> None:
    X, y = np.arange(26.0).reshape(13, 2), np.arange(13)
    loader = MiniBatches(X, y, 4, seed=2, drop_last=True)
    expected = np.random.default_rng([2, 0]).permutation(13)[:12].reshape(3, 4)
    np.testing.assert_array_equal(np.array(loader.epoch_indices(0)), expected)
    np.testing.assert_array_equal(np.array([yb for _, yb in loader]), expected)
    second_epoch = [yb for _, yb in loader]  # the iterator has moved on to epoch 1
    np.testing.assert_array_equal(np.array(second_epoch), np.array(loader.epoch_indices(1)))
