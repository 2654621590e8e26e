"""Critical points and loss landscapes (5.1): why training a deep network is hard.

* :func:`hessian`, :func:`critical_point`, :func:`classify` - the Hessian of a function at a
  point (torch.autograd), its eigenvalues, and the kind of critical point they imply;
* :func:`model_hessian` - the same for a small network's loss with respect to all its weights;
* :func:`interpolate`, :func:`loss_along_line` - the loss on the straight line between two
  parameter vectors (Goodfellow, Vinyals & Saxe, "Qualitatively characterizing neural network
  optimization problems", ICLR 2015);
* :func:`filter_normalized_direction`, :func:`loss_plane` - the loss on a 2-D plane through a
  solution, spanned by random directions scaled filter by filter (Li, Xu, Taylor, Studer &
  Goldstein, "Visualizing the loss landscape of neural nets", NeurIPS 2018);
* :func:`probability_all_positive` - how rarely a random symmetric matrix is positive definite
  (Dauphin et al., "Identifying and attacking the saddle point problem", NeurIPS 2014).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from . import validate

KINDS = ("minimum", "maximum", "saddle", "degenerate")


def classify(eigenvalues: Sequence[float] | np.ndarray, tol: float = 1e-8) -> str:
    """The kind of critical point whose Hessian has these eigenvalues.

    All > tol: a local minimum; all < -tol: a local maximum; some of each sign: a saddle point
    (whatever else); otherwise some eigenvalue is within ``tol`` of 0 and the second derivative
    cannot decide: degenerate.
    """
    lam = validate.array("eigenvalues", eigenvalues, ndim=1)
    tol = validate.real("tol", tol, low=0)
    if np.all(lam > tol):
        return "minimum"
    if np.all(lam < -tol):
        return "maximum"
    if np.any(lam > tol) and np.any(lam < -tol):
        return "saddle"
    return "degenerate"


def hessian(f: Callable[[torch.Tensor], torch.Tensor], point: Sequence[float]) -> np.ndarray:
    """The Hessian matrix d^2 f / d theta_i d theta_j at ``point``, by torch.autograd (float64)."""
    validate.function("f", f)
    theta = torch.as_tensor(validate.array("point", point, ndim=1))
    H = torch.autograd.functional.hessian(f, theta)
    return H.detach().numpy().reshape(theta.numel(), theta.numel())


@dataclass(frozen=True)
class CriticalPoint:
    """The gradient, Hessian, eigenvalues and kind at a point (``kind`` assumes grad ~ 0)."""

    point: np.ndarray
    gradient: np.ndarray
    hessian: np.ndarray
    eigenvalues: np.ndarray
    kind: str

    @property
    def index(self) -> float:
        """The fraction of negative eigenvalues (0 at a minimum, 1 at a maximum)."""
        return float(np.mean(self.eigenvalues < 0))


def critical_point(
    f: Callable[[torch.Tensor], torch.Tensor], point: Sequence[float], tol: float = 1e-8
) -> CriticalPoint:
    """Analyse ``point``: gradient and Hessian by autograd, eigenvalues, :func:`classify`."""
    validate.function("f", f)
    tol = validate.real("tol", tol, low=0)
    point = validate.array("point", point, ndim=1)
    theta = torch.as_tensor(point).requires_grad_(True)
    (grad,) = torch.autograd.grad(f(theta), theta)
    H = hessian(f, point)
    eigenvalues = np.linalg.eigvalsh(H)
    return CriticalPoint(
        point,
        grad.detach().numpy().ravel(),
        H,
        eigenvalues,
        classify(eigenvalues, tol),
    )


def parameters_vector(model: nn.Module) -> torch.Tensor:
    """All parameters of ``model`` as one flat vector (a copy)."""
    return torch.cat([p.detach().reshape(-1) for p in model.parameters()]).clone()


def _check_vector(name: str, vector: torch.Tensor, model: nn.Module) -> None:
    """A flat parameter vector of exactly the model's size (no silent truncation), finite."""
    if not isinstance(vector, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(vector).__name__}")
    size = sum(p.numel() for p in model.parameters())
    if vector.dim() != 1 or vector.numel() != size:
        raise ValueError(
            f"{name} must be a flat vector of the model's {size} parameters "
            f"(see parameters_vector), got shape {tuple(vector.shape)}"
        )
    validate.finite_rows(name, vector)


