"""Regularization (正则化, 5.7): ℓ1 and ℓ2 penalties, the soft-threshold step of ℓ1, dropout and
its Monte Carlo predictions, and early stopping.

* :func:`l1_penalty`, :func:`l2_penalty`: lambda * sum |theta| and (lambda / 2) * sum theta^2
  over any number of tensors or arrays; the gradient of the second is lambda * theta, which is
  what ``weight_decay=lambda`` adds in ``torch.optim.SGD`` (and in :mod:`coursekit.optim`).
* :func:`soft_threshold` (the proximal step of ℓ1, which produces exact zeros) and
  :func:`lasso_ista` (ISTA on 1/(2n) ||y - Xw||^2 + alpha ||w||_1, scikit-learn's ``Lasso``
  objective; Daubechies, Defrise & De Mol 2004; Beck & Teboulle 2009).
* :class:`Dropout` (Srivastava et al., JMLR 2014): torch's inverted dropout, or the slides' form
  that scales by 1 - p at test time; :func:`mc_dropout_predict` (Gal & Ghahramani, ICML 2016).
* :class:`EarlyStopping`: stop after ``patience`` evaluations without improvement, and restore
  the best weights.
* The lesson's two experiments: digits with wrong labels (:func:`noisy_digits`,
  :func:`train_noisy_digits`) and the two moons (:func:`train_moons` and its helpers).
"""

from __future__ import annotations

import copy
import functools
import math
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
import torch
from torch import nn

from . import validate

__all__ = [
    "MOONS_EXTENT",
    "Dropout",
    "EarlyStopping",
    "NoisyDigits",
    "NoisyDigitsRun",
    "boundary_length",
    "decision_grid",
    "digits_network",
    "l1_penalty",
    "l2_penalty",
    "lasso_ista",
    "mc_dropout_predict",
    "moons_network",
    "moons_problem",
    "noisy_digits",
    "noisy_digits_run",
    "soft_threshold",
    "train_moons",
    "train_noisy_digits",
]


def _tensors(params: Any) -> list[Any]:
    if isinstance(params, (torch.Tensor, np.ndarray)):
        return [params]
    try:
        items = list(params)
    except TypeError:
        raise TypeError(
            "params must be a tensor, an array, or an iterable of them (model.parameters()), "
            f"got {type(params).__name__}"
        ) from None
    if not items or not all(isinstance(p, (torch.Tensor, np.ndarray)) for p in items):
        raise TypeError("params must hold at least one tensor or array, and nothing else")
    return items


def l1_penalty(params: Any, weight: float) -> Any:
    """lambda * sum_i |theta_i| over every tensor (or array) in ``params``; ``weight`` is lambda
    >= 0. Added to a loss, its (sub)gradient is lambda * sgn(theta)."""
    weight = validate.real("weight", weight, low=0)
    return weight * sum(abs(p).sum() for p in _tensors(params))


def l2_penalty(params: Any, weight: float) -> Any:
    """(lambda / 2) * sum_i theta_i^2 over every tensor (or array) in ``params``; ``weight`` is
    lambda >= 0. Its gradient is lambda * theta, so for plain SGD adding it to the loss is exactly
    ``weight_decay=lambda``: theta <- (1 - alpha lambda) theta - alpha dL/dtheta."""
    weight = validate.real("weight", weight, low=0)
    return weight / 2 * sum((p**2).sum() for p in _tensors(params))


def soft_threshold(x: Any, threshold: float) -> Any:
    """sgn(x) * max(|x| - threshold, 0), elementwise (NumPy or torch): the proximal operator of
    threshold * ||x||_1. Entries with |x| <= threshold become exactly 0."""
    threshold = validate.real("threshold", threshold, low=0)
    if isinstance(x, torch.Tensor):
        return torch.sign(x) * torch.clamp(x.abs() - threshold, min=0)
    x = np.asarray(x, dtype=float)
    return np.sign(x) * np.maximum(np.abs(x) - threshold, 0.0)


