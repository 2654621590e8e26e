"""2-D test functions for optimizer pictures (5.1, 5.3), each with its gradient and Hessian.

A :class:`Surface` evaluates ``value(x, y)`` on NumPy grids (for contour plots) and on torch
tensors (so that tests can check the hand-written ``gradient`` and ``hessian`` against
autograd). The catalogue:

* :func:`quadratic` - an ill-conditioned bowl 0.5 (a x^2 + b y^2): the valley where plain
  gradient descent zig-zags and momentum helps;
* :func:`rosenbrock`, :func:`beale` - classic curved valleys (Rosenbrock 1960; Beale 1958);
* :func:`saddle` - x^2 - y^2, the simplest saddle point;
* :func:`double_well` - a saddle between two minima, to watch gradient descent escape it;
* :func:`wells` - Gaussian wells of different depths and widths: several local minima;
* :func:`cliff` - a plateau that ends in a steep step, where gradients explode.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import torch

from . import validate

Point = tuple[float, float]


def _exp(z):  # NumPy or torch, whichever z is
    return torch.exp(z) if isinstance(z, torch.Tensor) else np.exp(z)


def _tanh(z):
    return torch.tanh(z) if isinstance(z, torch.Tensor) else np.tanh(z)


def _at_points(derivative: Callable[[np.ndarray], np.ndarray]) -> Callable:
    """``derivative`` that first checks that its argument is one point (x, y)."""
    if getattr(derivative, "checks_points", False):
        return derivative

    def at(t: np.ndarray) -> np.ndarray:
        if np.shape(t) != (2,):
            raise ValueError(f"t must be one point (x, y), got shape {np.shape(t)}")
        return derivative(t)

    at.checks_points = True  # type: ignore[attr-defined]
    at.__doc__ = derivative.__doc__
    return at


def _polish(gradient: Callable, hessian: Callable, point: Sequence[float]) -> Point:
    """A critical point near ``point``, by a few Newton steps (for minima known only roughly)."""
    p = np.asarray(point, dtype=float)
    for _ in range(50):
        p = p - np.linalg.solve(hessian(p), gradient(p))
    return float(p[0]), float(p[1])


@dataclass(frozen=True)
class Surface:
    """A function of two variables with its derivatives and the region worth plotting.

    ``value(x, y)`` works elementwise on arrays or tensors; ``gradient(theta)`` and
    ``hessian(theta)`` take a point ``(x, y)`` and return a length-2 array and a 2x2 array.
    """

    name: str
    formula: str
    value: Callable
    gradient: Callable[[np.ndarray], np.ndarray]
    hessian: Callable[[np.ndarray], np.ndarray]
    minimum: Point
    start: Point
    xlim: tuple[float, float]
    ylim: tuple[float, float]
    log_levels: bool = False
    extra: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        # a point of another length would be cut to (x, y) without a word: check it
        object.__setattr__(self, "gradient", _at_points(self.gradient))
        object.__setattr__(self, "hessian", _at_points(self.hessian))

    def __call__(self, theta: Sequence[float] | np.ndarray) -> float | np.ndarray:
        """f at a point (x, y), or at every point of a path of shape (T, 2)."""
        points = np.asarray(theta, dtype=float)
        if points.ndim not in (1, 2) or points.shape[-1] != 2:
            raise ValueError(f"theta must be a point (x, y) or points (T, 2), got {points.shape}")
        values = self.value(points[..., 0], points[..., 1])
        return float(values) if points.ndim == 1 else np.asarray(values, dtype=float)

    def grid(self, n: int = 120) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``X, Y, Z`` on an n x n grid over ``xlim`` x ``ylim`` (for ``contour``)."""
        X, Y = np.meshgrid(np.linspace(*self.xlim, n), np.linspace(*self.ylim, n))
        return X, Y, self.value(X, Y)


def quadratic(a: float = 1.0, b: float = 10.0) -> Surface:
    """f = 0.5 (a x^2 + b y^2): curvatures a and b, condition number b / a."""
    a = validate.real("a", a, low=0, low_open=True)
    b = validate.real("b", b, low=0, low_open=True)
    return Surface(
        name="quadratic",
        formula=f"0.5 ({a:g} x² + {b:g} y²)",
        value=lambda x, y: 0.5 * (a * x**2 + b * y**2),
        gradient=lambda t: np.array([a * t[0], b * t[1]], dtype=float),
        hessian=lambda t: np.array([[a, 0.0], [0.0, b]]),
        minimum=(0.0, 0.0),
        start=(-4.0, 1.5),
        xlim=(-5.0, 5.0),
        ylim=(-2.5, 2.5),
        extra={"a": a, "b": b},
    )


