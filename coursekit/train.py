"""One training loop for classifiers, used by every notebook.

``fit`` trains a torch model with any ``torch.optim.Optimizer`` by mini-batch updates and
records what the lessons plot: the loss of every iteration, the full training and validation
loss and accuracy after every epoch, and the elapsed training time.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import nn

from . import validate
from .minibatch import MiniBatches, _check_batch_size
from .models import mlp
from .optim import RuleOptimizer
from .schedules import rate_at


class TrainingDiverged(FloatingPointError):
    """The loss blew up (NaN, inf or huge); the message names the step and the learning rate."""

    def __init__(self, divergence: Divergence, history: History) -> None:
        super().__init__(divergence.message)
        self.divergence = divergence
        self.history = history


@dataclass(frozen=True)
class Divergence:
    """Where a run diverged: the loss crossed ``limit`` (or became NaN/inf) after ``step``
    updates; ``step`` is the update that blew it up (0: the loss was already too large before
    the first update), ``epoch`` that update's epoch and ``lr`` its learning rate."""

    step: int
    epoch: int
    lr: float
    loss: float
    limit: float

    @property
    def message(self) -> str:
        if self.step == 0:
            return (
                f"training diverged: the loss was {self.loss:.4g} (limit {self.limit:.4g}) "
                "before the first update; check the data and the initial weights"
            )
        return (
            f"training diverged: the loss reached {self.loss:.4g} (limit {self.limit:.4g}) "
            f"after step {self.step} (epoch {self.epoch}), an update with learning rate "
            f"{self.lr:.4g}; try a smaller learning rate or a larger batch"
        )


@dataclass
class History:
    """What one run of :func:`fit` recorded.

    Per iteration (index i is the (i+1)-th update): ``step_loss`` the mini-batch loss before the
    update, ``step_time`` the training seconds elapsed after it, ``step_lr`` the learning rate
    it used. Per evaluation (before training and after every epoch): ``eval_epoch`` (0, 1, 2,
    ... or a fraction when ``max_steps`` stops mid-epoch), ``eval_step``, ``eval_time``,
    ``train_loss``, ``train_acc``, ``val_loss``, ``val_acc`` (NaN without validation data).
    ``diverged`` describes a divergence that ended the run, ``stopped_at`` the step at which
    ``fit``'s callback stopped it (both ``None`` otherwise).
    ``step_time`` and ``eval_time`` count training only: evaluation pauses the clock.
    """

    batch_size: int
    n_train: int
    steps_per_epoch: int
    step_loss: list[float] = field(default_factory=list)
    step_time: list[float] = field(default_factory=list)
    step_lr: list[float] = field(default_factory=list)
    eval_epoch: list[float] = field(default_factory=list)
    eval_step: list[int] = field(default_factory=list)
    eval_time: list[float] = field(default_factory=list)
    train_loss: list[float] = field(default_factory=list)
    train_acc: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_acc: list[float] = field(default_factory=list)
    diverged: Divergence | None = None
    stopped_at: int | None = None  # the step at which fit's callback asked to stop

    @property
    def steps(self) -> int:
        return len(self.step_loss)

    @property
    def seconds(self) -> float:
        return self.step_time[-1] if self.step_time else 0.0

    def value_at(self, x: str, at: float, y: str = "train_loss") -> float:
        """The last evaluation of ``y`` made at or before ``at`` on the clock ``x``.

        ``x`` is ``"step"``, ``"epoch"`` or ``"time"``; for example
        ``value_at("time", 0.5)`` is the training loss the run had reached after 0.5 s.
        """
        clocks = {"step": self.eval_step, "epoch": self.eval_epoch, "time": self.eval_time}
        validate.one_of("x", x, list(clocks))
        validate.one_of("y", y, ("train_loss", "val_loss", "train_acc", "val_acc"))
        at = validate.real("at", at, finite=False)
        index = int(np.searchsorted(clocks[x], at, side="right")) - 1
        if index < 0:
            raise ValueError(f"no evaluation at or before {x} = {at}")
        return getattr(self, y)[index]

    def summary(self) -> str:
        """One deterministic line: steps, epochs, batch size K, the last evaluation (no timing)."""
        if self.diverged is not None:
            return self.diverged.message
        line = (
            f"{self.steps} steps ({self.eval_epoch[-1]:.4g} epochs, K = {self.batch_size}): "
            f"train loss {self.train_loss[-1]:.4f}, acc {self.train_acc[-1]:.4f}"
        )
        if not math.isnan(self.val_loss[-1]):
            line += f"; val loss {self.val_loss[-1]:.4f}, acc {self.val_acc[-1]:.4f}"
        if self.stopped_at is not None:
            line += f" (stopped by the callback at step {self.stopped_at})"
        return line


