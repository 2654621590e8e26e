"""Layer-wise normalization (逐层归一化, 5.5): batch, layer and weight normalization.

Each is written from its formula and equals its torch counterpart (tests compare outputs, running
statistics and gradients in float64):

* :class:`BatchNorm1d` - normalize each feature (neuron) over the K samples of a mini-batch
  (Ioffe & Szegedy, ICML 2015), like ``torch.nn.BatchNorm1d``;
* :class:`LayerNorm` - normalize each sample over the M features of a layer (Ba, Kiros &
  Hinton, 2016), like ``torch.nn.LayerNorm``;
* :func:`weight_norm` - write each weight vector as w = g v / ||v|| (Salimans & Kingma,
  NeurIPS 2016), like ``torch.nn.utils.parametrizations.weight_norm``.

and the measurements of the lesson: :func:`layer_gradient_norms` (vanishing gradients),
:func:`activation_inputs` (how a neuron's input distribution drifts during training) and
:func:`smoothness_along_gradient` (how far the gradient stays a good guide).

Layouts: the slides write a mini-batch as a matrix of neurons x samples, Z = [z^(1), ..., z^(K)],
so batch normalization works along each *row* and layer normalization along each *column*.
torch stores samples x features, (K, M): there batch normalization works along each column
(over the samples, dim 0) and layer normalization along each row (over the features, the last
dims). Same operations, transposed pictures.
"""

from __future__ import annotations

import copy
import numbers
from collections.abc import Callable, Sequence

import numpy as np
import torch
from torch import nn
from torch.nn.utils import parametrize

from . import validate

__all__ = [
    "BatchNorm1d",
    "LayerNorm",
    "activation_inputs",
    "data_dependent_init",
    "layer_gradient_norms",
    "smoothness_along_gradient",
    "weight_norm",
]


def _standardize(
    z: torch.Tensor, mean: torch.Tensor, var: torch.Tensor, eps: float
) -> torch.Tensor:
    """(z - mu) / sqrt(sigma^2 + eps): eps inside the square root, as in torch."""
    return (z - mean) / torch.sqrt(var + eps)


class BatchNorm1d(nn.Module):
    """Batch normalization of each of ``num_features`` neurons over a mini-batch.

    For a mini-batch of K net inputs z^(1..K) of one neuron (5.5):

        mu_B = (1/K) sum_k z^(k),   sigma_B^2 = (1/K) sum_k (z^(k) - mu_B)^2
        z_hat = (z - mu_B) / sqrt(sigma_B^2 + eps),   BN(z) = gamma * z_hat + beta

    The variance in the output is the *biased* one (divided by K). In training mode the batch
    statistics are used and running averages updated:
    running_mean <- (1 - m) running_mean + m mu_B and running_var <- (1 - m) running_var + m
    s_B^2, where s_B^2 is the *unbiased* batch variance (divided by K - 1), as torch does; with
    ``momentum=None``, m = 1 / (number of batches seen), a cumulative average. In evaluation mode
    the running statistics replace the batch ones, so a prediction no longer depends on the
    other samples of the batch (with ``track_running_stats=False`` the batch statistics are used
    in both modes). Inputs are (N, C) or (N, C, L); statistics are taken over N (and L).

    ``gamma`` is ``weight`` and ``beta`` is ``bias`` (torch's names), learned when ``affine``.
    """

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
    ) -> None:
        super().__init__()
        self.num_features = validate.integer("num_features", num_features, low=1)
        self.eps = validate.real("eps", eps, low=0, low_open=True)
        self.momentum = (
            None if momentum is None else validate.real("momentum", momentum, low=0, high=1)
        )
        self.affine = validate.flag("affine", affine)
        self.track_running_stats = validate.flag("track_running_stats", track_running_stats)
        if self.affine:
            self.weight = nn.Parameter(torch.ones(self.num_features))
            self.bias = nn.Parameter(torch.zeros(self.num_features))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if self.track_running_stats:
            self.register_buffer("running_mean", torch.zeros(self.num_features))
            self.register_buffer("running_var", torch.ones(self.num_features))
            self.register_buffer("num_batches_tracked", torch.tensor(0, dtype=torch.long))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        if (
            not isinstance(z, torch.Tensor)
            or z.dim() not in (2, 3)
            or z.shape[1] != self.num_features
        ):
            shape = tuple(z.shape) if isinstance(z, torch.Tensor) else type(z).__name__
            raise ValueError(
                f"z must have shape (N, {self.num_features}) or (N, {self.num_features}, L), "
                f"got {shape}"
            )
        dims = (0,) if z.dim() == 2 else (0, 2)  # every axis but the features'
        view = (1, -1) if z.dim() == 2 else (1, -1, 1)
        count = z.numel() // self.num_features  # values per feature: K (times L)
        if self.training or not self.track_running_stats:
            if self.training and count < 2:
                raise ValueError(
                    f"z: batch normalization in training needs more than one value per feature, "
                    f"got input of shape {tuple(z.shape)}; drop the last, one-sample batch "
                    "(drop_last=True) or call model.eval() for single predictions"
                )
            mean = z.mean(dim=dims)
            var = z.var(dim=dims, unbiased=False)  # the biased variance normalizes the output
            if self.training and self.track_running_stats:
                self._update_running_stats(mean, z.var(dim=dims, unbiased=True))
        else:
            mean, var = self.running_mean, self.running_var
        z_hat = _standardize(z, mean.view(view), var.view(view), self.eps)
        if self.affine:
            return z_hat * self.weight.view(view) + self.bias.view(view)
        return z_hat

    @torch.no_grad()
    def _update_running_stats(self, mean: torch.Tensor, unbiased_var: torch.Tensor) -> None:
        self.num_batches_tracked += 1
        m = 1.0 / float(self.num_batches_tracked) if self.momentum is None else self.momentum
        self.running_mean.mul_(1 - m).add_(m * mean)
        self.running_var.mul_(1 - m).add_(m * unbiased_var)

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
            f"affine={self.affine}, track_running_stats={self.track_running_stats}"
        )


