"""Parameter initialization (5.4), in the style of torch.nn.init: fill a tensor in place, return it.

Where the descent starts decides whether signals survive the trip through a deep network. Each
initializer draws from a distribution whose variance is chosen for a reason:

* fixed variance: :func:`normal_` (N(0, sigma^2)) and :func:`uniform_` (U[-r, r], variance r^2/3);
* variance scaling, from the fan-in n_in and fan-out n_out of a layer (:func:`fans`):
  Xavier/Glorot keeps the variance of activations *and* gradients, var = 2 / (n_in + n_out)
  (Glorot & Bengio, AISTATS 2010); He/Kaiming compensates for ReLU zeroing half its inputs,
  var = 2 / n_in (He et al., ICCV 2015);
* :func:`orthogonal_`: W W^T = I, so a linear layer keeps the norm of its input exactly
  (Saxe, McClelland & Ganguli, ICLR 2014).

``gain`` multiplies the standard deviation (and the uniform bound): sqrt(2) for ReLU, 1 for tanh,
and 4 for the logistic function, whose slope at 0 is 1/4 (the slides' "variance times 16").
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable

import torch
from torch import nn

from . import validate
from .models import ACTIVATIONS, mlp

__all__ = [
    "SCHEMES",
    "fans",
    "he_normal_",
    "he_uniform_",
    "init_model",
    "normal_",
    "orthogonal_",
    "uniform_",
    "xavier_normal_",
    "xavier_uniform_",
    "zeros_",
]


def fans(tensor: torch.Tensor) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight: (in, out) for Linear's (out, in); times the kernel size
    for a convolution's (out, in, k1, k2, ...). Equals torch.nn.init's computation."""
    if not isinstance(tensor, torch.Tensor):
        raise TypeError(f"tensor must be a torch.Tensor, got {type(tensor).__name__}")
    if tensor.dim() < 2:
        raise ValueError(
            "tensor: fan-in and fan-out need a weight with at least 2 dimensions (out, in, ...), "
            f"got shape {tuple(tensor.shape)}; initialize biases with zeros_"
        )
    receptive = math.prod(tensor.shape[2:])
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def _check_tensor(tensor: torch.Tensor) -> None:
    if not isinstance(tensor, torch.Tensor):
        raise TypeError(f"tensor must be a torch.Tensor, got {type(tensor).__name__}")
    if not tensor.is_floating_point():
        raise TypeError(f"tensor must hold floating-point numbers, got {tensor.dtype}")


def _check_gain(gain: float) -> float:
    return validate.real("gain", gain, low=0, low_open=True)


def zeros_(tensor: torch.Tensor) -> torch.Tensor:
    """Fill with 0 (right for biases; for weights it makes all units identical, see 5.4)."""
    _check_tensor(tensor)
    with torch.no_grad():
        return tensor.zero_()


def normal_(
    tensor: torch.Tensor, std: float, *, generator: torch.Generator | None = None
) -> torch.Tensor:
    """Fill with draws from N(0, std^2): a fixed variance, whatever the layer's size."""
    _check_tensor(tensor)
    std = validate.real("std", std, low=0)
    with torch.no_grad():
        return tensor.normal_(0.0, std, generator=generator)


def uniform_(
    tensor: torch.Tensor, r: float, *, generator: torch.Generator | None = None
) -> torch.Tensor:
    """Fill with draws from U[-r, r], whose variance is r^2 / 3."""
    _check_tensor(tensor)
    r = validate.real("r", r, low=0)
    with torch.no_grad():
        return tensor.uniform_(-r, r, generator=generator)


def xavier_normal_(
    tensor: torch.Tensor, gain: float = 1.0, *, generator: torch.Generator | None = None
) -> torch.Tensor:
    """Xavier (Glorot) normal: N(0, sigma^2) with sigma^2 = gain^2 * 2 / (n_in + n_out)."""
    gain = _check_gain(gain)
    fan_in, fan_out = fans(tensor)
    return normal_(tensor, gain * math.sqrt(2.0 / (fan_in + fan_out)), generator=generator)


def xavier_uniform_(
    tensor: torch.Tensor, gain: float = 1.0, *, generator: torch.Generator | None = None
) -> torch.Tensor:
    """Xavier (Glorot) uniform: U[-r, r] with r = gain * sqrt(6 / (n_in + n_out))."""
    gain = _check_gain(gain)
    fan_in, fan_out = fans(tensor)
    return uniform_(tensor, gain * math.sqrt(6.0 / (fan_in + fan_out)), generator=generator)


def he_normal_(
    tensor: torch.Tensor, gain: float = math.sqrt(2.0), *, generator: torch.Generator | None = None
) -> torch.Tensor:
    """He (Kaiming) normal: N(0, gain^2 / n_in); the default gain sqrt(2) gives 2 / n_in."""
    gain = _check_gain(gain)
    fan_in, _ = fans(tensor)
    return normal_(tensor, gain / math.sqrt(fan_in), generator=generator)


def he_uniform_(
    tensor: torch.Tensor, gain: float = math.sqrt(2.0), *, generator: torch.Generator | None = None
) -> torch.Tensor:
    """He (Kaiming) uniform: U[-r, r], r = gain * sqrt(3 / n_in) (sqrt(6 / n_in) by default)."""
    gain = _check_gain(gain)
    fan_in, _ = fans(tensor)
    return uniform_(tensor, gain * math.sqrt(3.0 / fan_in), generator=generator)


