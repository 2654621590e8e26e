"""coursekit.schedules: each schedule equals the matching torch.optim.lr_scheduler."""

from __future__ import annotations

import math

import pytest
import torch
from torch.optim import lr_scheduler as S

from coursekit import schedules


def torch_rates(make_scheduler, steps: int, lr: float = 0.1, **opt_kwargs) -> list[float]:
    param = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([param], lr=lr, **opt_kwargs)
    scheduler = make_scheduler(opt)
    rates = []
    for _ in range(steps):
        rates.append(opt.param_groups[0]["lr"])
        opt.step()
        scheduler.step()
    return rates


def assert_same(ours, theirs: list[float]) -> None:
    for t, expected in enumerate(theirs):
        assert ours(t) == pytest.approx(expected, rel=1e-12, abs=1e-15), f"t = {t}"


def test_piecewise_constant_is_multistep() -> None:
    ours = schedules.piecewise_constant(0.1, [30, 80], [0.1, 0.01])
    assert_same(ours, torch_rates(lambda o: S.MultiStepLR(o, [30, 80], gamma=0.1), 120))


def test_inverse_time_and_natural_exponential_are_lambda_lr() -> None:
    assert_same(
        schedules.inverse_time(0.1, 0.05),
        torch_rates(lambda o: S.LambdaLR(o, lambda t: 1 / (1 + 0.05 * t)), 100),
    )
    assert_same(
        schedules.natural_exponential(0.1, 0.02),
        torch_rates(lambda o: S.ExponentialLR(o, gamma=math.exp(-0.02)), 100),
    )


def test_exponential_is_exponential_lr() -> None:
    assert_same(
        schedules.exponential(0.1, 0.97), torch_rates(lambda o: S.ExponentialLR(o, 0.97), 100)
    )


def test_cosine_is_cosine_annealing_until_T_then_stays() -> None:
    ours = schedules.cosine(0.1, 50, lr_min=0.001)
    assert_same(ours, torch_rates(lambda o: S.CosineAnnealingLR(o, T_max=50, eta_min=0.001), 51))
    assert ours(50) == ours(80) == pytest.approx(0.001)
    assert schedules.cosine(0.1, 50)(25) == pytest.approx(0.05)  # the slide's form at T/2


def test_linear_warmup_is_linear_lr_then_the_next_schedule() -> None:
    def torch_warmup(o):
        warm = S.LinearLR(o, start_factor=1 / 10, end_factor=1.0, total_iters=9)
        decay = S.ExponentialLR(o, gamma=0.95)
        return S.SequentialLR(o, [warm, decay], milestones=[10])

    ours = schedules.linear_warmup(schedules.exponential(0.1, 0.95), 10)
    assert_same(ours, torch_rates(torch_warmup, 60))
    flat = schedules.linear_warmup(0.4, 4)
    assert [flat(t) for t in range(6)] == pytest.approx([0.1, 0.2, 0.3, 0.4, 0.4, 0.4])


def test_triangular_is_cyclic_lr() -> None:
    ours = schedules.triangular(0.01, 0.1, 20)
    theirs = torch_rates(
        lambda o: S.CyclicLR(o, 0.01, 0.1, step_size_up=20, mode="triangular"),
        130,
        lr=0.01,
        momentum=0.9,
    )
    assert_same(ours, theirs)
    assert ours(0) == 0.01 and ours(20) == pytest.approx(0.1) and ours(40) == pytest.approx(0.01)


def test_triangular_with_halving_bounds_is_cyclic_lr_triangular2() -> None:
    ours = schedules.triangular(0.01, 0.1, 20, cycle_decay=0.5)
    theirs = torch_rates(
        lambda o: S.CyclicLR(o, 0.01, 0.1, step_size_up=20, mode="triangular2"),
        170,
        lr=0.01,
        momentum=0.9,
    )
    assert_same(ours, theirs)
    peaks = [ours(20 + 40 * k) for k in range(4)]  # the top of each cycle
    assert peaks == pytest.approx([0.1, 0.055, 0.0325, 0.02125])


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: schedules.constant(-0.1), "lr0 must be >= 0"),
        (lambda: schedules.piecewise_constant(0.1, [50, 20], [0.1, 0.01]), "increasing"),
        (lambda: schedules.piecewise_constant(0.1, [10], [0.1, 0.01]), "same length"),
        (lambda: schedules.piecewise_constant(0.1, [10], [-0.1]), r"factors\[0\] must be >= 0"),
        (lambda: schedules.inverse_time(0.1, -1.0), "beta must be >= 0"),
        (lambda: schedules.exponential(0.1, 1.5), r"beta must be in \(0, 1\]"),
        (
            lambda: schedules.natural_exponential(float("nan"), 0.1),
            "lr0 must be a finite number >= 0",
        ),
        (lambda: schedules.cosine(0.1, 0), "total_steps must be an integer >= 1"),
        (lambda: schedules.cosine(0.1, 10, lr_min=0.2), "lr_min must be <= lr0"),
        (lambda: schedules.linear_warmup(0.1, 0), "warmup_steps must be an integer >= 1"),
        (lambda: schedules.triangular(0.2, 0.1, 10), "lr_min must be <= lr_max"),
        (lambda: schedules.triangular(0.01, 0.1, 0), "step_size must be an integer >= 1"),
        (lambda: schedules.triangular(0.01, 0.1, 5, cycle_decay=0), "cycle_decay"),
        (lambda: schedules.triangular(0.01, 0.1, 5, cycle_decay=1.5), "cycle_decay"),
    ],
)
def test_bad_arguments_raise(make, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make()


def test_negative_steps_raise() -> None:
    with pytest.raises(ValueError, match=r"t \(the step\) must be an integer >= 0"):
        schedules.cosine(0.1, 10)(-1)
