"""Checks for the exercises of 5.5: batch normalization forward and backward, layer norm.

Student functions work on NumPy arrays in torch's layout, Z of shape (K, M): K samples of M
neurons. The references are torch's own functions (``torch.nn.functional.batch_norm`` and
``layer_norm``, and autograd for the backward pass), in float64.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import numpy as np
import torch
from torch.nn import functional as F

from .core import CheckFailed, as_tuple, call, cases, compare, exercise_check, seeds, unchanged

Arrays = tuple[np.ndarray, ...]


def _batch(rng: np.random.Generator, k: int, m: int) -> Arrays:
    """A mini-batch Z (K, M) with feature means and scales far from 0 and 1, gamma and beta."""
    Z = rng.normal(rng.uniform(-3, 3, m), rng.uniform(0.5, 4, m), (k, m))
    return Z, rng.uniform(0.5, 2.0, m), rng.normal(0, 1, m)


def _torch_batch_norm(
    Z: np.ndarray,
    gamma: np.ndarray,
    beta: np.ndarray,
    running: tuple[np.ndarray, np.ndarray],
    momentum: float,
    eps: float,
    training: bool,
) -> Arrays:
    t = [torch.as_tensor(a, dtype=torch.float64) for a in (Z, gamma, beta)]
    mean, var = (torch.tensor(a, dtype=torch.float64) for a in running)  # copies, updated
    out = F.batch_norm(t[0], mean, var, t[1], t[2], training, momentum, eps)
    return out.numpy(), mean.numpy(), var.numpy()


@exercise_check("batch_norm_forward")
def check_batch_norm_forward(
    batch_norm_forward: Callable[..., Arrays], *, seed: int | None = 0, tolerance: float = 1e-9
) -> None:
    """Check ``batch_norm_forward(Z, gamma, beta, running_mean, running_var, momentum, eps,
    training) -> (out, running_mean, running_var)`` against ``torch.nn.functional.batch_norm``.

    Expected, training: mu, sigma^2 over the K rows (biased), out = gamma (Z - mu) /
    sqrt(sigma^2 + eps) + beta, running_mean <- (1 - m) running_mean + m mu and running_var <-
    (1 - m) running_var + m s^2 with the unbiased s^2 = sigma^2 K / (K - 1). Evaluation: the
    running statistics normalize, and they are returned unchanged.
    """
    modes = itertools.cycle([True, True, False])  # every run checks both modes

    def draw(rng: np.random.Generator) -> tuple[int, int, float, float, bool]:
        k, m = int(rng.integers(2, 40)), int(rng.integers(1, 10))
        return k, m, float(rng.uniform(0.01, 0.9)), float(rng.choice([1e-5, 0.1])), next(modes)

    fixed = [(8, 3, 0.1, 1e-5, True), (5, 4, 0.3, 0.1, True), (6, 2, 0.1, 1e-5, False)]
    for (k, m, momentum, eps, training), case_seed in cases(seed, fixed, draw, count=6):
        rng = np.random.default_rng(case_seed)
        Z, gamma, beta = _batch(rng, k, m)
        running = (rng.normal(0, 1, m), rng.uniform(0.5, 2, m))
        inputs = [Z, gamma, beta, *running]
        expected = _torch_batch_norm(Z, gamma, beta, running, momentum, eps, training)
        mode = "training" if training else "evaluation"
        where = (
            f"batch_norm_forward in {mode} mode, K={k}, M={m}, momentum={momentum:.3g}, eps={eps:g}"
        )
        given = [a.copy() for a in inputs]
        raw = call(batch_norm_forward, *given, momentum, eps, training, where=where)
        unchanged(where, inputs, given)
        got = as_tuple(raw, 3, "out, running_mean, running_var", where)
        mean, var_b = Z.mean(axis=0), Z.var(axis=0)
        var_u = Z.var(axis=0, ddof=1)
        suspects: dict[str, Arrays] = {}
        if training:
            with_unbiased = gamma * (Z - mean) / np.sqrt(var_u + eps) + beta
            suspects = {
                "the unbiased variance (divided by K - 1) in the output; normalize with the "
                "biased one (divided by K), as torch does": (with_unbiased, *expected[1:]),
                "the biased variance in running_var; torch keeps the unbiased one there, "
                "s^2 = sigma^2 K / (K - 1)": (
                    expected[0],
                    expected[1],
                    (1 - momentum) * running[1] + momentum * var_b,
                ),
                "momentum as the weight of the old value (Keras' convention); in torch the new "
                "statistic gets momentum: (1 - m) running + m batch": (
                    expected[0],
                    momentum * running[0] + (1 - momentum) * mean,
                    momentum * running[1] + (1 - momentum) * var_u,
                ),
                "eps outside the square root; it goes inside: sqrt(sigma^2 + eps)": (
                    gamma * (Z - mean) / (np.sqrt(var_b) + eps) + beta,
                    *expected[1:],
                ),
            }
        else:
            batch_stats = gamma * (Z - mean) / np.sqrt(var_b + eps) + beta
            suspects = {
                "the batch statistics in evaluation mode; use the running ones": (
                    batch_stats,
                    *expected[1:],
                ),
                "running statistics updated in evaluation mode; leave them unchanged": (
                    expected[0],
                    (1 - momentum) * running[0] + momentum * mean,
                    (1 - momentum) * running[1] + momentum * var_u,
                ),
            }
        names = ["out", "running_mean", "running_var"]
        compare(where, got, expected, names, suspects, tolerance)


@exercise_check("batch_norm_backward")
def check_batch_norm_backward(
    batch_norm_backward: Callable[..., Arrays], *, seed: int | None = 0, tolerance: float = 1e-8
) -> None:
    """Check ``batch_norm_backward(dout, Z, gamma, eps) -> (dZ, dgamma, dbeta)`` (training mode)
    against autograd through ``torch.nn.functional.batch_norm``, in float64.
    """
    # The closed form (kept out of the docstring, which students see with Shift-Tab), with
    # z_hat = (Z - mu) / sqrt(sigma^2 + eps): dbeta = sum_k dout, dgamma = sum_k dout * z_hat,
    # dZ = gamma / (K sqrt(sigma^2 + eps)) (K dout - sum_k dout - z_hat sum_k dout * z_hat).

    def draw(rng: np.random.Generator) -> tuple[int, int, float]:
        return int(rng.integers(2, 40)), int(rng.integers(1, 10)), float(rng.choice([1e-5, 0.1]))

    fixed = [(8, 3, 1e-5), (4, 5, 0.1), (16, 1, 1e-5)]
    for (k, m, eps), case_seed in cases(seed, fixed, draw):
        rng = np.random.default_rng(case_seed)
        Z, gamma, beta = _batch(rng, k, m)
        dout = rng.normal(0, 1, (k, m))
        t_Z = torch.tensor(Z, requires_grad=True)
        t_gamma = torch.tensor(gamma, requires_grad=True)
        t_beta = torch.tensor(beta, requires_grad=True)
        out = F.batch_norm(t_Z, None, None, t_gamma, t_beta, True, 0.0, eps)
        out.backward(torch.tensor(dout))
        expected = (t_Z.grad.numpy(), t_gamma.grad.numpy(), t_beta.grad.numpy())
        where = f"batch_norm_backward with K={k}, M={m}, eps={eps:g}"
        inputs = [dout, Z, gamma]
        given = [a.copy() for a in inputs]
        raw = call(batch_norm_backward, *given, eps, where=where)
        unchanged(where, inputs, given)
        got = as_tuple(raw, 3, "dZ, dgamma, dbeta", where)
        std = np.sqrt(Z.var(axis=0) + eps)
        suspects = {
            "the gradient as if mu and sigma were constants; they depend on every sample of the "
            "batch, which adds the terms - sum(dout) and - z_hat sum(dout * z_hat)": (
                gamma * dout / std,
                *expected[1:],
            ),
            "dgamma and dbeta swapped: dbeta = sum(dout), dgamma = sum(dout * z_hat)": (
                expected[0],
                expected[2],
                expected[1],
            ),
            "a gradient without gamma: the output is gamma * z_hat + beta": (
                expected[0] / gamma,
                *expected[1:],
            ),
        }
        compare(where, got, expected, ["dZ", "dgamma", "dbeta"], suspects, tolerance)


@exercise_check("layer_norm_forward")
def check_layer_norm_forward(
    layer_norm_forward: Callable[..., np.ndarray], *, seed: int | None = 0, tolerance: float = 1e-9
) -> None:
    """Check ``layer_norm_forward(Z, gamma, beta, eps) -> out`` against
    ``torch.nn.functional.layer_norm``: each row (sample) of Z (K, M) normalized over its M
    features with the biased variance, eps inside the square root, then gamma and beta (M,)."""

    def draw(rng: np.random.Generator) -> tuple[int, int, float]:
        return int(rng.integers(1, 20)), int(rng.integers(2, 12)), float(rng.choice([1e-5, 0.1]))

    fixed = [(4, 6, 1e-5), (1, 5, 0.1), (7, 3, 1e-5)]
    for (k, m, eps), case_seed in cases(seed, fixed, draw):
        rng = np.random.default_rng(case_seed)
        Z, gamma, beta = _batch(rng, k, m)
        Z = Z + rng.normal(0, 3, (k, 1))  # rows with their own offsets
        t = [torch.as_tensor(a) for a in (Z, gamma, beta)]
        expected = F.layer_norm(t[0], (m,), t[1], t[2], eps).numpy()
        where = f"layer_norm_forward with K={k}, M={m}, eps={eps:g}"
        inputs = [Z, gamma, beta]
        given = [a.copy() for a in inputs]
        raw = call(layer_norm_forward, *given, eps, where=where)
        unchanged(where, inputs, given)
        got = as_tuple(raw, 1, "out", where)
        centred = Z - Z.mean(axis=1, keepdims=True)
        suspects: dict[str, Arrays] = {
            "the unbiased variance (divided by M - 1); layer norm divides by M": (
                gamma * centred / np.sqrt(Z.var(axis=1, ddof=1, keepdims=True) + eps) + beta,
            ),
            "eps outside the square root; it goes inside: sqrt(sigma^2 + eps)": (
                gamma * centred / (np.sqrt(Z.var(axis=1, keepdims=True)) + eps) + beta,
            ),
        }
        if k > 1:
            suspects[
                "batch normalization (over the samples, axis 0); layer normalization works on "
                "each sample over its features (axis 1)"
            ] = (gamma * (Z - Z.mean(axis=0)) / np.sqrt(Z.var(axis=0) + eps) + beta,)
        compare(where, got, (expected,), ["out"], suspects, tolerance)


#: The answers of the prediction exercise of 5.5: what is the gradient of the loss with respect to
#: the bias of a Linear layer whose output goes straight into batch normalization (training mode)?
BIAS_BEFORE_BATCH_NORM = {
    "a": "about as large as the gradient of the layer's weights",
    "b": "zero, up to round-off",
    "c": "much larger than the gradient of the layer's weights (at least 10 times)",
}


def _bias_gradient_ratio(rng: np.random.Generator) -> tuple[float, float, str]:
    """Measure ||dL/db|| and ||dL/dW|| for Linear -> BatchNorm1d -> ReLU -> Linear on a random
    batch, and the option of ``BIAS_BEFORE_BATCH_NORM`` the measurement supports."""
    k, m_in, m, classes = (int(rng.integers(4, 64)), int(rng.integers(2, 20)), 8, 3)
    gen = torch.Generator().manual_seed(int(rng.integers(2**31)))
    linear = torch.nn.Linear(m_in, m).double()
    head = torch.nn.Linear(m, classes).double()
    with torch.no_grad():
        for p in (*linear.parameters(), *head.parameters()):
            p.copy_(torch.randn(p.shape, generator=gen, dtype=torch.float64))
    X = torch.as_tensor(rng.normal(0, 2, (k, m_in)))
    y = torch.as_tensor(rng.integers(0, classes, k))
    z = linear(X)
    out = head(torch.relu(F.batch_norm(z, None, None, training=True)))
    F.cross_entropy(out, y).backward()
    bias, weight = float(linear.bias.grad.norm()), float(linear.weight.grad.norm())
    if bias <= 1e-9 * weight:
        answer = "b"
    elif bias >= 10 * weight:
        answer = "c"
    else:
        answer = "a"
    return bias, weight, answer


@exercise_check("bias_before_batch_norm")
def check_bias_before_batch_norm(
    bias_gradient_prediction: Callable[[], str], *, seed: int | None = 0
) -> None:
    """Grade a prediction by measuring it. ``bias_gradient_prediction()`` returns ``"a"``,
    ``"b"`` or ``"c"`` of :data:`BIAS_BEFORE_BATCH_NORM`: how large is the gradient of the bias
    of a Linear layer that feeds batch normalization in training mode? The check measures the
    gradients of that bias and of the layer's weights on random layers and data (fresh ones with
    ``seed=None``) and compares.
    """
    # (Why, kept out of the docstring that students see: BN subtracts the batch mean, and a
    # bias shifts every sample and so the mean by the same amount, so BN(z + b) = BN(z).)
    name = "bias_before_batch_norm"
    options = ", ".join(f'"{key}"' for key in BIAS_BEFORE_BATCH_NORM)
    where = f"{name}()"
    prediction = call(bias_gradient_prediction, where=where)
    if not isinstance(prediction, str) or prediction.strip().lower() not in BIAS_BEFORE_BATCH_NORM:
        shown = repr(str(prediction)) if isinstance(prediction, str) else type(prediction).__name__
        raise CheckFailed(f"{where}: your function must return one of {options}, got {shown}")
    choice = str(prediction).strip().lower()
    for case_seed in seeds(seed, 3):
        bias, weight, answer = _bias_gradient_ratio(np.random.default_rng(case_seed))
        if choice != answer:
            raise CheckFailed(
                f"{where}: you predicted ({choice}) {BIAS_BEFORE_BATCH_NORM[choice]}. Measured on "
                f"a random layer: ||dL/db|| = {bias:.3g}, ||dL/dW|| = {weight:.3g}. Hint: batch "
                "normalization subtracts the mean of the batch. What happens to that mean, and "
                "to the normalized values, when the same b is added to every sample?"
            )