def lasso_ista(
    X: Any, y: Any, alpha: float, *, steps: int = 5000, tol: float = 1e-12
) -> np.ndarray:
    """Minimize 1/(2n) ||y - X w||^2 + alpha ||w||_1 (scikit-learn's ``Lasso`` without intercept)
    by ISTA: a gradient step on the smooth part with step size 1/L (L = ||X||_2^2 / n, the
    Lipschitz constant of its gradient), then :func:`soft_threshold` with alpha / L. Stops when
    no coefficient moves by more than ``tol``."""
    X = validate.array("X", X, ndim=2)
    y = validate.array("y", y, ndim=1)
    if len(X) != len(y):
        raise ValueError(f"X and y must have the same number of rows, got {len(X)} and {len(y)}")
    alpha = validate.real("alpha", alpha, low=0)
    steps = validate.integer("steps", steps, low=1)
    tol = validate.real("tol", tol, low=0)
    n = len(y)
    lipschitz = float(np.linalg.norm(X, 2) ** 2 / n)
    if lipschitz == 0:
        return np.zeros(X.shape[1])
    w = np.zeros(X.shape[1])
    for _ in range(steps):
        grad = X.T @ (X @ w - y) / n
        new = soft_threshold(w - grad / lipschitz, alpha / lipschitz)
        if np.max(np.abs(new - w)) <= tol:
            return new
        w = new
    return w


class Dropout(nn.Module):
    """Dropout (Srivastava et al., 2014): in training, each input is set to 0 with probability
    ``p`` (torch's meaning: the *drop* probability), independently at every forward pass.

    ``inverted=True`` (torch's ``nn.Dropout``): the survivors are scaled by 1 / (1 - p) in
    training and the layer is the identity in evaluation. ``inverted=False`` (the slides' form):
    no scaling in training, and in evaluation the inputs are multiplied by 1 - p. Both keep the
    expected output of training equal to the output of evaluation.
    """

    def __init__(self, p: float = 0.5, inverted: bool = True) -> None:
        super().__init__()
        p = validate.real("p", p, low=0)
        if not p < 1:
            raise ValueError(f"p (the drop probability) must be in [0, 1), got {p}")
        self.p = p
        self.inverted = validate.flag("inverted", inverted)
        #: one mask for the whole batch (one thinned network per pass; set by mc_dropout_predict)
        self.shared_mask = False

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training:
            return x if self.inverted else x * (1 - self.p)
        if self.p == 0:
            return x
        shape = (1, *x.shape[1:]) if self.shared_mask else x.shape
        keep = torch.empty(shape, dtype=x.dtype).bernoulli_(1 - self.p)
        return x * keep / (1 - self.p) if self.inverted else x * keep

    def extra_repr(self) -> str:
        return f"p={self.p}, inverted={self.inverted}"


def _is_dropout(module: nn.Module) -> bool:
    return isinstance(module, (Dropout, nn.Dropout))