class LayerNorm(nn.Module):
    """Layer normalization of each sample over its last dimensions (``normalized_shape``).

    For the net input z of layer l with M_l neurons (5.5):

        mu = (1/M_l) sum_i z_i,   sigma^2 = (1/M_l) sum_i (z_i - mu)^2
        LN(z) = gamma * (z - mu) / sqrt(sigma^2 + eps) + beta

    Each sample is normalized on its own, so the result does not depend on the batch size or on
    the other samples, and training and evaluation compute the same thing (no running
    statistics). ``gamma`` (``weight``) and ``beta`` (``bias``) have ``normalized_shape``.
    """

    def __init__(
        self,
        normalized_shape: int | Sequence[int],
        eps: float = 1e-5,
        elementwise_affine: bool = True,
    ) -> None:
        super().__init__()
        if isinstance(normalized_shape, numbers.Integral) and not isinstance(
            normalized_shape, bool
        ):
            normalized_shape = (normalized_shape,)
        if isinstance(normalized_shape, (str, bytes)) or not hasattr(normalized_shape, "__iter__"):
            raise TypeError(
                f"normalized_shape must be an integer or a tuple of integers, got "
                f"{normalized_shape!r}"
            )
        self.normalized_shape = tuple(
            validate.integer(f"normalized_shape[{i}]", s, low=1)
            for i, s in enumerate(normalized_shape)
        )
        if not self.normalized_shape:
            raise ValueError("normalized_shape must name at least one dimension")
        self.eps = validate.real("eps", eps, low=0, low_open=True)
        self.elementwise_affine = validate.flag("elementwise_affine", elementwise_affine)
        if self.elementwise_affine:
            self.weight = nn.Parameter(torch.ones(self.normalized_shape))
            self.bias = nn.Parameter(torch.zeros(self.normalized_shape))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        k = len(self.normalized_shape)
        if not isinstance(z, torch.Tensor) or tuple(z.shape[-k:]) != self.normalized_shape:
            shape = tuple(z.shape) if isinstance(z, torch.Tensor) else type(z).__name__
            raise ValueError(f"z must end in the dimensions {self.normalized_shape}, got {shape}")
        dims = tuple(range(-k, 0))
        mean = z.mean(dim=dims, keepdim=True)
        var = z.var(dim=dims, unbiased=False, keepdim=True)
        z_hat = _standardize(z, mean, var, self.eps)
        if self.elementwise_affine:
            return z_hat * self.weight + self.bias
        return z_hat

    def extra_repr(self) -> str:
        return (
            f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"
        )


def _norm_except(v: torch.Tensor, dim: int | None) -> torch.Tensor:
    """||v|| over every dimension but ``dim`` (kept, for broadcasting); over all if None."""
    if dim is None:
        return torch.linalg.vector_norm(v)
    others = [d for d in range(v.dim()) if d != dim]
    return torch.linalg.vector_norm(v, dim=others, keepdim=True)