def _check_data(
    X: torch.Tensor, y: torch.Tensor, loss_fn: Callable
) -> tuple[torch.Tensor, torch.Tensor]:
    """Finite inputs, one target per input; for cross-entropy, class labels >= 0 (as int64)."""
    if not isinstance(X, torch.Tensor) or not isinstance(y, torch.Tensor):
        raise TypeError(
            f"X and y must be torch tensors, got {type(X).__name__} and {type(y).__name__}"
        )
    validate.finite_rows("X", X)
    if len(X) != len(y):
        raise ValueError(f"X and y must have the same length, got {len(X)} and {len(y)}")
    if loss_fn is nn.functional.cross_entropy and not y.is_floating_point():
        validate.labels("y", y)
        y = y.long()  # int32 or uint8 labels: cross-entropy indexes with int64
    return X, y


def _loss(model: nn.Module, X: torch.Tensor, y: torch.Tensor, loss_fn: Callable) -> float:
    try:
        logits = model(X)
    except RuntimeError as error:
        raise ValueError(f"X of shape {tuple(X.shape)} does not fit the model: {error}") from None
    if loss_fn is nn.functional.cross_entropy and not y.is_floating_point():
        if logits.dim() != 2 or logits.shape[1] <= int(y.max()):
            raise ValueError(
                f"y must hold class labels in 0, ..., {logits.shape[-1] - 1} (the model has "
                f"{logits.shape[-1]} outputs), got labels up to {int(y.max())}"
            )
    return float(loss_fn(logits, y))


def _losses(
    model: nn.Module,
    vectors: Iterable[torch.Tensor],
    X: torch.Tensor,
    y: torch.Tensor,
    loss_fn: Callable,
) -> list[float]:
    """The loss at each parameter vector, evaluated on one copy of ``model`` (left unchanged),
    in evaluation mode (dropout off), on inputs and vectors cast to the model's dtype."""
    X, y = _check_data(X, y, loss_fn)
    dtype = next(p.dtype for p in model.parameters())
    X = X.to(dtype) if X.is_floating_point() else X
    clone = copy.deepcopy(model).eval()
    losses = []
    with torch.no_grad():
        for vector in vectors:
            torch.nn.utils.vector_to_parameters(vector.to(dtype), clone.parameters())
            losses.append(_loss(clone, X, y, loss_fn))
    return losses


def model_loss(
    model: nn.Module,
    vector: torch.Tensor,
    X: torch.Tensor,
    y: torch.Tensor,
    loss_fn: Callable = nn.functional.cross_entropy,
) -> float:
    """The loss of ``model`` with its parameters replaced by ``vector`` (model unchanged)."""
    _check_vector("vector", vector, model)
    return _losses(model, [vector], X, y, loss_fn)[0]


def model_hessian(
    model: nn.Module,
    X: torch.Tensor,
    y: torch.Tensor,
    loss_fn: Callable = nn.functional.cross_entropy,
    weight_decay: float = 0.0,
) -> np.ndarray:
    """The Hessian of the loss with respect to all parameters, flattened (d x d; keep d small).

    With ``weight_decay`` the loss includes the L2 penalty (weight_decay / 2) ||theta||^2, whose
    Hessian is weight_decay times the identity.
    """
    weight_decay = validate.real("weight_decay", weight_decay, low=0)
    X, y = _check_data(X, y, loss_fn)
    dtype = next(p.dtype for p in model.parameters())
    X = X.to(dtype) if X.is_floating_point() else X
    with torch.no_grad():
        _loss(model, X, y, loss_fn)  # labels beyond the outputs, inputs of the wrong width
    names = [name for name, _ in model.named_parameters()]
    shapes = [p.shape for p in model.parameters()]
    sizes = [p.numel() for p in model.parameters()]

    def loss_of(vector: torch.Tensor) -> torch.Tensor:
        pieces = torch.split(vector, sizes)
        params = {n: v.reshape(s) for n, v, s in zip(names, pieces, shapes, strict=True)}
        return loss_fn(torch.func.functional_call(model, params, (X,)), y)

    vector = parameters_vector(model)
    H = torch.autograd.functional.hessian(loss_of, vector).detach().numpy()
    return H + weight_decay * np.eye(len(H))


