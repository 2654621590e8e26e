"""Mini-batch gradient descent (section 5.2): batches, epochs, the update loop, gradient noise.

Batch gradient descent, stochastic gradient descent (SGD) and mini-batch gradient descent are
one algorithm with one knob, the batch size K:

* K = N (the whole training set): batch gradient descent, one update per epoch;
* K = 1: stochastic gradient descent, N updates per epoch;
* 1 < K < N: mini-batch gradient descent, ceil(N / K) updates per epoch.

**Last partial batch.** When K does not divide N, the last batch of an epoch holds the
N mod K samples that are left (``drop_last=False``, the default, as in
``torch.utils.data.DataLoader``), so every sample is used once per epoch and an epoch has
ceil(N / K) iterations. With ``drop_last=True`` those samples are skipped for that epoch (they
come back in other epochs, because the order is reshuffled) and an epoch has floor(N / K).

Reference: L. Bottou, F. E. Curtis, J. Nocedal, "Optimization methods for large-scale machine
learning", SIAM Review 60(2), 2018.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from . import validate


def _check_batch_size(batch_size: int, n: int) -> None:
    validate.integer("batch_size", batch_size)
    if not 1 <= batch_size <= n:
        raise ValueError(
            f"batch_size must be between 1 and N = {n} (the number of samples), got {batch_size}"
        )


def iterations_per_epoch(n: int, batch_size: int, *, drop_last: bool = False) -> int:
    """Number of updates in one epoch: ceil(N / K), or floor(N / K) with ``drop_last``.

    One iteration is one mini-batch update; one epoch is one pass over all N training samples.
    """
    n = validate.integer("n", n, low=1)
    _check_batch_size(batch_size, n)
    drop_last = validate.flag("drop_last", drop_last)
    batch_size = int(batch_size)  # a NumPy integer would make the result one too
    return n // batch_size if drop_last else math.ceil(n / batch_size)


def minibatch_indices(
    n: int, batch_size: int, rng: np.random.Generator, *, drop_last: bool = False
) -> list[np.ndarray]:
    """One epoch's mini-batches: shuffle 0..n-1 with ``rng.permutation(n)``, cut into chunks of K.

    The last chunk is shorter when K does not divide n; ``drop_last=True`` leaves it out.
    """
    n = validate.integer("n", n, low=1)
    _check_batch_size(batch_size, n)
    validate.generator("rng", rng)
    order = rng.permutation(n)
    stop = n - n % batch_size if drop_last else n
    return [order[start : start + batch_size] for start in range(0, stop, batch_size)]


class MiniBatches:
    """Iterate over (X_batch, y_batch) pairs, reshuffled at the start of every epoch.

    Each ``for`` loop over the object is one epoch. The order of epoch e depends only on
    ``seed`` and e, so a run can be repeated exactly. Works with NumPy arrays and torch
    tensors alike (anything indexable by an integer array).

    >>> batches = MiniBatches(X, y, batch_size=32, seed=0)
    >>> len(batches)          # iterations per epoch, ceil(N / 32)
    >>> for xb, yb in batches:  # one epoch
    ...     ...
    """

    def __init__(
        self,
        X: Any,
        y: Any,
        batch_size: int,
        *,
        shuffle: bool = True,
        seed: int = 0,
        drop_last: bool = False,
    ) -> None:
        for name, data in (("X", X), ("y", y)):
            if not hasattr(data, "__len__") or not hasattr(data, "__getitem__"):
                raise TypeError(f"{name} must be an array or tensor, got {type(data).__name__}")
        X = np.asarray(X) if isinstance(X, (list, tuple)) else X  # indexable by index arrays
        y = np.asarray(y) if isinstance(y, (list, tuple)) else y
        if len(X) != len(y):
            raise ValueError(f"X and y must have the same length, got {len(X)} and {len(y)}")
        if len(X) == 0:
            raise ValueError("X is empty: mini-batches need at least one sample")
        _check_batch_size(batch_size, len(X))
        self.X, self.y = X, y
        self.batch_size = int(batch_size)
        self.shuffle = validate.flag("shuffle", shuffle)
        self.drop_last = validate.flag("drop_last", drop_last)
        self.seed = validate.seed("seed", seed)
        self.epoch = 0  # how many epochs have been started

    def __len__(self) -> int:
        return iterations_per_epoch(len(self.X), self.batch_size, drop_last=self.drop_last)

    def epoch_order(self, epoch: int) -> np.ndarray:
        """The order in which epoch ``epoch`` (0-based) visits the samples."""
        epoch = validate.integer("epoch", epoch, low=0)
        n = len(self.X)
        if not self.shuffle:
            return np.arange(n)
        return np.random.default_rng([self.seed, epoch]).permutation(n)

    def epoch_indices(self, epoch: int) -> list[np.ndarray]:
        """The index arrays of epoch ``epoch`` (0-based), without advancing the iterator."""
        return list(self._chunks(self.epoch_order(epoch)))

    def _chunks(self, order: np.ndarray) -> Iterator[np.ndarray]:
        n = len(order)
        stop = n - n % self.batch_size if self.drop_last else n
        for start in range(0, stop, self.batch_size):
            yield order[start : start + self.batch_size]

    def __iter__(self) -> Iterator[tuple[Any, Any]]:
        order = self.epoch_order(self.epoch)
        self.epoch += 1
        for index in self._chunks(order):  # sliced lazily: no list of N arrays for SGD
            yield self.X[index], self.y[index]


def minibatch_gradient_descent(
    grad: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray],
    theta: np.ndarray,
    X: np.ndarray,
    y: np.ndarray,
    *,
    batch_size: int,
    lr: float,
    epochs: int,
    seed: int = 0,
) -> np.ndarray:
    """Mini-batch gradient descent, the loop of the slide, for any batch size K.

    Every epoch shuffles the training set, then for each batch S_t of K samples::

        g_t     = (1/K) * sum_{(x, y) in S_t} dL(y, f(x; theta)) / dtheta
        theta_t = theta_{t-1} - alpha * g_t

    K = N is batch gradient descent, K = 1 is stochastic gradient descent.

    Args:
        grad: ``grad(theta, X_batch, y_batch)``, the mean gradient of the loss over the batch.
        theta: the initial parameters theta_0 (not modified).
        X, y: the N training samples.
        batch_size: K, between 1 and N.
        lr: the learning rate alpha > 0.
        epochs: number of passes over the data, >= 1.
        seed: the shuffling seed (epoch e uses ``MiniBatches``' order for e).
    """
    validate.function("grad", grad)
    lr = validate.real("lr", lr, low=0, low_open=True)
    epochs = validate.integer("epochs", epochs, low=1)
    theta = validate.array("theta", theta).copy()
    validate.finite_rows("X", X)
    batches = MiniBatches(X, y, batch_size, seed=seed)
    step = 0
    for epoch in range(1, epochs + 1):
        for X_batch, y_batch in batches:  # shuffled anew every epoch
            g = grad(theta, X_batch, y_batch)
            theta = theta - lr * g
            step += 1
            if not np.all(np.isfinite(theta)):
                raise FloatingPointError(
                    f"mini-batch gradient descent diverged: theta became NaN or inf at step "
                    f"{step} (epoch {epoch}) with learning rate {lr:g}; try a smaller one"
                )
    return theta


def minibatch_gradient_stats(
    per_example_grads: np.ndarray,
    batch_size: int,
    *,
    n_batches: int = 2000,
    seed: int = 0,
) -> tuple[np.ndarray, float]:
    """Monte-Carlo mean and variance of the mini-batch gradient.

    Draws ``n_batches`` batches of K distinct samples (without replacement, as one batch of a
    shuffled epoch is) and averages the rows of ``per_example_grads`` (shape (N, D)) in each.

    Returns:
        ``(mean, variance)``: the average mini-batch gradient (shape (D,)) and the average
        squared distance of a mini-batch gradient from the full gradient,
        E ||g_B - g||^2 (the trace of its covariance).
    """
    G = validate.array("per_example_grads", per_example_grads, ndim=2)
    n = len(G)
    _check_batch_size(batch_size, n)
    n_batches = validate.integer("n_batches", n_batches, low=2)
    rng = np.random.default_rng(validate.seed("seed", seed))
    full = G.mean(axis=0)
    # argpartition of random keys gives K distinct indices per row without a Python loop;
    # a selection matrix with 1/K at those indices turns the batch means into one product.
    keys = rng.random((n_batches, n))
    index = np.argpartition(keys, batch_size - 1, axis=1)[:, :batch_size]
    select = np.zeros((n_batches, n))
    np.put_along_axis(select, index, 1.0 / batch_size, axis=1)
    batch_grads = select @ G
    return batch_grads.mean(axis=0), float(np.mean(np.sum((batch_grads - full) ** 2, axis=1)))


def minibatch_gradient_variance(per_example_grads: np.ndarray, batch_size: int) -> float:
    """Closed form of E ||g_B - g||^2 for a batch of K samples drawn without replacement.

    With sigma^2 = (1/N) sum_n ||g_n - g||^2 the spread of the per-example gradients::

        E ||g_B - g||^2 = (sigma^2 / K) * (N - K) / (N - 1)

    The factor (N - K)/(N - 1) is the finite-population correction: it is ~1 for K << N and
    0 for K = N (the full batch has no noise). With replacement it would be sigma^2 / K.
    """
    G = validate.array("per_example_grads", per_example_grads, ndim=2)
    n = len(G)
    _check_batch_size(batch_size, n)
    if n == 1:
        return 0.0
    sigma2 = float(np.mean(np.sum((G - G.mean(axis=0)) ** 2, axis=1)))
    return sigma2 / batch_size * (n - batch_size) / (n - 1)