def mc_dropout_predict(
    model: nn.Module, X: Any, samples: int = 50
) -> tuple[torch.Tensor, torch.Tensor]:
    """Monte Carlo dropout (Gal & Ghahramani, 2016): ``samples`` forward passes with dropout
    active and every other layer in evaluation mode (batch normalization keeps its running
    statistics); returns the mean of the softmax probabilities and their standard deviation over
    the passes, each of shape (N, C). Each pass is one thinned network f(x; theta_m): the layers
    of :class:`Dropout` draw one mask for the whole batch (``nn.Dropout`` draws one per row).
    The model's modes are restored afterwards."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    samples = validate.integer("samples", samples, low=1)
    X = torch.as_tensor(validate.array("X", X, ndim=2), dtype=torch.float32)
    modes = {module: module.training for module in model.modules()}
    if not any(_is_dropout(m) for m in modes):
        raise ValueError("model has no dropout layer: Monte Carlo dropout needs one")
    shared = {m: m.shared_mask for m in modes if isinstance(m, Dropout)}
    try:
        model.eval()
        for module in modes:
            if _is_dropout(module):
                module.train()
            if isinstance(module, Dropout):
                module.shared_mask = True
        with torch.no_grad():
            probs = torch.stack([torch.softmax(model(X), dim=1) for _ in range(samples)])
    finally:
        for module, mode in modes.items():
            module.training = mode
        for module, flag in shared.items():
            module.shared_mask = flag
    spread = probs.std(dim=0, unbiased=False) if samples > 1 else torch.zeros_like(probs[0])
    return probs.mean(dim=0), spread


class EarlyStopping:
    """Stop when the validation loss has not improved for ``patience`` evaluations.

    Call :meth:`step` once per evaluation with the validation loss (and the model, to keep its
    best weights). An evaluation improves if its loss is below the best so far by more than
    ``min_delta``. ``step`` returns ``True`` once ``patience`` evaluations in a row did not
    improve; with ``restore_best`` the model then gets the weights of the best evaluation back.
    ``best_epoch`` is the 0-based index of the best call, ``best_loss`` its loss. With
    ``patience=math.inf`` it never stops and ``best_epoch`` is the argmin of the losses seen.
    :meth:`callback` adapts it to :func:`coursekit.train.fit`.
    """

    def __init__(
        self, patience: float = 5, min_delta: float = 0.0, restore_best: bool = True
    ) -> None:
        patience = validate.real("patience", patience, low=1, finite=False)
        if not (math.isinf(patience) or float(patience).is_integer()):
            raise ValueError(f"patience must be a whole number >= 1 or math.inf, got {patience}")
        self.patience = patience
        self.min_delta = validate.real("min_delta", min_delta, low=0)
        self.restore_best = validate.flag("restore_best", restore_best)
        self.best_epoch: int | None = None
        self.best_loss = math.inf
        self.calls = 0
        self.waited = 0
        self.stopped = False
        self._best_state: dict[str, torch.Tensor] | None = None

    def step(self, val_loss: float, model: nn.Module | None = None) -> bool:
        """Record one evaluation; ``True`` means: stop training now."""
        val_loss = validate.real("val_loss", val_loss, finite=False)
        if model is not None and not isinstance(model, nn.Module):
            raise TypeError(f"model must be a torch.nn.Module or None, got {type(model).__name__}")
        if val_loss < self.best_loss - self.min_delta:
            self.best_loss, self.best_epoch, self.waited = val_loss, self.calls, 0
            if model is not None and self.restore_best:
                self._best_state = copy.deepcopy(model.state_dict())
        else:
            self.waited += 1
        self.calls += 1
        self.stopped = self.waited >= self.patience
        if self.stopped and model is not None:
            self.restore(model)
        return self.stopped

    def restore(self, model: nn.Module) -> None:
        """Load the best evaluation's weights into ``model`` (with ``restore_best``)."""
        if self.restore_best and self._best_state is not None:
            model.load_state_dict(self._best_state)

    def callback(self, model: nn.Module) -> Callable[[Any], bool]:
        """A ``fit(..., callback=...)`` that watches ``history.val_loss`` after every evaluation
        (the first is before training) and stops the run; restore the best weights afterwards
        with :meth:`restore` if training ended without a stop."""

        def watch(history: Any) -> bool:
            return self.step(history.val_loss[-1], model)

        return watch


def _dropout_rate(dropout: float) -> float:
    """``dropout``, the drop probability of the lesson's networks, checked to be in [0, 1)."""
    dropout = validate.real("dropout", dropout, low=0)
    if not dropout < 1:
        raise ValueError(f"dropout (the drop probability) must be in [0, 1), got {dropout}")
    return dropout


# ---- the lesson's experiment on digits with wrong labels --------------------------------------