def interpolate(theta_a: torch.Tensor, theta_b: torch.Tensor, alpha: float) -> torch.Tensor:
    """(1 - alpha) theta_a + alpha theta_b: alpha = 0 gives theta_a, alpha = 1 gives theta_b."""
    alpha = validate.real("alpha", alpha)
    if theta_a.shape != theta_b.shape:
        raise ValueError(
            f"theta_a and theta_b differ in shape: {tuple(theta_a.shape)} and "
            f"{tuple(theta_b.shape)}"
        )
    return (1 - alpha) * theta_a + alpha * theta_b


def loss_along_line(
    model: nn.Module,
    theta_a: torch.Tensor,
    theta_b: torch.Tensor,
    X: torch.Tensor,
    y: torch.Tensor,
    alphas: Sequence[float] | np.ndarray = np.linspace(-0.25, 1.25, 31),  # noqa: B008
    loss_fn: Callable = nn.functional.cross_entropy,
) -> tuple[np.ndarray, np.ndarray]:
    """``(alphas, losses)`` on the straight line through ``theta_a`` (0) and ``theta_b`` (1).

    A convex loss lies below the chord on this line; a bump above both ends (a *barrier*) is a
    proof of non-convexity.
    """
    alphas = validate.array("alphas", alphas, ndim=1)
    _check_vector("theta_a", theta_a, model)
    _check_vector("theta_b", theta_b, model)
    vectors = (interpolate(theta_a, theta_b, a) for a in alphas)
    return alphas, np.array(_losses(model, vectors, X, y, loss_fn))


def filter_normalized_direction(model: nn.Module, seed: int = 0) -> torch.Tensor:
    """A random direction in parameter space, scaled filter by filter like the weights.

    Each parameter tensor gets a Gaussian direction; for a weight matrix (or convolution
    kernel), every filter (row: the weights into one unit) is rescaled to the norm of the same
    filter of the weights, so that the picture does not depend on the network's arbitrary
    per-unit scale. Biases and other 1-D parameters get 0 (Li et al., 2018, section 4).
    """
    generator = torch.Generator().manual_seed(validate.seed("seed", seed))
    pieces = []
    for p in model.parameters():
        w = p.detach()
        if w.dim() <= 1:
            pieces.append(torch.zeros_like(w).reshape(-1))
            continue
        d = torch.randn(w.shape, generator=generator, dtype=w.dtype)
        rows_w = w.reshape(w.shape[0], -1)
        rows_d = d.reshape(d.shape[0], -1)
        scale = rows_w.norm(dim=1, keepdim=True) / (rows_d.norm(dim=1, keepdim=True) + 1e-10)
        pieces.append((rows_d * scale).reshape(-1))
    return torch.cat(pieces)


def loss_plane(
    model: nn.Module,
    center: torch.Tensor,
    direction_1: torch.Tensor,
    direction_2: torch.Tensor,
    X: torch.Tensor,
    y: torch.Tensor,
    alphas: Sequence[float] | np.ndarray,
    betas: Sequence[float] | np.ndarray,
    loss_fn: Callable = nn.functional.cross_entropy,
) -> np.ndarray:
    """Losses L(center + a d1 + b d2) on the grid, shape ``(len(betas), len(alphas))``."""
    for name, d in (("center", center), ("direction_1", direction_1), ("direction_2", direction_2)):
        _check_vector(name, d, model)
    alphas = validate.array("alphas", alphas, ndim=1)
    betas = validate.array("betas", betas, ndim=1)
    vectors = (
        center + float(a) * direction_1 + float(b) * direction_2 for b in betas for a in alphas
    )
    losses = _losses(model, vectors, X, y, loss_fn)
    return np.array(losses).reshape(len(betas), len(alphas))


def random_symmetric(d: int, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` random symmetric d x d matrices (A + A^T) / 2, A standard normal: shape (n, d, d)."""
    d = validate.integer("d", d, low=1)
    n = validate.integer("n", n, low=1)
    validate.generator("rng", rng)
    A = rng.standard_normal((n, d, d))
    return (A + np.swapaxes(A, 1, 2)) / 2


def probability_all_positive(d: int, n: int, rng: np.random.Generator) -> float:
    """Monte-Carlo estimate of P(all eigenvalues > 0) for :func:`random_symmetric` matrices.

    A crude model of a Hessian at a random critical point: each eigenvalue sign is a coin flip
    only for d = 1; for larger d the eigenvalues repel each other and the chance that all d are
    positive falls faster than 2^-d.
    """
    eigenvalues = np.linalg.eigvalsh(random_symmetric(d, n, rng))
    return float(np.mean(np.all(eigenvalues > 0, axis=1)))
