"""Models used across the course: a torch MLP and softmax regression written in NumPy.

Softmax regression keeps its parameters in one matrix theta of shape (D, C); append a column of
ones to X with :func:`with_bias` so that the last row of theta acts as the bias.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from . import normalization, validate

#: Hidden-layer activations by name.
ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "identity": nn.Identity}


#: Layer-wise normalizations of :func:`mlp` (5.5), by name.
NORMS = ("batch", "layer", "weight")


def mlp(
    sizes: Sequence[int],
    *,
    activation: str = "relu",
    seed: int | None = 0,
    norm: str | None = None,
) -> nn.Sequential:
    """A fully connected network ``sizes[0] -> sizes[1] -> ... -> sizes[-1]``.

    Hidden layers use ``activation`` (relu, tanh, sigmoid or identity); the last layer is
    linear and returns logits. With ``seed`` the initial weights (torch's default
    ``nn.Linear`` initialization) are the same on every call, with or without ``norm``.

    ``norm`` adds a layer-wise normalization (5.5, :mod:`coursekit.normalization`):
    ``"batch"`` or ``"layer"`` normalizes every hidden layer's net input, between its Linear
    layer and its activation (Linear -> norm -> activation, as in Ioffe & Szegedy 2015);
    ``"weight"`` reparametrizes every Linear weight as g v / ||v|| (which computes the same
    function at initialization).
    """
    if isinstance(sizes, (str, bytes)) or not isinstance(sizes, Sequence):
        raise TypeError(f"sizes must be a sequence of layer widths, got {type(sizes).__name__}")
    sizes = [validate.integer(f"sizes[{i}]", s, low=1) for i, s in enumerate(sizes)]
    if len(sizes) < 2:
        raise ValueError(f"sizes must hold at least two layer widths, got {sizes}")
    validate.one_of("activation", activation, sorted(ACTIVATIONS))
    if norm is not None:
        validate.one_of("norm", norm, NORMS)
    if seed is not None:
        seed = validate.seed("seed", seed)
    generator_state = torch.random.get_rng_state()
    if seed is not None:
        torch.manual_seed(seed)
    layers: list[nn.Module] = []
    for i, (n_in, n_out) in enumerate(itertools.pairwise(sizes)):
        linear = nn.Linear(int(n_in), int(n_out))
        layers.append(normalization.weight_norm(linear) if norm == "weight" else linear)
        if i < len(sizes) - 2:
            if norm == "batch":
                layers.append(normalization.BatchNorm1d(int(n_out)))
            elif norm == "layer":
                layers.append(normalization.LayerNorm(int(n_out)))
            layers.append(ACTIVATIONS[activation]())
    if seed is not None:
        torch.random.set_rng_state(generator_state)  # leave the caller's random stream alone
    return nn.Sequential(*layers)


def with_bias(X: np.ndarray) -> np.ndarray:
    """X with a column of ones appended, so that a linear model's bias is one more weight row."""
    X = np.asarray(X, dtype=float)
    if X.ndim != 2:
        raise ValueError(f"X must have shape (N, D), got {X.shape}")
    return np.hstack([X, np.ones((len(X), 1))])


def softmax(z: np.ndarray) -> np.ndarray:
    """Row-wise softmax exp(z_c) / sum_k exp(z_k), computed stably (shifted by the row max)."""
    z = validate.array("z", z)
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _softmax_args(
    theta: np.ndarray, X: np.ndarray, y: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """theta (D, C) and X (N, D) finite, y (N,) integer labels in 0..C-1."""
    theta = validate.array("theta", theta, ndim=2)
    X = validate.array("X", X, ndim=2)
    y = validate.labels("y", y, n_classes=theta.shape[1])
    if X.shape[1] != theta.shape[0]:
        raise ValueError(f"X has {X.shape[1]} columns but theta has {theta.shape[0]} rows")
    if len(X) != len(y):
        raise ValueError(f"X and y must have the same length, got {len(X)} and {len(y)}")
    return theta, X, y


def softmax_regression_loss(theta: np.ndarray, X: np.ndarray, y: np.ndarray) -> float:
    """Mean cross-entropy (1/N) sum_n -log softmax(x_n theta)_{y_n}."""
    theta, X, y = _softmax_args(theta, X, y)
    z = X @ theta
    z = z - z.max(axis=1, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    return float(-log_p[np.arange(len(y)), y].mean())


def softmax_regression_grad(theta: np.ndarray, X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Gradient of the mean cross-entropy: (1/N) X^T (softmax(X theta) - Y), Y one-hot."""
    theta, X, y = _softmax_args(theta, X, y)
    residual = softmax(X @ theta)
    residual[np.arange(len(y)), y] -= 1.0
    return X.T @ residual / len(y)


def softmax_regression_per_example_grads(
    theta: np.ndarray, X: np.ndarray, y: np.ndarray
) -> np.ndarray:
    """The N per-example gradients x_n (p_n - e_{y_n})^T, each flattened: shape (N, D*C).

    Their mean is :func:`softmax_regression_grad` flattened.
    """
    theta, X, y = _softmax_args(theta, X, y)
    residual = softmax(X @ theta)
    residual[np.arange(len(y)), y] -= 1.0
    return (X[:, :, None] * residual[:, None, :]).reshape(len(X), -1)


def softmax_sgd_epoch(
    theta: np.ndarray, X: np.ndarray, y: np.ndarray, batches: Sequence[np.ndarray], lr: float
) -> np.ndarray:
    """One epoch of mini-batch SGD for softmax regression over the given index ``batches``.

    For each batch B in order: theta <- theta - lr * (1/|B|) X_B^T (softmax(X_B theta) - Y_B).
    Returns the new theta; the input is not modified.
    """
    lr = validate.real("lr", lr, low=0, low_open=True)
    theta, X, y = _softmax_args(theta, X, y)
    if batches is None or isinstance(batches, (str, bytes)):
        raise TypeError(f"batches must be a list of index arrays, got {type(batches).__name__}")
    batches = [validate.labels(f"batches[{i}]", b, n_classes=len(X)) for i, b in enumerate(batches)]
    theta = theta.copy()
    for index in batches:
        theta = theta - lr * softmax_regression_grad(theta, X[index], y[index])
    return theta