class NoisyDigits(NamedTuple):
    """A small training set of digits whose labels are partly wrong (``y``; the true ones in
    ``y_clean``), with the clean validation and test sets of the same split."""

    X: torch.Tensor
    y: torch.Tensor
    y_clean: torch.Tensor
    X_val: torch.Tensor
    y_val: torch.Tensor
    X_test: torch.Tensor
    y_test: torch.Tensor

    @property
    def wrong(self) -> int:
        """How many training labels are wrong (a redrawn label can be right by chance)."""
        return int((self.y != self.y_clean).sum())


def noisy_digits(n_train: int = 150, *, noise: float = 0.3, seed: int = 0) -> NoisyDigits:
    """``n_train`` images drawn from the training part of
    :func:`coursekit.data.load_digits_split` (``seed``), of which a fraction ``noise`` get a
    label redrawn uniformly from 0-9 (so about 0.9 * noise of them end up wrong): the setting in
    which overfitting shows in the accuracy (Zhang et al., ICLR 2017, label noise). The draws use
    the seeds ``seed`` (split and images), ``seed + 1`` (which labels) and ``seed + 2`` (new
    labels)."""
    from .data import load_digits_split

    seed = validate.seed("seed", seed)
    n_train = validate.integer("n_train", n_train, low=10, high=1077)
    noise = validate.real("noise", noise, low=0, high=1)
    data = load_digits_split(seed=seed)
    pick = np.random.default_rng(seed).choice(len(data.y_train), n_train, replace=False)
    y_clean = torch.as_tensor(data.y_train[pick])
    corrupt = np.random.default_rng(seed + 1).uniform(size=n_train) < noise
    y = y_clean.clone()
    y[torch.as_tensor(corrupt)] = torch.as_tensor(
        np.random.default_rng(seed + 2).integers(0, 10, int(corrupt.sum()))
    )
    t = torch.as_tensor
    return NoisyDigits(
        t(data.X_train[pick]),
        y,
        y_clean,
        t(data.X_val),
        t(data.y_val),
        t(data.X_test),
        t(data.y_test),
    )


def digits_network(dropout: float = 0.0, *, hidden: int = 256, seed: int = 0) -> nn.Module:
    """64 -> ``hidden`` (ReLU) -> 10, with :class:`Dropout` (rate ``dropout``) after the hidden
    layer when ``dropout`` > 0; torch's default initialization drawn with ``seed`` (the global
    random state is left as it was)."""
    hidden = validate.integer("hidden", hidden, low=1)
    dropout = _dropout_rate(dropout)
    with torch.random.fork_rng():
        torch.manual_seed(validate.seed("seed", seed))
        layers: list[nn.Module] = [nn.Linear(64, hidden), nn.ReLU()]
        if dropout > 0:
            layers.append(Dropout(dropout))
        return nn.Sequential(*layers, nn.Linear(hidden, 10))


def train_noisy_digits(
    problem: NoisyDigits,
    *,
    clean: bool = False,
    dropout: float = 0.0,
    weight_decay: float = 0.0,
    early_stopping: EarlyStopping | None = None,
    epochs: int = 150,
    lr: float = 0.1,
    seed: int = 0,
) -> tuple[nn.Module, Any]:
    """Train :func:`digits_network` (``dropout``; weights from ``seed + 3``) on ``problem``'s
    wrong labels (the true ones with ``clean``) with SGD (``lr``, batches of 16, ℓ2
    ``weight_decay``) for ``epochs`` epochs, evaluating on the validation set after every epoch;
    ``early_stopping`` stops the run and restores the best weights. The batch order and the
    dropout masks are drawn from ``seed`` and ``seed + 6``. Returns the model (evaluation mode)
    and the :class:`coursekit.train.History`."""
    from .train import fit

    if not isinstance(problem, NoisyDigits):
        raise TypeError(f"problem must be a NoisyDigits (noisy_digits()), got {type(problem)}")
    clean = validate.flag("clean", clean)
    weight_decay = validate.real("weight_decay", weight_decay, low=0)
    lr = validate.real("lr", lr, low=0, low_open=True)
    seed = validate.seed("seed", seed)
    if early_stopping is not None and not isinstance(early_stopping, EarlyStopping):
        raise TypeError(
            f"early_stopping must be an EarlyStopping or None, got {type(early_stopping)}"
        )
    model = digits_network(dropout, seed=seed + 3)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, weight_decay=weight_decay)
    with torch.random.fork_rng():
        torch.manual_seed(seed + 6)
        history = fit(
            model,
            optimizer,
            problem.X,
            problem.y_clean if clean else problem.y,
            epochs=validate.integer("epochs", epochs, low=1),
            batch_size=16,
            seed=seed,
            val=(problem.X_val, problem.y_val),
            progress=False,
            callback=None if early_stopping is None else early_stopping.callback(model),
        )
    if early_stopping is not None:
        early_stopping.restore(model)
    model.eval()
    return model, history