def _as_tensors(
    X: Any, y: Any, names: tuple[str, str] = ("X", "y"), dtype: torch.dtype | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Inputs as a finite float tensor (of ``dtype`` if given) and labels as integers >= 0.

    ``names`` are what errors call the two (``("X", "y")``, ``("val[0]", "val[1]")``).
    """
    x_name, y_name = names
    if isinstance(X, torch.Tensor):
        X_t = X.detach()
    else:
        X_t = torch.as_tensor(validate.array(x_name, X, finite=False, dtype=None, nonempty=False))
    if X_t.ndim < 2:
        raise ValueError(f"{x_name} must have shape (n, features...), got {tuple(X_t.shape)}")
    if len(X_t) == 0:
        raise ValueError(f"{x_name} is empty")
    if not X_t.is_floating_point() and not X_t.dtype.is_complex:
        X_t = X_t.float()
    if dtype is not None and X_t.dtype != dtype:
        X_t = X_t.to(dtype)  # float64 arrays train a float32 model, and vice versa
    validate.finite_rows(x_name, X_t)
    y_t = torch.as_tensor(validate.labels(y_name, y))
    if len(X_t) != len(y_t):
        raise ValueError(
            f"{x_name} and {y_name} must have the same length, got {len(X_t)} and {len(y_t)}"
        )
    return X_t, y_t


@torch.no_grad()
def evaluate(
    model: nn.Module,
    X: torch.Tensor,
    y: torch.Tensor,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] = nn.functional.cross_entropy,
) -> tuple[float, float]:
    """Mean loss and accuracy of ``model`` on (X, y), in evaluation mode, without gradients."""
    was_training = model.training
    model.eval()
    logits = model(X)
    mean = loss_fn(logits, y)
    if mean.ndim != 0:
        raise ValueError(
            "loss_fn must return the mean loss (a scalar), got shape "
            f"{tuple(mean.shape)} (reduction='none'?)"
        )
    loss = float(mean)
    acc = float((logits.argmax(dim=1) == y).float().mean())
    model.train(was_training)
    return loss, acc


class _Progress:
    """A progress bar while training in a notebook, then one summary line; silent elsewhere.

    The bar is an ipywidgets ``IntProgress``: its updates travel as widget messages, not as
    cell outputs, so the stored output (the bar's empty text form and the summary line, which
    holds no timing) is the same on every run, as nbval requires.
    """

    def __init__(self, enabled: bool, total: int) -> None:
        self.bar = None
        if not enabled or not _in_notebook():
            return
        import ipywidgets
        from IPython.display import display

        self.bar = ipywidgets.IntProgress(value=0, min=0, max=total, description="training")
        # An empty text form: a saved notebook, where the closed bar has no widget state,
        # then shows only the summary line instead of "IntProgress(value=0, ...)".
        display({**self.bar._repr_mimebundle_(), "text/plain": ""}, raw=True)

    def update(self, done: int) -> None:
        if self.bar is not None:
            self.bar.value = done

    def close(self, summary: str) -> None:
        if self.bar is not None:
            self.bar.close()
            print(summary)


def _in_notebook() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with jupyterlab
        return False
    shell = get_ipython()
    return shell is not None and hasattr(shell, "kernel")


def _check_scheduler(scheduler: Any, optimizer: torch.optim.Optimizer) -> None:
    """A torch scheduler of this optimizer, one that fit can step without arguments, and the
    only thing that sets the rate (a coursekit schedule in ``lr=`` would clash with it)."""
    if not callable(getattr(scheduler, "step", None)):
        raise TypeError(
            "scheduler must be a learning-rate scheduler with a step() method "
            f"(torch.optim.lr_scheduler), got {type(scheduler).__name__}"
        )
    if isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
        raise TypeError(
            "scheduler: ReduceLROnPlateau needs a metric at every step(), which fit does not "
            "pass; reduce the rate from a callback instead"
        )
    if getattr(scheduler, "optimizer", optimizer) is not optimizer:
        raise ValueError("scheduler was made for another optimizer; make it from this one")
    if any(callable(g["lr"]) for g in optimizer.param_groups):
        raise ValueError(
            "scheduler: the optimizer's lr is already a schedule (lr=...); use one or the other"
        )


def _current_lr(optimizer: torch.optim.Optimizer, steps: int) -> float:
    """The rate of the optimizer's next update, checked: a coursekit optimizer counts its own
    steps (it may hold a schedule and be reused across runs); a torch one holds a number."""
    if isinstance(optimizer, RuleOptimizer):
        return optimizer.current_lr()
    return rate_at(optimizer.param_groups[0]["lr"], steps)


def _divergence(history: History, loss: float, limit: float, next_lr: float) -> Divergence:
    """The update that blew the loss up: the last one made (its epoch and rate), or none."""
    steps = history.steps
    if steps == 0:
        return Divergence(0, 0, next_lr, loss, limit)
    epoch = math.ceil(steps / history.steps_per_epoch)
    return Divergence(steps, epoch, history.step_lr[-1], loss, limit)


@torch.no_grad()
def _check_classes(
    model: nn.Module,
    X: torch.Tensor,
    y: torch.Tensor,
    val: tuple[torch.Tensor, torch.Tensor] | None,
) -> None:
    """Labels must name one of the model's outputs (cross-entropy indexes the logits by them)."""
    was_training = model.training
    model.eval()
    classes = model(X[:1]).shape[-1]
    model.train(was_training)
    for name, labels in (("y", y), ("val[1]", val[1] if val is not None else None)):
        if labels is not None and int(labels.max()) >= classes:
            i = int(torch.argmax((labels >= classes).to(torch.int8)))
            raise ValueError(
                f"{name} must hold class labels in 0, ..., {classes - 1} (the model has "
                f"{classes} outputs), but {name}[{i}] = {int(labels[i])}"
            )


def fit(
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    X: Any,
    y: Any,
    *,
    batch_size: int,
    epochs: int = 1,
    max_steps: int | None = None,
    eval_every: int | None = None,
    val: tuple[Any, Any] | None = None,
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor] = nn.functional.cross_entropy,
    seed: int = 0,
    drop_last: bool = False,
    scheduler: Any | None = None,
    on_divergence: str = "raise",
    diverge_above: float | None = None,
    progress: bool = True,
    callback: Callable[[History], bool | None] | None = None,
    augment: Callable[[torch.Tensor], torch.Tensor] | None = None,
) -> History:
    """Train ``model`` by mini-batch updates and record its history.

    Each epoch visits the N training samples in a new random order (seeded), in
    ceil(N / K) batches of K = ``batch_size`` (see :mod:`coursekit.minibatch` for the last
    partial batch). Each iteration computes the mean loss of the batch, back-propagates and
    calls ``optimizer.step()`` (and ``scheduler.step()`` if given).

    Args:
        model: a torch module mapping (K, features) inputs to (K, classes) logits.
        optimizer: any ``torch.optim.Optimizer`` over ``model``'s parameters.
        X, y: training inputs (N, features...) and integer labels (N,), NumPy or torch.
        batch_size: K, between 1 and N.
        epochs: passes over the training data, >= 1.
        max_steps: stop after this many iterations (may end mid-epoch).
        eval_every: also evaluate every this many iterations (for smooth curves of runs with
            long epochs, such as SGD); by default only after every epoch.
        val: optional validation data (X_val, y_val), evaluated after every epoch.
        loss_fn: mean loss of logits and labels (cross-entropy by default).
        seed: shuffling seed.
        scheduler: an optional learning-rate scheduler stepped after every iteration.
        on_divergence: ``"raise"`` raises :class:`TrainingDiverged` when the run diverges;
            ``"stop"`` stops and returns the history with ``diverged`` set.
        diverge_above: a mini-batch loss that is NaN, inf or above this value counts as
            divergence. By default 1000 x max(1, initial training loss): far beyond any noisy
            batch, and reached long before the float range runs out (a ReLU network's loss can
            jump to 1e13 and fall back once all its units have died).
        progress: show a progress bar, then a one-line summary, when running in a notebook.
        callback: called with the history after every evaluation (for live widgets); if it
            returns ``True`` the run stops there and ``history.stopped_at`` records the step
            (early stopping on a validation loss is such a callback).
        augment: applied to the inputs of every training mini-batch before the forward pass
            (data augmentation, :mod:`coursekit.augment`); evaluation sees the data unchanged.

    Returns:
        The :class:`History` of the run.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(
            f"optimizer must be a torch.optim.Optimizer, got {type(optimizer).__name__}"
        )
    own = {id(p) for p in model.parameters()}
    if own and not any(id(p) in own for g in optimizer.param_groups for p in g["params"]):
        raise ValueError(
            "optimizer holds none of the model's parameters: it was made for another model "
            "(make it from this model's parameters, e.g. torch.optim.SGD(model.parameters(), ...))"
        )
    epochs = validate.integer("epochs", epochs, low=1)
    if max_steps is not None:
        max_steps = validate.integer("max_steps", max_steps, low=1)
    if eval_every is not None:
        eval_every = validate.integer("eval_every", eval_every, low=1)
    validate.one_of("on_divergence", on_divergence, ("raise", "stop"))
    seed = validate.seed("seed", seed)
    if diverge_above is not None:
        diverge_above = validate.real(
            "diverge_above", diverge_above, low=0, low_open=True, finite=False
        )
    validate.function("loss_fn", loss_fn)
    if callback is not None:
        validate.function("callback", callback)
    if augment is not None:
        validate.function("augment", augment)
    if scheduler is not None:
        _check_scheduler(scheduler, optimizer)
    dtype = next((p.dtype for p in model.parameters() if p.is_floating_point()), None)
    X_t, y_t = _as_tensors(X, y, ("X", "y"), dtype)
    _check_batch_size(batch_size, len(X_t))
    if val is not None:
        if not isinstance(val, (tuple, list)) or len(val) != 2:
            raise TypeError(f"val must be a pair (X_val, y_val), got {type(val).__name__}")
        val_t = _as_tensors(*val, ("val[0]", "val[1]"), dtype)
        if val_t[0].shape[1:] != X_t.shape[1:]:
            raise ValueError(
                f"val: inputs have shape {tuple(val_t[0].shape[1:])} per sample, "
                f"training inputs {tuple(X_t.shape[1:])}"
            )
    else:
        val_t = None
    if loss_fn is nn.functional.cross_entropy or isinstance(loss_fn, nn.CrossEntropyLoss):
        _check_classes(model, X_t, y_t, val_t)

    batches = MiniBatches(X_t, y_t, batch_size, seed=seed, drop_last=drop_last)
    steps_per_epoch = len(batches)
    if max_steps is not None:
        epochs = math.ceil(max_steps / steps_per_epoch)
    total_steps = max_steps or epochs * steps_per_epoch
    history = History(batch_size=int(batch_size), n_train=len(X_t), steps_per_epoch=steps_per_epoch)
    bar = _Progress(progress, total_steps)
    bar_every = max(1, total_steps // 50)  # about 50 updates of the bar, whatever the run

    def record(epoch: float, elapsed: float) -> bool:
        """Evaluate, append to the history; True if the run diverged (the loss on the whole
        training set crossed the limit, which a blow-up in the last update does) or the callback
        asks to stop."""
        train_loss, train_acc = evaluate(model, X_t, y_t, loss_fn)
        val_loss, val_acc = evaluate(model, *val_t, loss_fn) if val_t else (math.nan, math.nan)
        history.eval_epoch.append(epoch)
        history.eval_step.append(history.steps)
        history.eval_time.append(elapsed)
        history.train_loss.append(train_loss)
        history.train_acc.append(train_acc)
        history.val_loss.append(val_loss)
        history.val_acc.append(val_acc)
        if history.steps > 0 and not (train_loss <= diverge_above and math.isfinite(train_loss)):
            history.diverged = _divergence(history, train_loss, diverge_above, math.nan)
            return True
        if callback is not None and callback(history) is True:
            if history.steps < total_steps:  # a request at the very end stops nothing
                history.stopped_at = history.steps
            return True
        return False

    model.train()
    if record(0.0, 0.0):  # (divergence is checked from the first update on)
        bar.close(history.summary())
        return history
    if diverge_above is None:
        diverge_above = 1e3 * max(1.0, history.train_loss[0])
    elapsed = 0.0
    for epoch in range(1, epochs + 1):
        tick = time.perf_counter()  # the clock covers fetching batches and updating
        for X_batch, y_batch in batches:
            # a coursekit optimizer may hold a schedule: the rate of this step is lr(t)
            lr = _current_lr(optimizer, history.steps)
            optimizer.zero_grad()
            inputs = X_batch if augment is None else augment(X_batch)
            loss = loss_fn(model(inputs), y_batch)  # a scalar: evaluate() checked loss_fn
            loss_value = loss.item()
            if not (loss_value <= diverge_above and math.isfinite(loss_value)):  # NaN, inf
                history.diverged = _divergence(history, loss_value, diverge_above, lr)
                bar.close(history.diverged.message)
                if on_divergence == "raise":
                    raise TrainingDiverged(history.diverged, history)
                return history
            loss.backward()
            optimizer.step()
            if scheduler is not None:
                scheduler.step()
            now = time.perf_counter()
            elapsed, tick = elapsed + now - tick, now
            history.step_loss.append(loss_value)
            history.step_time.append(elapsed)
            history.step_lr.append(lr)
            if history.steps % bar_every == 0:
                bar.update(history.steps)
            if history.steps == max_steps:
                break
            if eval_every and history.steps % eval_every == 0 and history.steps % steps_per_epoch:
                if record(history.steps / steps_per_epoch, elapsed):
                    break
                tick = time.perf_counter()  # evaluation does not count as training time
        if history.stopped_at is not None or history.diverged is not None:
            break
        done = history.steps / steps_per_epoch
        if record(float(epoch) if history.steps == epoch * steps_per_epoch else done, elapsed):
            break
        if history.steps == max_steps:
            break
    bar.close(history.summary())
    if history.diverged is not None and on_divergence == "raise":
        raise TrainingDiverged(history.diverged, history)
    return history


#: Builds an optimizer for a model's parameters, e.g. ``lambda p: torch.optim.SGD(p, lr=0.1)``.
OptimizerFactory = Callable[[Iterator[nn.Parameter]], torch.optim.Optimizer]


def train_mlp(
    X: Any,
    y: Any,
    optimizer: OptimizerFactory,
    *,
    hidden: Sequence[int] = (64,),
    activation: str = "relu",
    norm: str | None = None,
    n_classes: int | None = None,
    seed: int = 0,
    progress: bool = False,
    **fit_options: Any,
) -> tuple[nn.Sequential, History]:
    """Build the course MLP from ``seed`` and train it with :func:`fit`; return both.

    The network is ``models.mlp([features, *hidden, classes], activation=..., seed=seed,
    norm=...)`` (``norm``: none, ``"batch"``, ``"layer"`` or ``"weight"`` normalization), so
    the same seed gives the same initial weights, and ``seed`` also fixes the batch order.
    ``optimizer`` makes the optimizer from the parameters; ``fit_options`` go to :func:`fit`
    (``batch_size`` is required there; ``epochs``, ``max_steps``, ``val``, ``eval_every``, ...).

    >>> model, history = train_mlp(X, y, lambda p: torch.optim.SGD(p, lr=0.1), batch_size=32)
    """
    example = "lambda params: torch.optim.SGD(params, lr=0.1)"
    if isinstance(optimizer, type):  # a class passed uncalled would use its default rate
        raise TypeError(
            f"optimizer must be a function that makes an optimizer, e.g. {example}; got the "
            f"class {optimizer.__name__} itself, which would train with its default settings"
        )
    if not callable(optimizer) or isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(
            f"optimizer must make an optimizer from the parameters, e.g. {example}; "
            f"got {type(optimizer).__name__}"
        )
    if isinstance(hidden, (str, bytes)) or not hasattr(hidden, "__iter__"):
        raise TypeError(f"hidden must be a sequence of layer widths, got {type(hidden).__name__}")
    hidden = [validate.integer(f"hidden[{i}]", h, low=1) for i, h in enumerate(hidden)]
    seed = validate.seed("seed", seed)
    X_t, y_t = _as_tensors(X, y)
    largest = int(y_t.max())
    if n_classes is None:
        classes = largest + 1
    else:
        classes = validate.integer("n_classes", n_classes, low=2)
        if classes <= largest:
            raise ValueError(f"n_classes must exceed the largest label {largest}, got {classes}")
    model = mlp(
        [int(np.prod(X_t.shape[1:])), *hidden, classes], activation=activation, seed=seed, norm=norm
    )
    model = model.to(X_t.dtype)  # float64 inputs train a float64 network
    history = fit(
        model, optimizer(model.parameters()), X_t, y_t, seed=seed, progress=progress, **fit_options
    )
    return model, history


def train_variants(
    variants: Mapping[str, OptimizerFactory], X: Any, y: Any, **options: Any
) -> dict[str, History]:
    """Train one MLP per named optimizer, all from the same start: ``{name: History}``.

    Every variant gets the same initial weights and the same batch order (the same ``seed``),
    so the histories differ only by the optimizer: the comparisons of 5.3 (decay, warmup, the
    optimizers of the slides) and, in 5.6, the trials of a search. ``options`` go to
    :func:`train_mlp`.
    """
    if not isinstance(variants, Mapping):
        raise TypeError(
            f"variants must map names to optimizer factories, got {type(variants).__name__}"
        )
    if not variants:
        raise ValueError("variants must name at least one optimizer")
    for name, make in variants.items():
        if not callable(make):
            raise TypeError(
                f"variants[{name!r}] must make an optimizer from the parameters, got "
                f"{type(make).__name__}"
            )
    return {name: train_mlp(X, y, make, **options)[1] for name, make in variants.items()}
