"""coursekit.clipping equals torch.nn.utils' clipping, and the array versions do what they say."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from coursekit import clipping


def grads_pair(seed: int, scale: float):
    generator = torch.Generator().manual_seed(seed)
    params = [torch.nn.Parameter(torch.zeros(s)) for s in [(3, 4), (4,), (2, 2, 2)]]
    for p in params:
        p.grad = scale * torch.randn(p.shape, generator=generator, dtype=torch.float64).float()
    copies = [torch.nn.Parameter(p.detach().clone()) for p in params]
    for c, p in zip(copies, params, strict=True):
        c.grad = p.grad.clone()
    return params, copies


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    scale=st.floats(0.01, 100.0),
    max_norm=st.floats(0.0, 50.0),
    norm_type=st.sampled_from([1.0, 2.0, 3.0, float("inf")]),
)
def test_clip_grad_norm_equals_torch(seed, scale, max_norm, norm_type) -> None:
    ours, theirs = grads_pair(seed, scale)
    total = clipping.clip_grad_norm_(ours, max_norm, norm_type)
    expected = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type, foreach=False)
    torch.testing.assert_close(total, expected)
    for a, b in zip(ours, theirs, strict=True):
        torch.testing.assert_close(a.grad, b.grad)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), scale=st.floats(0.01, 100.0), clip=st.floats(0.0, 10.0))
def test_clip_grad_value_equals_torch(seed, scale, clip) -> None:
    ours, theirs = grads_pair(seed, scale)
    clipping.clip_grad_value_(ours, clip)
    torch.nn.utils.clip_grad_value_(theirs, clip, foreach=False)
    for a, b in zip(ours, theirs, strict=True):
        torch.testing.assert_close(a.grad, b.grad)


def test_norm_clipping_keeps_the_direction_value_clipping_does_not() -> None:
    g = np.array([30.0, 1.0])
    by_norm = clipping.clip_by_norm(g, 5.0)
    assert np.linalg.norm(by_norm) == pytest.approx(5.0)
    np.testing.assert_allclose(by_norm / np.linalg.norm(by_norm), g / np.linalg.norm(g))
    by_value = clipping.clip_by_value(g, 5.0)
    np.testing.assert_array_equal(by_value, [5.0, 1.0])
    cos = by_value @ g / (np.linalg.norm(by_value) * np.linalg.norm(g))
    assert cos < 0.99  # turned towards the small coordinate
    np.testing.assert_array_equal(clipping.clip_by_norm(np.array([0.3, 0.4]), 5.0), [0.3, 0.4])
    np.testing.assert_array_equal(clipping.clip_by_value(g, -1.0, 2.0), [2.0, 1.0])


def test_bad_thresholds_raise() -> None:
    with pytest.raises(ValueError, match="max_norm must be >= 0"):
        clipping.clip_by_norm(np.ones(2), -1.0)
    with pytest.raises(ValueError, match="low must be <= high"):
        clipping.clip_by_value(np.ones(2), 1.0, -1.0)
    p = torch.nn.Parameter(torch.ones(2))
    p.grad = torch.ones(2)
    with pytest.raises(ValueError, match="clip_value must be >= 0"):
        clipping.clip_grad_value_([p], -0.5)
    with pytest.raises(ValueError, match="max_norm must be >= 0"):
        clipping.clip_grad_norm_([p], -0.5)
    with pytest.raises(ValueError, match="norm_type must be > 0"):
        clipping.clip_grad_norm_([p], 1.0, norm_type=0)
    assert clipping.clip_grad_norm_([torch.nn.Parameter(torch.ones(2))], 1.0).item() == 0.0