def rosenbrock(a: float = 1.0, b: float = 100.0) -> Surface:
    """f = (a - x)^2 + b (y - x^2)^2, minimum 0 at (a, a^2) at the end of a curved valley."""
    a = validate.real("a", a)
    b = validate.real("b", b, low=0, low_open=True)

    def gradient(t: np.ndarray) -> np.ndarray:
        x, y = t
        return np.array([-2 * (a - x) - 4 * b * x * (y - x**2), 2 * b * (y - x**2)])

    def hessian(t: np.ndarray) -> np.ndarray:
        x, y = t
        cross = -4 * b * x
        return np.array([[2 - 4 * b * (y - x**2) + 8 * b * x**2, cross], [cross, 2 * b]])

    return Surface(
        name="Rosenbrock",
        formula=f"({a:g} − x)² + {b:g} (y − x²)²",
        value=lambda x, y: (a - x) ** 2 + b * (y - x**2) ** 2,
        gradient=gradient,
        hessian=hessian,
        minimum=(a, a**2),
        start=(-1.5, 2.0),
        xlim=(-2.0, 2.0),
        ylim=(-1.0, 3.0),
        log_levels=True,
    )


_BEALE = (1.5, 2.25, 2.625)


def beale() -> Surface:
    """f = sum_i (c_i - x + x y^i)^2 with c = (1.5, 2.25, 2.625); minimum 0 at (3, 0.5)."""

    def terms(x, y):
        return [(c - x + x * y**i, i) for i, c in enumerate(_BEALE, start=1)]

    def gradient(t: np.ndarray) -> np.ndarray:
        x, y = t
        g = np.zeros(2)
        for u, i in terms(x, y):
            g += 2 * u * np.array([y**i - 1, i * x * y ** (i - 1)])
        return g

    def hessian(t: np.ndarray) -> np.ndarray:
        x, y = t
        H = np.zeros((2, 2))
        for u, i in terms(x, y):
            du = np.array([y**i - 1, i * x * y ** (i - 1)])
            d2u = np.array(
                [[0.0, i * y ** (i - 1)], [i * y ** (i - 1), i * (i - 1) * x * y ** max(i - 2, 0)]]
            )
            H += 2 * (np.outer(du, du) + u * d2u)
        return H

    return Surface(
        name="Beale",
        formula="Σᵢ (cᵢ − x + x yⁱ)², c = (1.5, 2.25, 2.625)",
        value=lambda x, y: sum(u**2 for u, _ in terms(x, y)),
        gradient=gradient,
        hessian=hessian,
        minimum=(3.0, 0.5),
        start=(1.0, 1.4),
        xlim=(-4.5, 4.5),
        ylim=(-4.5, 4.5),
        log_levels=True,
    )


def saddle() -> Surface:
    """f = x^2 - y^2: zero gradient at the origin, curvature +2 along x and -2 along y."""
    return Surface(
        name="saddle",
        formula="x² − y²",
        value=lambda x, y: x**2 - y**2,
        gradient=lambda t: np.array([2 * t[0], -2 * t[1]], dtype=float),
        hessian=lambda t: np.array([[2.0, 0.0], [0.0, -2.0]]),
        minimum=(float("nan"), float("nan")),  # unbounded below
        start=(-2.0, 0.01),
        xlim=(-2.5, 2.5),
        ylim=(-2.5, 2.5),
    )


def double_well() -> Surface:
    """f = x^2 + (y^2 - 1)^2 / 4: a saddle at the origin between two minima at (0, +-1).

    At the saddle the curvature is +2 along x and -1 along y; gradient descent started on the
    ridge y = 0 never leaves it, and started a distance y0 beside it needs about
    log(1 / y0) / log(1 + alpha) steps to get away (5.1).
    """
    return Surface(
        name="double well",
        formula="x² + (y² − 1)² / 4",
        value=lambda x, y: x**2 + (y**2 - 1) ** 2 / 4,
        gradient=lambda t: np.array([2 * t[0], t[1] * (t[1] ** 2 - 1)], dtype=float),
        hessian=lambda t: np.array([[2.0, 0.0], [0.0, 3 * t[1] ** 2 - 1]]),
        minimum=(0.0, 1.0),
        start=(1.5, 1e-6),
        xlim=(-2.0, 2.0),
        ylim=(-1.6, 1.6),
    )