def orthogonal_(
    tensor: torch.Tensor, gain: float = 1.0, *, generator: torch.Generator | None = None
) -> torch.Tensor:
    """An orthogonal matrix from the SVD of a Gaussian one: W = gain * U V^T.

    For a Gaussian A = U S V^T, the factor U V^T has orthonormal rows (if rows <= columns) or
    orthonormal columns (otherwise), so W W^T = gain^2 I or W^T W = gain^2 I. Higher-dimensional
    weights are flattened to (out, rest) first, as in torch.nn.init.orthogonal_.
    """
    gain = _check_gain(gain)
    _check_tensor(tensor)
    if tensor.dim() < 2:
        raise ValueError(f"orthogonal_ needs at least 2 dimensions, got {tuple(tensor.shape)}")
    rows = tensor.shape[0]
    cols = tensor.numel() // rows
    A = torch.randn(rows, cols, generator=generator, dtype=torch.float64)
    U, _, Vh = torch.linalg.svd(A, full_matrices=False)
    with torch.no_grad():
        tensor.copy_((gain * U @ Vh).reshape(tensor.shape).to(tensor.dtype))
    return tensor


_RELU_GAIN = math.sqrt(2.0)

#: Schemes for :func:`init_model`, each filling one weight tensor.
SCHEMES: dict[str, Callable[..., torch.Tensor]] = {
    "zeros": lambda w, g: zeros_(w),
    "normal": lambda w, g, std=0.01: normal_(w, std, generator=g),
    "uniform": lambda w, g, r=0.05: uniform_(w, r, generator=g),
    "xavier_normal": lambda w, g, gain=1.0: xavier_normal_(w, gain, generator=g),
    "xavier_uniform": lambda w, g, gain=1.0: xavier_uniform_(w, gain, generator=g),
    "he_normal": lambda w, g, gain=_RELU_GAIN: he_normal_(w, gain, generator=g),
    "he_uniform": lambda w, g, gain=_RELU_GAIN: he_uniform_(w, gain, generator=g),
    "orthogonal": lambda w, g, gain=1.0: orthogonal_(w, gain, generator=g),
}


#: The options each scheme takes (``std`` for normal, ``r`` for uniform, ``gain`` otherwise).
SCHEME_OPTIONS: dict[str, tuple[str, ...]] = {
    name: tuple(inspect.signature(fill).parameters)[2:] for name, fill in SCHEMES.items()
}


def init_model(model: nn.Module, scheme: str, *, seed: int = 0, **options: float) -> nn.Module:
    """Initialize every Linear and Conv weight of ``model`` with ``scheme``; biases to 0.

    ``options`` go to the scheme (``std`` for normal, ``r`` for uniform, ``gain`` for the
    others). Returns the model.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    validate.one_of("scheme", scheme, sorted(SCHEMES))
    allowed = SCHEME_OPTIONS[scheme]
    for option in options:
        if option not in allowed:
            raise TypeError(
                f"{scheme} takes the options {list(allowed) or 'none'}, got {option}="
                f"{options[option]!r}"
            )
    generator = torch.Generator().manual_seed(validate.seed("seed", seed))
    for module in model.modules():
        if isinstance(module, (nn.Linear, nn.Conv1d, nn.Conv2d, nn.Conv3d)):
            SCHEMES[scheme](module.weight, generator, **options)
            if module.bias is not None:
                zeros_(module.bias)
    return model


def layer_statistics(
    activation: str,
    scheme: str,
    *,
    depth: int,
    width: int,
    batch: int = 100,
    seed: int = 0,
    **options: float,
) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
    """Each layer's activations and their gradients in a fresh deep network (5.4's experiment).

    The network is ``depth`` layers Linear(width, width) + ``activation`` (the course MLP,
    :func:`coursekit.models.mlp`, with the activation after its last layer too), initialized by
    :func:`init_model` with ``scheme`` and ``options`` (biases 0). It gets ``batch`` standard
    normal inputs; the gradients are those of the sum of the last layer's outputs times a fixed
    random vector. Returns (activations, gradients), one (batch, width) tensor per layer.
    """
    validate.one_of("activation", activation, [a for a in ACTIVATIONS if a != "identity"])
    validate.one_of("scheme", scheme, sorted(SCHEMES))
    depth = validate.integer("depth", depth, low=1)
    width = validate.integer("width", width, low=1)
    batch = validate.integer("batch", batch, low=1)
    seed = validate.seed("seed", seed)
    net = nn.Sequential(
        *mlp([width] * (depth + 1), activation=activation, seed=seed), ACTIVATIONS[activation]()
    )
    init_model(net, scheme, seed=seed, **options)
    generator = torch.Generator().manual_seed(seed + 1)  # not the stream the weights came from
    x = torch.randn(batch, width, generator=generator, requires_grad=True)
    outputs = []
    for module in net:
        x = module(x)
        if not isinstance(module, nn.Linear):  # after each activation
            x.retain_grad()
            outputs.append(x)
    direction = torch.randn(width, generator=generator)
    (x @ direction).sum().backward()
    return [o.detach() for o in outputs], [o.grad.detach() for o in outputs]
