"""coursekit.surfaces: hand-written gradients and Hessians agree with torch.autograd."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from coursekit import surfaces

SURFACES = surfaces.catalogue()


def autograd(surface: surfaces.Surface, point: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    def f(theta: torch.Tensor) -> torch.Tensor:
        return surface.value(theta[0], theta[1])

    theta = torch.tensor(point, dtype=torch.float64)
    grad = torch.autograd.functional.jacobian(f, theta).numpy()
    hess = torch.autograd.functional.hessian(f, theta).numpy()
    return grad, hess


@pytest.mark.parametrize("name", list(SURFACES))
def test_gradient_and_hessian_match_autograd(name: str) -> None:
    surface = SURFACES[name]
    rng = np.random.default_rng(0)
    points = [np.array(surface.start)] + [
        np.array([rng.uniform(*surface.xlim), rng.uniform(*surface.ylim)]) for _ in range(20)
    ]
    for point in points:
        grad, hess = autograd(surface, point)
        np.testing.assert_allclose(surface.gradient(point), grad, rtol=1e-9, atol=1e-9)
        np.testing.assert_allclose(surface.hessian(point), hess, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("name", [n for n in SURFACES if n != "saddle"])
def test_the_minimum_is_a_critical_point_with_positive_curvature(name: str) -> None:
    surface = SURFACES[name]
    point = np.array(surface.minimum)
    np.testing.assert_allclose(surface.gradient(point), 0.0, atol=1e-8)
    assert np.all(np.linalg.eigvalsh(surface.hessian(point)) > 0)


def ck_refine(surface: surfaces.Surface, point: np.ndarray) -> np.ndarray:
    for _ in range(50):  # Newton's method from the well's centre
        point = point - np.linalg.solve(surface.hessian(point), surface.gradient(point))
    return point


def test_saddle_has_mixed_curvature_and_grids_have_the_right_shape() -> None:
    s = SURFACES["saddle"]
    assert sorted(np.linalg.eigvalsh(s.hessian(np.zeros(2)))) == [-2.0, 2.0]
    X, Y, Z = s.grid(30)
    assert X.shape == Y.shape == Z.shape == (30, 30)
    assert s((1.0, 2.0)) == -3.0


def test_wells_have_sharp_narrow_and_flat_wide_minima() -> None:
    w = SURFACES["wells"]
    curvatures = []
    for center in w.extra["centers"]:
        curvatures.append(np.linalg.eigvalsh(w.hessian(ck_refine(w, center))).max())
    # curvature about depth / width**2: narrow wells are an order of magnitude sharper
    assert curvatures[0] > 4 * curvatures[1] and curvatures[2] > 4 * curvatures[1]
    assert w(w.minimum) < min(w(c) for i, c in enumerate(w.extra["centers"]) if i != 1)


def test_bad_parameters_raise() -> None:
    with pytest.raises(ValueError, match="a must be > 0"):
        surfaces.quadratic(0.0, 1.0)
    with pytest.raises(ValueError, match="same length"):
        surfaces.wells(centers=[(0.0, 0.0)], depths=[1.0, 2.0], widths=[1.0])
    with pytest.raises(ValueError, match="must be > 0"):
        surfaces.cliff(height=-1.0)


def test_derivatives_take_one_point_only() -> None:
    """A point with a third coordinate used to be cut to (x, y) without a word."""
    for surface in surfaces.catalogue().values():
        with pytest.raises(ValueError, match=r"t must be one point \(x, y\), got shape \(3,\)"):
            surface.gradient(np.ones(3))
        with pytest.raises(ValueError, match=r"t must be one point"):
            surface.hessian([[1.0, 2.0]])