class NoisyDigitsRun(NamedTuple):
    """What one run of :func:`noisy_digits_run` measured after its last epoch."""

    test_acc: float
    val_acc: float
    train_acc: float  # on the (partly wrong) labels it was trained on


@functools.lru_cache(maxsize=512)
def _noisy_digits_run(problem_seed: int, weight_decay: float, dropout: float) -> NoisyDigitsRun:
    from .train import evaluate

    problem = noisy_digits(seed=problem_seed)
    model, history = train_noisy_digits(
        problem, dropout=dropout, weight_decay=weight_decay, seed=problem_seed
    )
    _, test_acc = evaluate(model, problem.X_test, problem.y_test)
    return NoisyDigitsRun(float(test_acc), float(history.val_acc[-1]), float(history.train_acc[-1]))


def noisy_digits_run(
    problem_seed: int, *, weight_decay: float = 0.0, dropout: float = 0.0
) -> NoisyDigitsRun:
    """Train :func:`train_noisy_digits` for 150 epochs on ``noisy_digits(seed=problem_seed)``
    (training seed ``problem_seed``) with ``weight_decay`` and ``dropout``, and return its test,
    validation and training accuracy. Runs are cached per process, so a notebook and an exercise
    check that ask for the same run train it once."""
    problem_seed = validate.seed("problem_seed", problem_seed)
    weight_decay = validate.real("weight_decay", weight_decay, low=0)
    dropout = _dropout_rate(dropout)
    return _noisy_digits_run(problem_seed, float(weight_decay), float(dropout))


# ---- the lesson's experiments on the two moons ------------------------------------------------

#: The plotting window of :func:`decision_grid` around the two moons: (x_min, x_max, y_min, y_max).
MOONS_EXTENT = (-1.5, 2.7, -1.2, 1.7)