def wells(
    centers: Sequence[Point] = ((2.0, 1.0), (-1.0, -0.5), (1.5, -2.0)),
    depths: Sequence[float] = (1.0, 2.0, 1.2),
    widths: Sequence[float] = (0.3, 1.0, 0.35),
    confinement: float = 0.02,
) -> Surface:
    """f = c |p|^2 - sum_k d_k exp(-|p - mu_k|^2 / (2 s_k^2)): Gaussian wells, several minima.

    A well of depth d and width s has curvature about d / s^2 at its bottom, so narrow wells are
    sharp and wide ones flat; the default puts a narrow, shallow well next to the start and a
    wide, deep one further away. ``confinement`` c keeps every path on the picture.
    """
    mus = validate.array("centers", centers, ndim=2)
    depths = tuple(
        validate.real(f"depths[{i}]", d, low=0, low_open=True) for i, d in enumerate(depths)
    )
    widths = tuple(
        validate.real(f"widths[{i}]", w, low=0, low_open=True) for i, w in enumerate(widths)
    )
    confinement = validate.real("confinement", confinement, low=0)
    if mus.shape[1] != 2 or not (len(mus) == len(depths) == len(widths)):
        raise ValueError(
            "centers (points (x, y)), depths and widths must have the same length, got "
            f"centers of shape {mus.shape}, {len(depths)} depths and {len(widths)} widths"
        )
    centers = [tuple(c) for c in mus]

    def value(x, y):
        total = confinement * (x**2 + y**2)
        for (mx, my), d, s in zip(centers, depths, widths, strict=True):
            total = total - d * _exp(-((x - mx) ** 2 + (y - my) ** 2) / (2 * s**2))
        return total

    def gradient(t: np.ndarray) -> np.ndarray:
        p = np.asarray(t, dtype=float)
        g = 2 * confinement * p
        for mu, d, s in zip(mus, depths, widths, strict=True):
            r = p - mu
            e = d * np.exp(-(r @ r) / (2 * s**2))
            g = g + e * r / s**2
        return g

    def hessian(t: np.ndarray) -> np.ndarray:
        p = np.asarray(t, dtype=float)
        H = 2 * confinement * np.eye(2)
        for mu, d, s in zip(mus, depths, widths, strict=True):
            r = p - mu
            e = d * np.exp(-(r @ r) / (2 * s**2))
            H = H + e * (np.eye(2) / s**2 - np.outer(r, r) / s**4)
        return H

    deepest = int(np.argmax(depths))
    return Surface(
        name="wells",
        formula="c |p|² − Σₖ dₖ exp(−|p − μₖ|² / 2sₖ²)",
        value=value,
        gradient=gradient,
        hessian=hessian,
        minimum=_polish(gradient, hessian, mus[deepest]),  # the confinement shifts it a little
        start=(2.4, 1.3),
        xlim=(-4.0, 4.0),
        ylim=(-4.0, 3.5),
        extra={"centers": mus, "depths": tuple(depths), "widths": tuple(widths)},
    )


def cliff(
    height: float = 200.0, steepness: float = 3.0, edge: float = 1.5, quartic: float = 0.05
) -> Surface:
    """f = q (x^2 + y^2)^2 + h (1 + tanh(k (x - e))) / 2: a plateau ending in a cliff.

    Walking down the plateau (x > e) the gradient is small; at the edge it is about h k / 2,
    and a plain step there lands far away, where the quartic's gradient is even larger, so
    gradient descent diverges. Clipping the gradient keeps the step bounded.
    """
    height = validate.real("height", height, low=0, low_open=True)
    steepness = validate.real("steepness", steepness, low=0, low_open=True)
    edge = validate.real("edge", edge)
    quartic = validate.real("quartic", quartic, low=0)

    def value(x, y):
        return quartic * (x**2 + y**2) ** 2 + height * (1 + _tanh(steepness * (x - edge))) / 2

    def gradient(t: np.ndarray) -> np.ndarray:
        x, y = t
        r2 = x**2 + y**2
        sech2 = 1 - np.tanh(steepness * (x - edge)) ** 2
        return np.array(
            [4 * quartic * r2 * x + height * steepness * sech2 / 2, 4 * quartic * r2 * y]
        )

    def hessian(t: np.ndarray) -> np.ndarray:
        x, y = t
        r2 = x**2 + y**2
        th = np.tanh(steepness * (x - edge))
        cliff_xx = -height * steepness**2 * th * (1 - th**2)
        return np.array(
            [
                [4 * quartic * (r2 + 2 * x**2) + cliff_xx, 8 * quartic * x * y],
                [8 * quartic * x * y, 4 * quartic * (r2 + 2 * y**2)],
            ]
        )

    return Surface(
        name="cliff",
        formula=f"{quartic:g} (x² + y²)² + {height:g} (1 + tanh({steepness:g} (x − {edge:g}))) / 2",
        value=value,
        gradient=gradient,
        hessian=hessian,
        minimum=_polish(gradient, hessian, (-1.0, 0.0)),  # the cliff's tail tilts the floor
        start=(3.0, 0.5),
        xlim=(-4.0, 4.0),
        ylim=(-3.0, 3.0),
    )


def catalogue() -> dict[str, Surface]:
    """The surfaces offered by the optimizer race widget, by name."""
    everything = (quadratic(), rosenbrock(), beale(), saddle(), double_well(), wells(), cliff())
    return {s.name: s for s in everything}
