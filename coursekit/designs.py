"""The experiments behind the design exercises of 5.1-5.5: a student chooses settings, and the
check runs one of these with them. Each is small (well under a second per run on a laptop
CPU), deterministic for a given seed, and open to students, who are meant to try their ideas
with it before they commit to an answer.

* :func:`saddle_escape_run` - noisy gradient descent started exactly on the saddle of the
  double well (5.1);
* :func:`softmax_budget_run` - softmax regression on the digits with a fixed number of updates
  (5.2);
* :func:`noisy_quadratic_run` - gradient descent with noisy gradients on an ill-conditioned
  quadratic, under a learning-rate schedule (5.3);
* :func:`leaky_relu_signal` - how a deep leaky-ReLU network's forward signal and backward
  gradient change from its first layer to its last, for a given initialization (5.4);
* :func:`deep_digits_run` - one epoch of SGD for a network of eight hidden layers on the digits,
  with or without normalization (5.5).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch

from . import validate


@dataclass(frozen=True)
class Run:
    """The end of one run: its final ``value`` (a loss, or an accuracy: see the function), and,
    if the run diverged, the step at which it did (``diverged_at``, counted from 1) and the
    rate then."""

    value: float
    diverged_at: int | None = None
    lr_then: float | None = None

    @property
    def diverged(self) -> bool:
        return self.diverged_at is not None


# ---- 5.1: leaving a saddle --------------------------------------------------------------------


def saddle_escape_run(lr: float, noise: float, *, seed: int = 0, steps: int = 40) -> Run:
    """Noisy gradient descent on the double well f(x, y) = x^2 + (y^2 - 1)^2 / 4, started exactly
    at its saddle (0, 0): theta_t = theta_{t-1} - lr (grad f(theta_{t-1}) + noise * xi_t), with
    xi_t standard normal (seeded by ``seed``). Returns f at the end (the minima at (0, +-1) have
    f = 0, the saddle 1/4), or where it diverged (|theta| > 1000).

    The noise stands for the gradient noise of mini-batches; without it the gradient at the
    saddle is exactly 0 and gradient descent never moves (Jin et al., "How to escape saddle
    points efficiently", ICML 2017, add such a perturbation on purpose).
    """
    from .surfaces import double_well

    lr = validate.real("lr", lr, low=0, low_open=True)
    noise = validate.real("noise", noise, low=0)
    seed = validate.seed("seed", seed)
    steps = validate.integer("steps", steps, low=1)
    well = double_well()
    kicks = np.random.default_rng(seed)
    theta = np.zeros(2)
    for t in range(1, steps + 1):
        theta = theta - lr * (well.gradient(theta) + noise * kicks.standard_normal(2))
        if not np.all(np.abs(theta) <= 1e3):  # also catches NaN
            return Run(math.inf, t, lr)
    return Run(float(well(theta)))


# ---- 5.2: a batch size and a rate for a budget of updates ------------------------------------


@functools.lru_cache(maxsize=1)
def _digits_with_bias() -> tuple[np.ndarray, np.ndarray]:
    from .data import load_digits_split
    from .models import with_bias

    data = load_digits_split(seed=0)
    return with_bias(data.X_train.astype(np.float64)), np.asarray(data.y_train)


def softmax_budget_run(batch_size: int, lr: float, *, seed: int = 0, updates: int = 160) -> Run:
    """Mini-batch SGD for softmax regression on the digits' 1,077 training images (the split of
    ``load_digits_split(seed=0)``, with a bias column), from theta = 0, for exactly ``updates``
    updates of exactly ``batch_size`` samples each (shuffled epochs, seeded by ``seed``; the
    incomplete last batch of an epoch is dropped), at the constant rate ``lr``:
    theta_t = theta_{t-1} - lr g_t. Returns the training loss (mean cross-entropy)
    at the end, or the update at which theta became NaN or inf."""
    from .minibatch import MiniBatches
    from .models import softmax_regression_grad, softmax_regression_loss

    X, y = _digits_with_bias()
    batch_size = validate.integer("batch_size", batch_size, low=1, high=len(y))
    lr = validate.real("lr", lr, low=0, low_open=True)
    seed = validate.seed("seed", seed)
    updates = validate.integer("updates", updates, low=1)
    theta = np.zeros((X.shape[1], 10))
    batches = MiniBatches(X, y, batch_size, seed=seed, drop_last=True)
    step = 0
    with np.errstate(over="ignore", invalid="ignore"):
        while step < updates:
            for X_batch, y_batch in batches:  # one shuffled epoch
                theta = theta - lr * softmax_regression_grad(theta, X_batch, y_batch)
                step += 1
                if not np.all(np.isfinite(theta)):
                    return Run(math.inf, step, lr)
                if step == updates:
                    break
        loss = softmax_regression_loss(theta, X, y)
    if not math.isfinite(loss):
        return Run(math.inf, updates, lr)
    return Run(float(loss))


# ---- 5.3: a schedule for noisy gradients -----------------------------------------------------

#: The quadratic of :func:`noisy_quadratic_run`: curvatures, start and gradient noise.
NOISY_QUADRATIC = {"curvatures": (1.0, 25.0), "start": (10.0, 1.0), "noise": 1.0}


def _rates(rates: Sequence[float]) -> np.ndarray:
    values = validate.array("rates", rates, ndim=1)
    if len(values) == 0 or not np.all(np.isfinite(values)) or np.any(values < 0):
        raise ValueError("rates must be a non-empty sequence of finite rates >= 0")
    return values


def noisy_quadratic_run(rates: Sequence[float], *, seed: int = 0, noise: float = 1.0) -> Run:
    """Gradient descent on f(theta) = (theta_1^2 + 25 theta_2^2) / 2 from (10, 1), with noisy
    gradients g_t = grad f(theta_{t-1}) + noise * xi_t (xi_t standard normal, seeded by
    ``seed``): theta_t = theta_{t-1} - rates[t-1] g_t, one step per entry of ``rates``. Returns
    f at the end, or the step (and its rate) at which |theta| passed 10^6.

    The two curvatures make the trade-off of learning-rate decay visible: the flat direction
    needs many large steps, while the noise keeps the iterate at a distance from the minimum
    that shrinks with the rate. :func:`noisy_quadratic_expected` gives the mean over all noise
    sequences exactly.
    """
    values = _rates(rates)
    seed = validate.seed("seed", seed)
    noise = validate.real("noise", noise, low=0)
    c = np.array(NOISY_QUADRATIC["curvatures"])
    theta = np.array(NOISY_QUADRATIC["start"], dtype=float)
    kicks = np.random.default_rng(seed)
    for t, lr in enumerate(values, start=1):
        theta = theta - lr * (c * theta + noise * kicks.standard_normal(2))
        if not np.all(np.abs(theta) <= 1e6):
            return Run(math.inf, t, float(lr))
    return Run(float(0.5 * np.sum(c * theta**2)))


def noisy_quadratic_expected(rates: Sequence[float], *, noise: float = 1.0) -> float:
    """The expected final loss of :func:`noisy_quadratic_run` over all noise sequences, exactly:
    per coordinate the mean m_t = (1 - a_t c) m_{t-1} and the variance
    v_t = (1 - a_t c)^2 v_{t-1} + a_t^2 noise^2 of theta_t, and E f = sum_i c_i (m_i^2 + v_i) / 2.
    Infinite if the mean or the variance passes 10^12."""
    values = _rates(rates)
    noise = validate.real("noise", noise, low=0)
    c = np.array(NOISY_QUADRATIC["curvatures"])
    mean = np.array(NOISY_QUADRATIC["start"], dtype=float)
    var = np.zeros(2)
    for lr in values:
        mean, var = (1 - lr * c) * mean, (1 - lr * c) ** 2 * var + (lr * noise) ** 2
        if np.any(np.abs(mean) > 1e12) or np.any(var > 1e12):
            return math.inf
    return float(0.5 * np.sum(c * (mean**2 + var)))


# ---- 5.4: an initialization for leaky ReLU ---------------------------------------------------


def leaky_relu_signal(
    init_weights: Callable[[int, int, np.random.Generator], np.ndarray],
    *,
    seed: int = 0,
    depth: int = 30,
    width: int = 512,
    slope: float = 0.2,
    batch: int = 256,
) -> tuple[float, float]:
    """(forward, backward) for a network of ``depth`` layers z_l = W_l a_{l-1}, a_l =
    leaky_relu(z_l) (negative slope ``slope``), all ``width`` wide, with weights
    ``init_weights(fan_in, fan_out, rng)`` (shape (fan_out, fan_in)): forward is rms(z_depth) /
    rms(z_1) for standard normal inputs, backward is rms(dL/da_0) / rms(dL/da_depth) for a
    standard normal gradient dL/da_depth at the top. A good initialization keeps both near 1
    (He et al., "Delving deep into rectifiers", ICCV 2015, treat this case)."""
    validate.function("init_weights", init_weights)
    seed = validate.seed("seed", seed)
    depth = validate.integer("depth", depth, low=2)
    width = validate.integer("width", width, low=1)
    slope = validate.real("slope", slope, low=0, high=1)
    batch = validate.integer("batch", batch, low=1)
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((batch, width))
    weights, slopes, rms = [], [], []
    for layer in range(depth):
        W = np.asarray(init_weights(width, width, rng), dtype=float)
        if W.shape != (width, width):
            raise ValueError(
                f"init_weights({width}, {width}, rng) must return an array of shape "
                f"(fan_out, fan_in) = ({width}, {width}), got {W.shape} at layer {layer + 1}"
            )
        if not np.all(np.isfinite(W)):
            raise ValueError(f"init_weights returned NaN or inf at layer {layer + 1}")
        z = a @ W.T
        rms.append(float(np.sqrt(np.mean(z**2))))
        weights.append(W)
        slopes.append(np.where(z > 0, 1.0, slope))
        a = z * slopes[-1]
    g = rng.standard_normal((batch, width))
    top = float(np.sqrt(np.mean(g**2)))
    for W, s in zip(reversed(weights), reversed(slopes), strict=True):
        g = (g * s) @ W  # dL/dz_l = dL/da_l * slope, then dL/da_{l-1} = dL/dz_l W_l
    with np.errstate(divide="ignore", invalid="ignore"):
        forward = rms[-1] / rms[0] if rms[0] > 0 else math.nan
        backward = float(np.sqrt(np.mean(g**2))) / top
    return float(forward), float(backward)


# ---- 5.5: a deep network in one epoch --------------------------------------------------------

NORMS = ("none", "batch", "layer", "weight")


@functools.lru_cache(maxsize=256)
def _deep_digits_run(norm: str, lr: float, seed: int) -> Run:
    from .data import load_digits_split
    from .train import train_mlp

    data = load_digits_split(seed=0)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # the same arithmetic on every machine
    try:
        _, history = train_mlp(
            data.X_train,
            data.y_train,
            lambda params: torch.optim.SGD(params, lr=lr),
            hidden=[64] * 8,
            norm=None if norm == "none" else norm,
            seed=seed,
            batch_size=16,
            epochs=1,
            drop_last=True,
            val=(data.X_val, data.y_val),
            on_divergence="stop",
        )
    finally:
        torch.set_num_threads(threads)
    if history.diverged:
        return Run(0.0, history.diverged.step, lr)
    return Run(float(history.val_acc[-1]))


def deep_digits_run(norm: str, lr: float, *, seed: int = 0) -> Run:
    """One epoch of SGD (batch size 16, the incomplete last batch dropped, constant rate
    ``lr``) for a ReLU network 64 -> 8 x 64 -> 10 on the digits (``load_digits_split(seed=0)``)
    with normalization ``norm`` ("none", "batch", "layer" or "weight") after each hidden linear
    layer, initial weights and batch order from ``seed``. ``Run.value`` is the *validation
    accuracy* at the end (0 if the run diverged). Runs are cached per process."""
    norm = validate.one_of("norm", "none" if norm is None else norm, NORMS)
    lr = validate.real("lr", lr, low=0, low_open=True)
    seed = validate.seed("seed", seed)
    return _deep_digits_run(norm, float(lr), seed)