class _WeightNorm(nn.Module):
    """The parametrization w = g * v / ||v|| (``forward``) and its inverse g = ||w||, v = w."""

    def __init__(self, dim: int | None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, g: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
        return g * v / _norm_except(v, self.dim)

    def right_inverse(self, weight: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return _norm_except(weight, self.dim), weight


def weight_norm(module: nn.Module, name: str = "weight", dim: int | None = 0) -> nn.Module:
    """Reparametrize ``module.<name>`` as w = g * v / ||v|| (weight normalization, 5.5).

    The direction v and the length g are learned separately; g starts at ||w|| and v at w, so the
    module computes the same function until the first update. The norm is taken over every
    dimension but ``dim``: with ``dim=0`` each row of a Linear weight (the weights into one
    neuron) gets its own g; ``dim=None`` gives one g for the whole tensor, and so does
    ``dim=-1`` (torch's convention, kept for equality; other negative dims count from the
    end). As in ``torch.nn.utils.parametrizations.weight_norm``, g and v are
    ``module.parametrizations.<name>.original0`` and ``original1``.

    The gradient of the loss with respect to v is orthogonal to v (the loss depends on v only
    through its direction), so plain gradient steps can only make ||v|| grow.
    """
    if not isinstance(module, nn.Module):
        raise TypeError(f"module must be a torch.nn.Module, got {type(module).__name__}")
    validate.one_of("name", name, [n for n, _ in module.named_parameters(recurse=False)])
    weight = getattr(module, name)
    if dim is not None:
        dim = validate.integer("dim", dim, low=-weight.dim(), high=weight.dim() - 1)
        dim = None if dim == -1 else dim % weight.dim()  # torch's convention: -1 means all
    parametrize.register_parametrization(module, name, _WeightNorm(dim), unsafe=True)
    return module


@torch.no_grad()
def data_dependent_init(model: nn.Sequential, X: torch.Tensor) -> nn.Sequential:
    """Initialize every weight-normalized Linear layer of ``model`` from a batch of data.

    Salimans & Kingma (NeurIPS 2016, section 3) start each layer so that its outputs have zero
    mean and unit variance on an initial mini-batch. Going from the input to the output, with
    t = g v.x / ||v|| + b the layer's current output for the batch X and mu, sigma its mean and
    (biased) standard deviation per neuron over the batch:

        g <- g / sigma,   b <- (b - mu) / sigma,   so that the new output is (t - mu) / sigma.

    Later layers see the outputs of the layers already initialized. This is batch normalization
    applied once, at the start, and then left to learning. Layers without weight normalization
    are left alone. ``model`` is changed in place and returned.
    """
    if not isinstance(model, nn.Sequential):
        raise TypeError(
            f"model must be an nn.Sequential (such as mlp(..., norm='weight')), got "
            f"{type(model).__name__}"
        )
    if not isinstance(X, torch.Tensor) or X.dim() != 2 or len(X) < 2:
        shape = tuple(X.shape) if isinstance(X, torch.Tensor) else type(X).__name__
        raise ValueError(f"X must be a batch of at least 2 samples (N, features), got {shape}")
    if not bool(torch.isfinite(X).all()):
        raise ValueError("X must be finite, got NaN or inf")
    layers = [
        m for m in model if isinstance(m, nn.Linear) and parametrize.is_parametrized(m, "weight")
    ]
    if not layers:
        raise ValueError("model has no weight-normalized Linear layer (use weight_norm first)")
    for layer in layers:
        if layer.bias is None or layer.parametrizations.weight.original0.numel() != len(layer.bias):
            raise ValueError(
                "model: data-dependent initialization needs Linear layers with biases, "
                "weight-normalized per neuron (weight_norm(layer, dim=0))"
            )
    first = next(m for m in model if isinstance(m, nn.Linear))
    if X.shape[1] != first.in_features:
        raise ValueError(
            f"X must have {first.in_features} features per sample (the model's input), "
            f"got {X.shape[1]}"
        )
    x = X.to(first.bias.dtype if first.bias is not None else X.dtype)
    for module in model:
        if module in layers:
            t = module(x)
            mu, sigma = t.mean(dim=0), t.std(dim=0, unbiased=False)
            if not bool((sigma > 0).all()):
                raise ValueError(
                    "X: a neuron's output is the same for every sample of the batch; use a "
                    "batch of distinct samples"
                )
            g = module.parametrizations.weight.original0
            g.div_(sigma.view_as(g))
            module.bias.sub_(mu).div_(sigma)
        x = module(x)
    return model


# ---- the experiments of 5.5: what normalization does to gradients, inputs and the landscape ----


def _linear_layers(model: nn.Module) -> list[nn.Linear]:
    layers = [m for m in model.modules() if isinstance(m, nn.Linear)]
    if not layers:
        raise ValueError("model has no Linear layer")
    return layers


def _weights_of(layer: nn.Linear) -> list[torch.Tensor]:
    """The tensors a Linear layer's weight is made of: W itself, or g and v (weight norm)."""
    return [p for name, p in layer.named_parameters() if not name.startswith("bias")]


def layer_gradient_norms(
    model: nn.Module,
    X: torch.Tensor,
    y: torch.Tensor,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] = nn.functional.cross_entropy,
) -> list[float]:
    """||dL/dW_l|| of every Linear layer, from input to output, for the mean loss on (X, y).

    The model runs in its current mode (batch normalization in training mode uses the batch
    statistics, as during training) and is not changed; no optimizer state is touched. For a
    weight-normalized layer the norm covers the gradients of g and v together.
    """
    layers = _linear_layers(model)
    weights = [_weights_of(layer) for layer in layers]
    loss = loss_fn(model(X), y)
    grads = torch.autograd.grad(loss, [w for ws in weights for w in ws])
    norms, i = [], 0
    for ws in weights:
        squares = sum(float((g.detach() ** 2).sum()) for g in grads[i : i + len(ws)])
        norms.append(squares**0.5)
        i += len(ws)
    return norms


def smoothness_along_gradient(
    model: nn.Module,
    X: torch.Tensor,
    y: torch.Tensor,
    lengths: Sequence[float],
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] = nn.functional.cross_entropy,
) -> tuple[np.ndarray, np.ndarray]:
    """How the loss and its gradient change along the gradient direction (Santurkar et al.,
    "How does batch normalization help optimization?", NeurIPS 2018).

    With g = grad L(theta) and u = g / ||g||, for each step length r in ``lengths``: the loss
    L(theta - r u), and ||grad L(theta - r u) - g|| / r, the change of the gradient per unit of
    distance (an estimate of the local beta-smoothness: small means the gradient stays a good
    guide for a step of that length). Steps have a fixed *length*, so that networks whose
    gradients differ in size are compared over the same distance. The model is not changed.

    Returns:
        ``(losses, gradient_changes)``, one entry per length.
    """
    lengths = validate.array("lengths", lengths, ndim=1)
    if np.any(lengths <= 0):
        raise ValueError(f"lengths must be > 0, got {lengths.tolist()}")
    clone = copy.deepcopy(model)
    params = [p for p in clone.parameters() if p.requires_grad]
    buffers = {name: b.clone() for name, b in clone.named_buffers()}
    g = torch.autograd.grad(loss_fn(clone(X), y), params)
    g_norm = torch.sqrt(sum((gi**2).sum() for gi in g))
    if not float(g_norm) > 0:
        raise ValueError("the gradient is zero at this point: there is no direction to follow")
    start = [p.detach().clone() for p in params]
    losses, changes = [], []
    for r in lengths:
        with torch.no_grad():
            for p, p0, gi in zip(params, start, g, strict=True):
                p.copy_(p0 - float(r) * gi / g_norm)
            for name, b in clone.named_buffers():  # the same batch-norm statistics every time
                b.copy_(buffers[name])
        loss = loss_fn(clone(X), y)
        g_r = torch.autograd.grad(loss, params)
        change = torch.sqrt(sum(((a - b) ** 2).sum() for a, b in zip(g_r, g, strict=True)))
        losses.append(float(loss.detach()))
        changes.append(float(change) / float(r))
    return np.array(losses), np.array(changes)


@torch.no_grad()
def activation_inputs(model: nn.Sequential, X: torch.Tensor) -> list[torch.Tensor]:
    """The input of every activation layer of an MLP for the samples X, first layer first.

    This is what a hidden neuron's nonlinearity sees: the net input z = W a + b, or, with batch
    or layer normalization, the normalized z. Ioffe & Szegedy (2015, figure 1) follow the
    percentiles of one neuron's input during training. The model runs in evaluation mode (batch
    normalization with its running statistics) and is returned to its previous mode.
    """
    if not isinstance(model, nn.Sequential):
        raise TypeError(
            f"model must be an nn.Sequential (such as mlp(...)), got {type(model).__name__}"
        )
    activations = (nn.ReLU, nn.Tanh, nn.Sigmoid, nn.Identity)
    was_training = model.training
    model.eval()
    inputs, x = [], X
    for module in model:
        if isinstance(module, activations):
            inputs.append(x.detach().clone())
        x = module(x)
    model.train(was_training)
    if not inputs:
        raise ValueError("model has no activation layer")
    return inputs
