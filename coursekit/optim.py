"""Gradient-based update rules (5.3), written once for NumPy arrays and torch tensors.

An update rule is a pair of pure functions, in the style of optax:

* ``init(theta) -> state``: the rule's memory (velocity, squared-gradient sums, moments);
* ``update(g, state, lr, t) -> (delta, state)``: the step for gradient ``g`` at the ``t``-th
  update (t = 1, 2, ...) with learning rate ``lr``; the caller applies ``theta + delta``.

The bodies use only ``+ - * / **`` so that they read like the slides and run unchanged on a
point of a 2-D surface (NumPy, for the pictures; see :func:`coursekit.paths.descend`) and on
the parameters of a network (torch, through the drop-in optimizers :class:`SGD`,
:class:`Adagrad`, :class:`RMSprop`, :class:`Adam` and :class:`AdamW`, which take torch.optim's
arguments and follow its semantics).

Symbols, as on the slides and in the code: alpha the learning rate (``lr``), lambda the momentum
factor (``momentum``), v the velocity, G the sum or moving average of squared gradients, M Adam's
first moment, beta / beta1, beta2 the decay rates of moving averages, delta (``eps``) a small
constant for numerical stability. One clash with torch: torch.optim.RMSprop calls its decay rate
``alpha``; :class:`RMSprop` keeps torch's argument and hands it to :func:`rmsprop` as beta.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from . import validate
from .paths import descend as descend
from .paths import first_step as first_step
from .paths import newton as newton
from .schedules import Schedule, rate_at

Array = Any  # a NumPy array or a torch tensor
State = dict[str, Array]


@dataclass(frozen=True)
class UpdateRule:
    """``init(theta) -> state`` and ``update(g, state, lr, t) -> (delta, state)``."""

    name: str
    init: Callable[[Array], State]
    update: Callable[[Array, State, float, int], tuple[Array, State]]


def _zeros_like(x: Array) -> Array:
    return torch.zeros_like(x) if isinstance(x, torch.Tensor) else np.zeros_like(x, dtype=float)


def _check_update(lr: float, t: int) -> None:
    """The arguments of ``update``: lr >= 0 and the step t >= 1 (cheap: called every step)."""
    if not (lr >= 0 and t >= 1):
        if not lr >= 0:
            raise ValueError(f"lr must be >= 0, got {lr}")
        raise ValueError(f"t must be >= 1 (updates count from 1), got {t}")


def _check_decay(name: str, value: float) -> float:
    """A decay rate or momentum factor in [0, 1): at 1 the memory never fades and steps grow
    without bound (torch.optim rejects beta >= 1 as well)."""
    return validate.real(name, value, low=0, high=1, high_open=True)


def _check_eps(eps: float) -> float:
    return validate.real("eps", eps, low=0)


def sgd() -> UpdateRule:
    """Plain gradient descent: Delta theta_t = -alpha g_t."""

    def update(g: Array, state: State, lr: float, t: int) -> tuple[Array, State]:
        _check_update(lr, t)
        return -lr * g, state

    return UpdateRule("SGD", lambda theta: {}, update)


def momentum(momentum: float = 0.9, nesterov: bool = False) -> UpdateRule:
    """Momentum (动量法): v_t = lambda v_{t-1} - alpha g_t, Delta theta_t = v_t, v_0 = 0.

    The velocity is a moving sum of past negative gradients: steps grow where the gradients
    agree and cancel where they flip sign (Polyak, 1964). With ``nesterov=True`` the step is
    lambda v_t - alpha g_t, the gradient seen "one velocity step ahead" (Nesterov, 1983, in
    the form of Sutskever et al., ICML 2013). For a constant alpha this equals torch.optim.SGD's
    ``buf = lambda buf + g; theta -= alpha buf`` with v = -alpha buf.
    """
    momentum = _check_decay("momentum", momentum)
    nesterov = validate.flag("nesterov", nesterov)

    def init(theta: Array) -> State:
        return {"velocity": _zeros_like(theta)}

    def update(g: Array, state: State, lr: float, t: int) -> tuple[Array, State]:
        _check_update(lr, t)
        v = momentum * state["velocity"] - lr * g
        delta = momentum * v - lr * g if nesterov else v
        return delta, {"velocity": v}

    return UpdateRule("Nesterov" if nesterov else "momentum", init, update)


_momentum = momentum  # SGD's argument of the same name hides the function inside SGD


def adagrad(eps: float = 1e-10) -> UpdateRule:
    """AdaGrad: G_t = G_{t-1} + g_t * g_t, Delta theta_t = -alpha g_t / (sqrt(G_t) + delta).

    Each parameter's rate alpha / sqrt(G_t) shrinks with the sum of its squared gradients
    (Duchi et al., JMLR 2011). torch.optim.Adagrad adds delta outside the square root, as here.
    """
    eps = _check_eps(eps)

    def init(theta: Array) -> State:
        return {"sum_sq": _zeros_like(theta)}

    def update(g: Array, state: State, lr: float, t: int) -> tuple[Array, State]:
        _check_update(lr, t)
        G = state["sum_sq"] + g * g
        return -lr * g / (G**0.5 + eps), {"sum_sq": G}

    return UpdateRule("AdaGrad", init, update)


def rmsprop(beta: float = 0.99, eps: float = 1e-8, momentum: float = 0.0) -> UpdateRule:
    """RMSprop: G_t = beta G_{t-1} + (1 - beta) g_t * g_t, Delta = -alpha g_t / (sqrt(G_t) + delta).

    A moving average instead of AdaGrad's sum, so the rate can recover (Tieleman & Hinton,
    2012). ``beta`` is the decay rate (the ``alpha`` of torch.optim.RMSprop). With ``momentum``
    lambda > 0 (RMSprop with momentum, 具动量的RMSprop), the rescaled gradient is accumulated as
    torch does: b_t = lambda b_{t-1} + g_t / (sqrt(G_t) + delta), Delta = -alpha b_t.
    """
    beta = _check_decay("beta", beta)
    eps = _check_eps(eps)
    momentum = _check_decay("momentum", momentum)

    def init(theta: Array) -> State:
        state = {"mean_sq": _zeros_like(theta)}
        if momentum > 0:
            state["buffer"] = _zeros_like(theta)
        return state

    def update(g: Array, state: State, lr: float, t: int) -> tuple[Array, State]:
        _check_update(lr, t)
        G = beta * state["mean_sq"] + (1 - beta) * g * g
        step = g / (G**0.5 + eps)
        if momentum == 0:
            return -lr * step, {"mean_sq": G}
        buffer = momentum * state["buffer"] + step
        return -lr * buffer, {"mean_sq": G, "buffer": buffer}

    return UpdateRule("RMSprop", init, update)


def adam(
    beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8, bias_correction: bool = True
) -> UpdateRule:
    """Adam = momentum + RMSprop + bias correction (Kingma & Ba, ICLR 2015).

        M_t = beta1 M_{t-1} + (1 - beta1) g_t              first moment (mean)
        G_t = beta2 G_{t-1} + (1 - beta2) g_t * g_t        second moment (note the +)
        M^_t = M_t / (1 - beta1**t),  G^_t = G_t / (1 - beta2**t)
        Delta theta_t = -alpha M^_t / (sqrt(G^_t) + delta)

    ``bias_correction=False`` drops the two divisions, to show why they are there: M and G
    start at 0, so early on both underestimate their targets, by the factors 1 - beta1**t and
    1 - beta2**t. The two biases do not cancel: with the default betas an uncorrected step is
    (1 - beta1**t) / sqrt(1 - beta2**t) times the corrected one, about 3 at t = 1 and up to 6.5
    around t = 10, before it tends to 1.
    """
    bias_correction = validate.flag("bias_correction", bias_correction)
    beta1 = _check_decay("beta1", beta1)
    beta2 = _check_decay("beta2", beta2)
    eps = _check_eps(eps)

    def init(theta: Array) -> State:
        return {"M": _zeros_like(theta), "G": _zeros_like(theta)}

    def update(g: Array, state: State, lr: float, t: int) -> tuple[Array, State]:
        _check_update(lr, t)
        M = beta1 * state["M"] + (1 - beta1) * g
        G = beta2 * state["G"] + (1 - beta2) * g * g
        if bias_correction:
            M_hat, G_hat = M / (1 - beta1**t), G / (1 - beta2**t)
        else:
            M_hat, G_hat = M, G
        return -lr * M_hat / (G_hat**0.5 + eps), {"M": M, "G": G}

    return UpdateRule("Adam" if bias_correction else "Adam without bias correction", init, update)


def l2_gradient(grad: torch.Tensor, theta: torch.Tensor, weight_decay: float) -> torch.Tensor:
    """ℓ2 regularization in the gradient: g + lambda theta, the gradient of L + (lambda/2)|theta|².

    What ``torch.optim.SGD``, ``Adam`` and the others do with ``weight_decay``. With plain SGD it
    equals decoupled decay (theta <- (1 - alpha lambda) theta - alpha g); with an adaptive rule it
    does not, because the penalty's gradient is rescaled like every other gradient.
    """
    weight_decay = validate.real("weight_decay", weight_decay, low=0)
    return grad if weight_decay == 0 else grad + weight_decay * theta


def decay_weights_(theta: torch.Tensor, lr: float, weight_decay: float) -> torch.Tensor:
    """Decoupled weight decay, in place: theta <- (1 - alpha lambda) theta, before the rule's step.

    The idea of AdamW (Loshchilov & Hutter, *Decoupled weight decay regularization*, ICLR 2019):
    the weights shrink by the same factor whatever the adaptive rule does to the gradient. The
    factor is torch's: the paper multiplies lambda by the schedule's multiplier eta_t, torch (and
    this function) by the learning rate alpha_t itself.
    """
    lr = validate.real("lr", lr, low=0)
    weight_decay = validate.real("weight_decay", weight_decay, low=0)
    if weight_decay != 0:
        theta.mul_(1 - lr * weight_decay)
    return theta


class RuleOptimizer(torch.optim.Optimizer):
    """A torch optimizer that applies an :class:`UpdateRule` to every parameter.

    ``lr`` may be a number or a schedule: a function of the 0-based number of steps already
    taken by the parameter (:func:`coursekit.schedules.as_schedule`). Weight decay takes one of
    two explicit forms: :func:`l2_gradient` (the default, as torch.optim does unless the class
    name ends in W) or, with ``decoupled_weight_decay=True``, :func:`decay_weights_` (AdamW).

    A subclass says which rule its hyperparameters make, in :meth:`make_rule`.
    """

    def __init__(
        self,
        params: Iterable[torch.Tensor] | Iterable[dict],
        lr: float | Schedule,
        weight_decay: float,
        *,
        decoupled_weight_decay: bool = False,
        **hyper: Any,
    ) -> None:
        if not callable(lr):
            lr = validate.real("lr", lr, low=0)
        weight_decay = validate.real("weight_decay", weight_decay, low=0)
        self.make_rule(hyper)  # validates the hyperparameters
        self.decoupled_weight_decay = validate.flag(
            "decoupled_weight_decay", decoupled_weight_decay
        )
        super().__init__(params, {"lr": lr, "weight_decay": weight_decay, **hyper})
        self._rules: dict[tuple, UpdateRule] = {}
        for i, group in enumerate(self.param_groups):  # a group may carry its own values
            where = f"param_groups[{i}]"
            if not callable(group["lr"]):
                validate.real(f"{where} lr", group["lr"], low=0)
            validate.real(f"{where} weight_decay", group["weight_decay"], low=0)
            self._rule(group)

    def current_lr(self) -> float:
        """The learning rate of the next update of the first parameter group (its schedule at
        the step count of its first parameter), checked like every rate (``rate_at``)."""
        group = self.param_groups[0]
        t = next((self.state[p]["step"] for p in group["params"] if self.state[p]), 0)
        return rate_at(group["lr"], t)

    def make_rule(self, hyper: dict[str, Any]) -> UpdateRule:
        """The update rule for one parameter group's hyperparameters (all but lr and decay)."""
        raise NotImplementedError(f"{type(self).__name__} must say which rule it applies")

    def _rule(self, group: dict) -> UpdateRule:
        names = [k for k in group if k not in ("params", "lr", "weight_decay")]
        key = tuple(
            (k, tuple(group[k]) if isinstance(group[k], list) else group[k]) for k in sorted(names)
        )
        if key not in self._rules:
            if len(self._rules) >= 64:  # a scheduler that cycles betas makes a rule per step
                self._rules.clear()
            self._rules[key] = self.make_rule(dict(key))
        return self._rules[key]

    @torch.no_grad()
    def step(self, closure: Callable[[], float] | None = None) -> float | None:
        """One update of every parameter that has a gradient."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            rule = self._rule(group)
            schedule, weight_decay = group["lr"], group["weight_decay"]  # a rate or a schedule
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if not state:
                    state["step"] = 0
                    state.update(rule.init(p))
                t = state["step"]
                rate = rate_at(schedule, t)
                if self.decoupled_weight_decay:
                    g = p.grad
                    decay_weights_(p, rate, weight_decay)
                else:
                    g = l2_gradient(p.grad, p, weight_decay)
                memory = {k: v for k, v in state.items() if k != "step"}
                delta, memory = rule.update(g, memory, rate, t + 1)
                p.add_(delta)
                state.update(memory)
                state["step"] = t + 1
        return loss


class SGD(RuleOptimizer):
    """Stochastic gradient descent, optionally with (Nesterov) momentum: torch.optim.SGD.

    With ``momentum=0``: theta_t = theta_{t-1} - alpha g_t; otherwise the rule of
    :func:`momentum`. Dampening is not offered (it is 0, torch's default).

    With momentum and a rate that *changes* (a schedule), this is the slides' form, not torch's.
    Here v_t = lambda v_{t-1} - alpha_t g_t: the velocity keeps the rates it was built with.
    torch keeps buf_t = lambda buf_{t-1} + g_t and steps -alpha_t buf_t, so a new rate rescales
    the whole accumulated velocity. The two agree for a constant rate (v = -alpha buf); after a
    rate change from alpha to alpha', torch's step differs from this one by
    lambda (alpha - alpha') buf_{t-1}.
    """

    def __init__(
        self,
        params: Iterable[torch.Tensor] | Iterable[dict],
        lr: float | Schedule = 0.001,
        momentum: float = 0.0,
        nesterov: bool = False,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr, weight_decay, momentum=momentum, nesterov=nesterov)

    def make_rule(self, hyper: dict[str, Any]) -> UpdateRule:
        momentum = _check_decay("momentum", hyper["momentum"])
        nesterov = validate.flag("nesterov", hyper["nesterov"])
        if nesterov and momentum <= 0:
            raise ValueError("nesterov=True needs momentum > 0")
        if momentum == 0:
            return sgd()
        return _momentum(momentum, nesterov)


class Adagrad(RuleOptimizer):
    """AdaGrad with torch.optim.Adagrad's arguments (no lr_decay, initial accumulator 0)."""

    def __init__(
        self,
        params: Iterable[torch.Tensor] | Iterable[dict],
        lr: float | Schedule = 0.01,
        eps: float = 1e-10,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, lr, weight_decay, eps=eps)

    def make_rule(self, hyper: dict[str, Any]) -> UpdateRule:
        return adagrad(hyper["eps"])


class RMSprop(RuleOptimizer):
    """RMSprop with torch.optim.RMSprop's arguments (not centred), with or without momentum."""

    def __init__(
        self,
        params: Iterable[torch.Tensor] | Iterable[dict],
        lr: float | Schedule = 0.01,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
    ) -> None:
        super().__init__(params, lr, weight_decay, alpha=alpha, eps=eps, momentum=momentum)

    def make_rule(self, hyper: dict[str, Any]) -> UpdateRule:
        alpha = _check_decay("alpha", hyper["alpha"])  # torch's name for the decay rate
        return rmsprop(beta=alpha, eps=hyper["eps"], momentum=hyper["momentum"])


def _pair(betas: Any) -> tuple[float, float]:
    """``betas`` as a tuple of two numbers (a tuple, list, array or tensor of length 2)."""
    if isinstance(betas, (str, bytes)) or not hasattr(betas, "__len__"):
        raise TypeError(f"betas must be a pair (beta1, beta2), got {betas!r}")
    if len(betas) != 2:
        raise ValueError(f"betas must be a pair (beta1, beta2), got {betas!r}")
    return tuple(float(b) if hasattr(b, "item") else b for b in betas)  # type: ignore[return-value]


class Adam(RuleOptimizer):
    """Adam with torch.optim.Adam's arguments (ℓ2 weight decay in the gradient; no amsgrad).

    ``decoupled_weight_decay=True`` (torch's argument) shrinks the weights instead (AdamW).
    """

    def __init__(
        self,
        params: Iterable[torch.Tensor] | Iterable[dict],
        lr: float | Schedule = 0.001,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        *,
        decoupled_weight_decay: bool = False,
    ) -> None:
        betas = _pair(betas)
        super().__init__(
            params,
            lr,
            weight_decay,
            decoupled_weight_decay=decoupled_weight_decay,
            betas=betas,
            eps=eps,
        )

    def make_rule(self, hyper: dict[str, Any]) -> UpdateRule:
        betas = _pair(hyper["betas"])
        beta1, beta2 = (_check_decay(f"betas[{i}]", b) for i, b in enumerate(betas))
        return adam(beta1, beta2, hyper["eps"])


class AdamW(Adam):
    """Adam with decoupled weight decay: torch.optim.AdamW (Loshchilov & Hutter, ICLR 2019).

    Each step first shrinks the weights, theta <- theta (1 - alpha lambda), then takes Adam's
    step with the plain gradient (:func:`decay_weights_`, whose factor is torch's, alpha lambda).
    torch's default ``weight_decay`` is 0.01, and so is this one's.
    """

    def __init__(
        self,
        params: Iterable[torch.Tensor] | Iterable[dict],
        lr: float | Schedule = 0.001,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.01,
    ) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, decoupled_weight_decay=True)