def moons_problem(
    n_train: int = 40, *, noise: float = 0.3, seed: int = 0
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """A small, noisy training set of two moons (``n_train`` points) and a large validation set
    (1,000 points) from the same distribution: (X, y, X_val, y_val) as float32/int64 tensors."""
    from .data import make_moons

    n_train = validate.integer("n_train", n_train, low=4)
    seed = validate.seed("seed", seed)
    X, y = make_moons(n_train, noise=noise, seed=seed)
    X_val, y_val = make_moons(1000, noise=noise, seed=seed + 1)
    as_x = lambda a: torch.tensor(a, dtype=torch.float32)  # noqa: E731
    return as_x(X), torch.tensor(y), as_x(X_val), torch.tensor(y_val)


def moons_network(
    hidden: int, *, dropout: float = 0.0, layers: int = 1, seed: int = 0
) -> nn.Module:
    """The lesson's classifier for the moons: ``layers`` hidden ReLU layers of ``hidden`` units,
    each followed by :class:`Dropout` with rate ``dropout`` when it is > 0."""
    hidden = validate.integer("hidden", hidden, low=1)
    layers = validate.integer("layers", layers, low=1)
    dropout = _dropout_rate(dropout)
    with torch.random.fork_rng():  # the global random state is left as it was
        torch.manual_seed(validate.seed("seed", seed))
        modules: list[nn.Module] = []
        width = 2
        for _ in range(layers):
            modules += [nn.Linear(width, hidden), nn.ReLU()]
            if dropout > 0:
                modules.append(Dropout(dropout))
            width = hidden
        modules.append(nn.Linear(width, 2))
        return nn.Sequential(*modules)


def train_moons(
    hidden: int = 20,
    *,
    weight_decay: float = 0.0,
    dropout: float = 0.0,
    layers: int = 1,
    steps: int = 3000,
    lr: float = 0.1,
    seed: int = 0,
    eval_every: int | None = None,
    callback: Callable[[Any], bool | None] | None = None,
) -> tuple[nn.Module, Any]:
    """Train :func:`moons_network` on :func:`moons_problem` (``seed``) with full-batch SGD
    (momentum 0.9, ``lr``) and ℓ2 weight decay ``weight_decay`` (lambda), for ``steps`` updates;
    returns the model (in evaluation mode) and the :class:`coursekit.train.History`. The dropout
    masks are drawn from ``seed + 6``, so a run does not depend on the global random state."""
    from .train import fit

    X, y, X_val, y_val = moons_problem(seed=seed)
    model = moons_network(hidden, dropout=dropout, layers=layers, seed=seed)
    weight_decay = validate.real("weight_decay", weight_decay, low=0)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9, weight_decay=weight_decay)
    with torch.random.fork_rng():
        torch.manual_seed(seed + 6)
        history = fit(
            model,
            optimizer,
            X,
            y,
            batch_size=len(y),
            max_steps=validate.integer("steps", steps, low=1),
            eval_every=eval_every or steps,
            val=(X_val, y_val),
            seed=seed,
            progress=False,
            callback=callback,
            on_divergence="stop",
        )
    model.eval()
    return model, history


def decision_grid(
    model: nn.Module,
    resolution: int = 100,
    extent: tuple[float, float, float, float] = MOONS_EXTENT,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The model's probability of class 1 on a ``resolution`` x ``resolution`` grid over
    ``extent``: (xs, ys, probabilities of shape (len(ys), len(xs))), in evaluation mode."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    resolution = validate.integer("resolution", resolution, low=2)
    xs = np.linspace(extent[0], extent[1], resolution)
    ys = np.linspace(extent[2], extent[3], resolution)
    grid = torch.tensor(np.stack(np.meshgrid(xs, ys), -1).reshape(-1, 2), dtype=torch.float32)
    was_training = model.training
    model.eval()
    with torch.no_grad():
        probs = torch.softmax(model(grid), dim=1)[:, 1].numpy().reshape(resolution, resolution)
    model.train(was_training)
    return xs, ys, probs


def boundary_length(xs: Any, ys: Any, probabilities: Any) -> float:
    """The length, in the units of the inputs, of the decision boundary p = 0.5 on the grid of
    :func:`decision_grid` (``probabilities[j, i]`` at (xs[i], ys[j])): the summed length of the
    contour lines, traced with matplotlib's ``contourpy``. It does not depend on the boundary's
    direction; a straight boundary across the window is as long as the chord it cuts (between the
    window's height and its diagonal), a wiggly one longer."""
    from contourpy import contour_generator

    xs = validate.array("xs", xs, ndim=1)
    ys = validate.array("ys", ys, ndim=1)
    probabilities = validate.array("probabilities", probabilities, ndim=2)
    if probabilities.shape != (len(ys), len(xs)):
        raise ValueError(
            f"probabilities must have shape (len(ys), len(xs)) = ({len(ys)}, {len(xs)}), got "
            f"{probabilities.shape}"
        )
    lines = contour_generator(xs, ys, probabilities).lines(0.5)
    return float(sum(np.linalg.norm(np.diff(line, axis=0), axis=1).sum() for line in lines))
