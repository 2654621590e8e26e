"""Gradient clipping (梯度截断, 5.3): by value and by norm, for arrays and for torch parameters.

When a gradient suddenly becomes huge (a "cliff" in the loss), a plain step throws the
parameters far away. Clipping bounds the step:

* by value: g_t <- max(min(g_t, b), a), each coordinate on its own (the direction changes);
* by norm:  g_t <- (b / ||g_t||) g_t when ||g_t|| > b (the direction is kept).

See Pascanu, Mikolov & Bengio, "On the difficulty of training recurrent neural networks",
ICML 2013.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import torch

from . import validate

__all__ = ["clip_by_norm", "clip_by_value", "clip_grad_norm_", "clip_grad_value_"]


def clip_by_value(g: np.ndarray, low: float, high: float | None = None) -> np.ndarray:
    """max(min(g, b), a) coordinate-wise, with a = ``low`` and b = ``high``.

    With ``high`` omitted the interval is [-|low|, |low|], like ``clip_grad_value_``.
    """
    low = validate.real("low", low)
    if high is None:
        low, high = -abs(low), abs(low)
    high = validate.real("high", high)
    if low > high:
        raise ValueError(f"low must be <= high, got low={low} > high={high}")
    g = validate.array("g", g, nonempty=False)
    return np.maximum(np.minimum(g, high), low)


def clip_by_norm(g: np.ndarray, max_norm: float, eps: float = 0.0) -> np.ndarray:
    """g * min(1, b / (||g|| + eps)): rescaled to norm b = ``max_norm`` >= 0 if it is longer.

    A gradient holding NaN or inf is rejected (the run has diverged; clipping cannot fix it).
    """
    max_norm = validate.real("max_norm", max_norm, low=0)
    eps = validate.real("eps", eps, low=0)
    g = validate.array("g", g, nonempty=False)
    norm = float(np.linalg.norm(g))
    return g * min(1.0, max_norm / (norm + eps)) if norm > 0 else g


def _grads(params: Iterable[torch.Tensor] | torch.Tensor) -> list[torch.Tensor]:
    if isinstance(params, torch.Tensor):
        params = [params]
    if isinstance(params, torch.nn.Module) or not hasattr(params, "__iter__"):
        raise TypeError(
            "params must be a tensor or an iterable of tensors, e.g. model.parameters(), got "
            f"{type(params).__name__}"
        )
    params = list(params)
    if not all(isinstance(p, torch.Tensor) for p in params):
        raise TypeError("params must hold torch tensors, e.g. model.parameters()")
    return [p.grad for p in params if p.grad is not None]


def clip_grad_value_(params: Iterable[torch.Tensor] | torch.Tensor, clip_value: float) -> None:
    """Clip every gradient coordinate into [-clip_value, clip_value], in place.

    Equals ``torch.nn.utils.clip_grad_value_``.
    """
    clip_value = validate.real("clip_value", clip_value, low=0)
    for g in _grads(params):
        g.copy_(
            torch.maximum(torch.minimum(g, g.new_tensor(clip_value)), g.new_tensor(-clip_value))
        )


def clip_grad_norm_(
    params: Iterable[torch.Tensor] | torch.Tensor, max_norm: float, norm_type: float = 2.0
) -> torch.Tensor:
    """Rescale all gradients together so that their joint norm is at most ``max_norm``.

    The joint norm is the ``norm_type``-norm of all gradients concatenated; every gradient is
    multiplied by min(1, max_norm / (norm + 1e-6)) (torch's 1e-6 guards against a zero norm).
    Returns the norm *before* clipping. Equals ``torch.nn.utils.clip_grad_norm_``.
    """
    max_norm = validate.real("max_norm", max_norm, low=0)
    norm_type = validate.real("norm_type", norm_type, low=0, low_open=True, finite=False)
    grads = _grads(params)
    if not grads:
        return torch.tensor(0.0)
    norms = torch.stack([torch.linalg.vector_norm(g, norm_type) for g in grads])
    total = torch.linalg.vector_norm(norms, norm_type)
    scale = torch.clamp(max_norm / (total + 1e-6), max=1.0)
    for g in grads:
        g.mul_(scale)
    return total
