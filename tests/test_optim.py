"""coursekit.optim: the update rules, checked against torch.optim and closed forms."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
import torch

import coursekit as ck
from coursekit import optim
from coursekit.schedules import exponential

CASES = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.05, "weight_decay": 0.01}),
    ("SGD", {"lr": 0.1, "momentum": 0.9}),
    ("SGD", {"lr": 0.05, "momentum": 0.8, "nesterov": True, "weight_decay": 0.01}),
    ("Adagrad", {}),
    ("Adagrad", {"lr": 0.1, "eps": 1e-6, "weight_decay": 0.001}),
    ("RMSprop", {}),
    ("RMSprop", {"lr": 0.001, "alpha": 0.9, "eps": 1e-6, "weight_decay": 0.01}),
    ("RMSprop", {"lr": 0.001, "momentum": 0.9}),
    ("RMSprop", {"lr": 0.005, "alpha": 0.9, "momentum": 0.5, "weight_decay": 0.01}),
    ("Adam", {}),
    ("Adam", {"lr": 0.01, "betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 0.01}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "weight_decay": 0.01}),
    ("AdamW", {}),  # torch's default weight_decay, 0.01
    ("AdamW", {"lr": 0.01, "betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 0.1}),
]


def trajectory(make, steps: int = 200, sizes=(8, 16, 3), scheduler=None) -> list[torch.Tensor]:
    """Parameters after each of ``steps`` full-batch steps on a small MLP (float64)."""
    generator = torch.Generator().manual_seed(0)
    X = torch.randn(64, sizes[0], generator=generator, dtype=torch.float64)
    y = torch.randint(0, sizes[-1], (64,), generator=generator)
    model = ck.models.mlp(list(sizes), seed=0).double()
    opt = make(model.parameters())
    schedule = scheduler(opt) if scheduler else None
    out = []
    for _ in range(steps):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(model(X), y).backward()
        opt.step()
        if schedule is not None:
            schedule.step()
        out.append(torch.cat([p.detach().flatten().clone() for p in model.parameters()]))
    return out


@pytest.mark.parametrize(("name", "kwargs"), CASES, ids=[f"{n}-{k}" for n, k in CASES])
def test_trajectories_equal_torch_optim(name: str, kwargs: dict) -> None:
    ours = trajectory(lambda p: getattr(optim, name)(p, **kwargs))
    theirs = trajectory(lambda p: getattr(torch.optim, name)(p, foreach=False, **kwargs))
    assert len(ours) == 200
    for t, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        rel = ((a - b).abs().max() / b.abs().max()).item()
        assert rel < 1e-10, f"step {t}: relative difference {rel:.2e}"
    assert not torch.equal(ours[0], ours[-1])  # the parameters did move


def test_a_schedule_as_lr_equals_torch_with_lambda_lr() -> None:
    schedule = exponential(0.01, 0.99)

    ours = trajectory(lambda p: optim.Adam(p, lr=schedule), steps=100)
    theirs = trajectory(
        lambda p: torch.optim.Adam(p, lr=0.01, foreach=False),
        steps=100,
        scheduler=lambda opt: torch.optim.lr_scheduler.LambdaLR(opt, lambda t: 0.99**t),
    )
    rel = ((ours[-1] - theirs[-1]).abs().max() / theirs[-1].abs().max()).item()
    assert rel < 1e-10


def test_state_dict_round_trip_continues_the_same_trajectory() -> None:
    torch.manual_seed(0)
    X, y = torch.randn(32, 4, dtype=torch.float64), torch.randint(0, 2, (32,))

    def run(model, opt, steps):
        for _ in range(steps):
            opt.zero_grad()
            torch.nn.functional.cross_entropy(model(X), y).backward()
            opt.step()

    model = ck.models.mlp([4, 8, 2], seed=0).double()
    opt = optim.Adam(model.parameters(), lr=0.01)
    run(model, opt, 10)
    saved_model = {k: v.clone() for k, v in model.state_dict().items()}
    saved = copy.deepcopy(opt.state_dict())  # like torch's, it holds references
    assert saved["state"][0]["step"] == 10 and set(saved["state"][0]) == {"step", "M", "G"}
    run(model, opt, 10)
    expected = [p.detach().clone() for p in model.parameters()]

    model2 = ck.models.mlp([4, 8, 2], seed=1).double()
    model2.load_state_dict(saved_model)
    opt2 = optim.Adam(model2.parameters(), lr=0.01)
    opt2.load_state_dict(saved)
    run(model2, opt2, 10)
    for a, b in zip(model2.parameters(), expected, strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=0)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: optim.SGD(p, lr=-0.1), "lr must be >= 0"),
        (lambda p: optim.SGD(p, lr=0.1, momentum=1.5), r"momentum must be in \[0, 1\)"),
        (lambda p: optim.SGD(p, lr=0.1, nesterov=True), "nesterov=True needs momentum > 0"),
        (lambda p: optim.SGD(p, lr=0.1, weight_decay=-1), "weight_decay must be >= 0"),
        (lambda p: optim.Adagrad(p, eps=-1e-10), "eps must be >= 0"),
        (lambda p: optim.RMSprop(p, alpha=1.2), r"alpha must be in \[0, 1\)"),
        (lambda p: optim.RMSprop(p, momentum=1.0), r"momentum must be in \[0, 1\)"),
        (lambda p: optim.Adam(p, betas=(1.0, 0.999)), r"betas\[0\] must be in \[0, 1\)"),
        (lambda p: optim.Adam(p, betas=(0.9, -0.1)), r"betas\[1\] must be in \[0, 1\)"),
        (lambda p: optim.Adam(p, betas=(0.9,)), "betas must be a pair"),
        (lambda p: optim.Adam(p, eps=-1.0), "eps must be >= 0"),
    ],
)
def test_invalid_hyperparameters_name_the_argument(make, message: str) -> None:
    params = [torch.nn.Parameter(torch.zeros(3))]
    with pytest.raises(ValueError, match=message):
        make(params)


def test_param_groups_with_their_own_hyperparameters() -> None:
    a, b = torch.nn.Parameter(torch.ones(2)), torch.nn.Parameter(torch.ones(2))
    opt = optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.5, "momentum": 0.5}], lr=0.1)
    for _ in range(2):
        a.grad, b.grad = torch.ones(2), torch.ones(2)
        opt.step()
    torch.testing.assert_close(a.detach(), torch.full((2,), 1 - 0.2))
    # v1 = -0.5, v2 = 0.5 * -0.5 - 0.5 = -0.75: 1 - 0.5 - 0.75
    torch.testing.assert_close(b.detach(), torch.full((2,), 1 - 1.25))


def test_closure_is_evaluated_and_returned() -> None:
    w = torch.nn.Parameter(torch.tensor([2.0]))
    opt = optim.SGD([w], lr=0.25)

    def closure():
        opt.zero_grad()
        loss = (w**2).sum()
        loss.backward()
        return loss

    assert opt.step(closure).item() == 4.0
    assert w.item() == pytest.approx(2.0 - 0.25 * 4.0)


def test_rules_are_the_slides_formulas_on_numpy() -> None:
    g = np.array([1.0, -2.0])
    rule = optim.momentum(0.9)
    state = rule.init(np.zeros(2))
    d1, state = rule.update(g, state, 0.1, 1)
    d2, state = rule.update(g, state, 0.1, 2)
    np.testing.assert_allclose(d1, -0.1 * g)  # v1 = -alpha g0
    np.testing.assert_allclose(d2, -0.9 * 0.1 * g - 0.1 * g)  # v2 = -lambda alpha g0 - alpha g1
    rule = optim.adagrad(eps=0.0)
    state = rule.init(np.zeros(2))
    for t in range(1, 5):
        d, state = rule.update(g, state, 1.0, t)
        np.testing.assert_allclose(d, -g / (np.abs(g) * math.sqrt(t)))  # alpha / sqrt(t) * sign
    # Adam's first step is -alpha * sign(g) with bias correction, tiny without it
    d, _ = optim.adam().update(g, optim.adam().init(g), 0.01, 1)
    np.testing.assert_allclose(d, -0.01 * np.sign(g), rtol=1e-6)
    raw = optim.adam(bias_correction=False)
    d, _ = raw.update(g, raw.init(g), 0.01, 1)
    np.testing.assert_allclose(d, -0.01 * 0.1 * g / (np.sqrt(0.001) * np.abs(g)), rtol=1e-6)


def test_descend_on_a_quadratic_matches_the_closed_form() -> None:
    surface = ck.surfaces.quadratic(1.0, 10.0)
    path = optim.descend(optim.sgd(), surface.gradient, (4.0, 1.0), 20, 0.05)
    t = np.arange(21)
    np.testing.assert_allclose(path[:, 0], 4.0 * (1 - 0.05 * 1.0) ** t)
    np.testing.assert_allclose(path[:, 1], 1.0 * (1 - 0.05 * 10.0) ** t)
    diverged = optim.descend(optim.sgd(), surface.gradient, (4.0, 1.0), 1000, 0.25)
    assert len(diverged) < 1001 and np.abs(diverged[-1]).max() >= 1e6
    with pytest.raises(
        ValueError, match=r"lr \(the value its schedule returned at step 0\) must be >= 0"
    ):
        optim.descend(optim.sgd(), surface.gradient, (1.0, 1.0), 3, lambda t: -1.0)
    with pytest.raises(ValueError, match="steps must be an integer >= 0"):
        optim.descend(optim.sgd(), surface.gradient, (1.0, 1.0), -1, 0.1)


def test_newton_solves_a_quadratic_in_one_step_and_is_drawn_to_saddles() -> None:
    q = ck.surfaces.quadratic(1.0, 100.0)
    path = optim.newton(q.gradient, q.hessian, (4.0, 1.0), 1)
    np.testing.assert_allclose(path[-1], [0.0, 0.0], atol=1e-12)
    s = ck.surfaces.saddle()
    path = optim.newton(s.gradient, s.hessian, (1.0, 0.5), 1)
    np.testing.assert_allclose(path[-1], [0.0, 0.0], atol=1e-12)  # onto the saddle
    singular = optim.newton(lambda t: t, lambda t: np.zeros((2, 2)), (1.0, 1.0), 5)
    assert len(singular) == 1
    with pytest.raises(ValueError, match="lr must be > 0"):
        optim.newton(q.gradient, q.hessian, (1.0, 1.0), 1, lr=0.0)


def test_first_step_finds_where_a_path_first_meets_a_condition() -> None:
    path = optim.descend(optim.sgd(), lambda t: 2 * t, [1.0], 50, 0.25)[:, 0]  # halves each step
    assert optim.first_step(np.abs(path) < 0.1) == 4  # 1/16 = 0.0625 after 4 steps
    assert optim.first_step(np.abs(path) < 0) is None
    assert optim.first_step([False, True, True]) == 1 and optim.first_step([]) is None
    with pytest.raises(ValueError, match=r"reached must be 1-D .* got shape \(2, 2\)"):
        optim.first_step(np.ones((2, 2), dtype=bool))


def test_the_two_forms_of_weight_decay_agree_for_sgd_and_differ_for_adam() -> None:
    def run(name: str, decoupled: bool) -> torch.Tensor:
        def make(params):
            if name == "SGD":
                opt = optim.SGD(params, lr=0.1, weight_decay=0.05)
                opt.decoupled_weight_decay = decoupled
                return opt
            return optim.Adam(params, lr=0.01, weight_decay=0.05, decoupled_weight_decay=decoupled)

        return trajectory(make, steps=20)[-1]

    coupled, decoupled = run("SGD", False), run("SGD", True)
    assert ((coupled - decoupled).abs().max() / coupled.abs().max()).item() < 1e-12
    coupled, decoupled = run("Adam", False), run("Adam", True)
    assert ((coupled - decoupled).abs().max() / coupled.abs().max()).item() > 1e-3


def test_weight_decay_helpers_follow_their_formulas() -> None:
    theta, grad = torch.tensor([1.0, -2.0]), torch.tensor([0.5, 0.5])
    torch.testing.assert_close(optim.l2_gradient(grad, theta, 0.1), torch.tensor([0.6, 0.3]))
    assert optim.l2_gradient(grad, theta, 0.0) is grad
    decayed = optim.decay_weights_(theta.clone(), lr=0.5, weight_decay=0.2)
    torch.testing.assert_close(decayed, torch.tensor([0.9, -1.8]))  # (1 - 0.5 * 0.2) theta


def test_a_rule_optimizer_must_say_its_rule() -> None:
    class NoRule(optim.RuleOptimizer):
        pass

    with pytest.raises(NotImplementedError, match="NoRule must say which rule it applies"):
        NoRule([torch.zeros(2, requires_grad=True)], lr=0.1, weight_decay=0.0)


def test_momentum_with_a_changing_rate_keeps_the_old_rate_in_the_velocity_unlike_torch() -> None:
    rates = [0.1, 0.1, 0.02, 0.02, 0.02]  # a rate change after two steps
    schedule = lambda t: rates[t]  # noqa: E731
    grad = lambda theta: 2.0 * theta  # f = theta², g = 2 theta  # noqa: E731

    ours = torch.tensor([1.0], dtype=torch.float64, requires_grad=True)
    theirs = ours.detach().clone().requires_grad_(True)
    opt_ours = optim.SGD([ours], lr=schedule, momentum=0.9)
    opt_theirs = torch.optim.SGD([theirs], lr=1.0, momentum=0.9, foreach=False)
    sched = torch.optim.lr_scheduler.LambdaLR(opt_theirs, schedule)
    v, buf, theta_v, theta_b = 0.0, 0.0, 1.0, 1.0
    for t in range(4):
        for p, opt in ((ours, opt_ours), (theirs, opt_theirs)):
            opt.zero_grad()
            p.grad = grad(p.detach()).clone()
            opt.step()
        sched.step()
        v = 0.9 * v - rates[t] * grad(theta_v)  # the slides' form, by hand
        theta_v += v
        buf = 0.9 * buf + grad(theta_b)  # torch's form, by hand
        theta_b -= rates[t] * buf
        assert ours.item() == pytest.approx(theta_v, abs=1e-15)
        assert theirs.item() == pytest.approx(theta_b, abs=1e-15)
        if t < 2:  # a constant rate so far: the two forms agree
            assert ours.item() == pytest.approx(theirs.item(), abs=1e-15)
    assert abs(ours.item() - theirs.item()) > 1e-3  # after the rate change they do not
