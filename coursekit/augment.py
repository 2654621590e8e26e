"""Data augmentation (数据增强, 5.7): rotation, flip, zoom, shift and noise for batches of images.

Every transform takes a batch of shape (N, H, W) or (N, 1, H, W) (a torch tensor or a NumPy
array) and returns a float tensor of the same shape. The geometric ones are one affine map each,
applied with ``torch.nn.functional.affine_grid`` and ``grid_sample`` (bilinear, zeros outside
the image, ``align_corners=False``: pixel centres map to pixel centres). So a rotation by 90
degrees equals ``torch.rot90``, an integer shift equals a roll that fills with zeros, and the
identity reproduces its input.

:func:`random_transform` draws a rotation, shift and zoom per image (and noise) for training;
:func:`flat` adapts a transform of images to flattened rows such as the 64 pixels of a digit, so
that ``fit(..., augment=...)`` can apply it to every mini-batch.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from . import validate

__all__ = ["add_noise", "flat", "flip", "random_transform", "rotate", "shift", "zoom"]


def _images(images: Any) -> tuple[torch.Tensor, bool]:
    """(N, 1, H, W) float tensor, and whether the input had the channel axis."""
    if isinstance(images, np.ndarray):
        images = torch.as_tensor(images)
    if not isinstance(images, torch.Tensor):
        raise TypeError(f"images must be a tensor or an array, got {type(images).__name__}")
    if images.ndim == 3:
        out, channel = images.unsqueeze(1), False
    elif images.ndim == 4 and images.shape[1] == 1:
        out, channel = images, True
    else:
        raise ValueError(
            f"images must have shape (N, H, W) or (N, 1, H, W), got {tuple(images.shape)}"
        )
    if not torch.isfinite(out).all():
        raise ValueError("images must be finite (no NaN or inf)")
    return (out if out.is_floating_point() else out.float()), channel


def _back(out: torch.Tensor, channel: bool) -> torch.Tensor:
    return out if channel else out.squeeze(1)


def _affine(images: torch.Tensor, theta: torch.Tensor) -> torch.Tensor:
    """Sample ``images`` (N, 1, H, W) at theta @ [x, y, 1] of every output pixel centre, in the
    normalized coordinates of ``affine_grid`` (x to the right, y down, both in [-1, 1])."""
    grid = F.affine_grid(theta.to(images.dtype), list(images.shape), align_corners=False)
    return F.grid_sample(images, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


def _theta(
    n: int, degrees: Any, dx: Any, dy: Any, factor: Any, height: int, width: int
) -> torch.Tensor:
    """The (n, 2, 3) matrices from output to input coordinates for a rotation by ``degrees``
    (counterclockwise as seen on the screen), a zoom by ``factor`` about the centre, then a shift
    by (dx, dy) pixels (right, down)."""
    a = torch.as_tensor(degrees, dtype=torch.float64).expand(n) * math.pi / 180
    s = torch.as_tensor(factor, dtype=torch.float64).expand(n)
    tx = torch.as_tensor(dx, dtype=torch.float64).expand(n) * 2 / width
    ty = torch.as_tensor(dy, dtype=torch.float64).expand(n) * 2 / height
    cos, sin = torch.cos(a), torch.sin(a)
    # input = R(a)^T (output - t) / s, in pixel-proportional coordinates (square pixels)
    r = width / height
    theta = torch.zeros(n, 2, 3, dtype=torch.float64)
    theta[:, 0, 0], theta[:, 0, 1] = cos / s, -sin / (s * r)
    theta[:, 1, 0], theta[:, 1, 1] = sin * r / s, cos / s
    theta[:, 0, 2] = -(theta[:, 0, 0] * tx + theta[:, 0, 1] * ty)
    theta[:, 1, 2] = -(theta[:, 1, 0] * tx + theta[:, 1, 1] * ty)
    return theta


def _transform(images: Any, degrees: Any, dx: Any, dy: Any, factor: Any) -> torch.Tensor:
    batch, channel = _images(images)
    n, _, height, width = batch.shape
    theta = _theta(n, degrees, dx, dy, factor, height, width)
    return _back(_affine(batch, theta), channel)


def rotate(images: Any, degrees: float) -> torch.Tensor:
    """Rotate every image by ``degrees`` counterclockwise about its centre (zeros fill the
    corners that come from outside)."""
    degrees = validate.real("degrees", degrees)
    return _transform(images, degrees, 0.0, 0.0, 1.0)


def flip(images: Any, horizontal: bool = True) -> torch.Tensor:
    """Mirror every image left-right (``horizontal``) or upside down: ``torch.flip`` on the last
    or the second-to-last axis."""
    horizontal = validate.flag("horizontal", horizontal)
    batch, channel = _images(images)
    return _back(torch.flip(batch, dims=[-1] if horizontal else [-2]), channel)


def zoom(images: Any, factor: float) -> torch.Tensor:
    """Scale every image by ``factor`` about its centre (> 1 enlarges and crops, < 1 shrinks and
    pads with zeros)."""
    factor = validate.real("factor", factor, low=0, low_open=True)
    return _transform(images, 0.0, 0.0, 0.0, factor)


def shift(images: Any, dx: float, dy: float) -> torch.Tensor:
    """Move every image ``dx`` pixels to the right and ``dy`` pixels down (fractions of a pixel
    interpolate); what moves in from outside is 0."""
    dx, dy = validate.real("dx", dx), validate.real("dy", dy)
    return _transform(images, 0.0, dx, dy, 1.0)


def add_noise(images: Any, std: float, generator: torch.Generator | None = None) -> torch.Tensor:
    """Add independent Gaussian noise of standard deviation ``std`` to every pixel."""
    std = validate.real("std", std, low=0)
    if generator is not None and not isinstance(generator, torch.Generator):
        raise TypeError(f"generator must be a torch.Generator, got {type(generator).__name__}")
    batch, channel = _images(images)
    noise = torch.randn(batch.shape, generator=generator, dtype=batch.dtype)
    return _back(batch + std * noise, channel)


def random_transform(
    images: Any,
    *,
    max_degrees: float = 0.0,
    max_shift: float = 0.0,
    zoom_range: tuple[float, float] = (1.0, 1.0),
    noise_std: float = 0.0,
    whole_pixels: bool = False,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """A random augmentation per image, for training: a rotation uniform in
    [-max_degrees, max_degrees], a shift uniform in [-max_shift, max_shift] pixels along each
    axis (rounded to whole pixels with ``whole_pixels``: ``max_shift=1.5`` then gives -1, 0 or
    +1 with equal probability), a zoom factor uniform in ``zoom_range``, then Gaussian noise of
    ``noise_std``."""
    max_degrees = validate.real("max_degrees", max_degrees, low=0)
    max_shift = validate.real("max_shift", max_shift, low=0)
    whole_pixels = validate.flag("whole_pixels", whole_pixels)
    if not isinstance(zoom_range, (tuple, list)) or len(zoom_range) != 2:
        raise TypeError(f"zoom_range must be a pair (low, high), got {zoom_range!r}")
    low = validate.real("zoom_range[0]", zoom_range[0], low=0, low_open=True)
    high = validate.real("zoom_range[1]", zoom_range[1], low=low)
    noise_std = validate.real("noise_std", noise_std, low=0)
    if generator is not None and not isinstance(generator, torch.Generator):
        raise TypeError(f"generator must be a torch.Generator, got {type(generator).__name__}")
    batch, channel = _images(images)
    n = len(batch)

    def uniform(a: float, b: float) -> torch.Tensor:
        return a + (b - a) * torch.rand(n, generator=generator, dtype=torch.float64)

    degrees = uniform(-max_degrees, max_degrees)
    dx, dy = uniform(-max_shift, max_shift), uniform(-max_shift, max_shift)
    if whole_pixels:
        dx, dy = torch.round(dx), torch.round(dy)
    theta = _theta(
        n,
        degrees,
        dx,
        dy,
        uniform(low, high),
        batch.shape[2],
        batch.shape[3],
    )
    out = _affine(batch, theta)
    if noise_std > 0:
        out = out + noise_std * torch.randn(out.shape, generator=generator, dtype=out.dtype)
    return _back(out, channel)


def flat(
    transform: Callable[[torch.Tensor], torch.Tensor], shape: tuple[int, int] = (8, 8)
) -> Callable[[torch.Tensor], torch.Tensor]:
    """``transform`` (of image batches) as a function of flattened rows of H * W pixels, e.g.
    the (K, 64) mini-batches of the digits: ``fit(..., augment=flat(lambda im:
    random_transform(im, max_degrees=10)))``."""
    validate.function("transform", transform)
    if (
        not isinstance(shape, tuple)
        or len(shape) != 2
        or not all(isinstance(v, int) and v > 0 for v in shape)
    ):
        raise ValueError(f"shape must be a pair of positive integers (H, W), got {shape!r}")

    def apply(rows: torch.Tensor) -> torch.Tensor:
        if rows.ndim != 2 or rows.shape[1] != shape[0] * shape[1]:
            raise ValueError(
                f"augment expects rows of {shape[0] * shape[1]} pixels, got {tuple(rows.shape)}"
            )
        out = transform(rows.reshape(len(rows), *shape))
        return out.reshape(len(rows), -1).to(rows.dtype)

    return apply
