"""coursekit.augment (5.7): every transform against torch's own operations or a closed form."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import coursekit as ck
from coursekit import augment as A


def batch(n: int = 3, h: int = 8, w: int = 8) -> torch.Tensor:
    return torch.rand(n, h, w, generator=torch.Generator().manual_seed(0))


def test_the_identity_reproduces_the_input_exactly() -> None:
    x = batch()
    for out in (A.rotate(x, 0), A.zoom(x, 1.0), A.shift(x, 0, 0), A.add_noise(x, 0.0)):
        assert torch.equal(out, x)
    same = A.random_transform(x, generator=torch.Generator().manual_seed(1))
    assert torch.equal(same, x)


@pytest.mark.parametrize(("degrees", "k"), [(90, 1), (180, 2), (270, 3), (-90, 3)])
def test_quarter_rotations_equal_rot90(degrees: float, k: int) -> None:
    x = batch()
    torch.testing.assert_close(A.rotate(x, degrees), torch.rot90(x, k, dims=(-2, -1)))


def test_half_turn_of_a_non_square_image_and_the_channel_axis() -> None:
    x = batch(2, 5, 7).unsqueeze(1)  # (N, 1, H, W)
    out = A.rotate(x, 180)
    assert out.shape == x.shape
    torch.testing.assert_close(out, torch.rot90(x, 2, dims=(-2, -1)))


def test_flips_equal_torch_flip() -> None:
    x = batch()
    assert torch.equal(A.flip(x), torch.flip(x, dims=[-1]))
    assert torch.equal(A.flip(x, horizontal=False), torch.flip(x, dims=[-2]))


@pytest.mark.parametrize(("dx", "dy"), [(1, 0), (0, 2), (-2, 1), (3, -3)])
def test_integer_shifts_equal_a_zero_filled_roll(dx: int, dy: int) -> None:
    x = batch()
    expected = torch.roll(x, shifts=(dy, dx), dims=(-2, -1))
    if dx > 0:
        expected[..., :, :dx] = 0
    elif dx < 0:
        expected[..., :, dx:] = 0
    if dy > 0:
        expected[..., :dy, :] = 0
    elif dy < 0:
        expected[..., dy:, :] = 0
    torch.testing.assert_close(A.shift(x, dx, dy), expected)


def test_half_pixel_shift_interpolates_and_zoom_two_enlarges_the_centre() -> None:
    x = batch(1)
    half = A.shift(x, 0.5, 0)
    torch.testing.assert_close(half[..., 1:], (x[..., :-1] + x[..., 1:]) / 2)  # bilinear
    big = A.zoom(x, 2.0)
    # sampled at input coordinates (i - 3.5) / 2 + 3.5: pixel 3 of the output reads 3.25
    row3 = 0.75 * x[0, 3, 3] + 0.25 * x[0, 3, 4]
    row4 = 0.75 * x[0, 4, 3] + 0.25 * x[0, 4, 4]
    torch.testing.assert_close(big[0, 3, 3], 0.75 * row3 + 0.25 * row4)
    small = A.zoom(x, 0.5)
    assert torch.all(small[:, 0, :] < x.max()) and small[:, 0, 0].abs().item() < 1e-6


def test_noise_has_the_requested_spread_and_follows_the_generator() -> None:
    x = torch.zeros(200, 8, 8)
    a = A.add_noise(x, 0.3, generator=torch.Generator().manual_seed(5))
    b = A.add_noise(x, 0.3, generator=torch.Generator().manual_seed(5))
    assert torch.equal(a, b) and abs(a.std().item() - 0.3) < 0.01 and abs(a.mean().item()) < 0.01


def test_random_transform_varies_per_image_and_is_reproducible() -> None:
    x = batch(1).repeat(4, 1, 1)
    gen = lambda: torch.Generator().manual_seed(3)  # noqa: E731
    settings = {"max_degrees": 15, "max_shift": 1, "zoom_range": (0.9, 1.1)}
    out = A.random_transform(x, **settings, generator=gen())
    again = A.random_transform(x, **settings, generator=gen())
    assert torch.equal(out, again) and out.shape == x.shape
    assert not torch.equal(out[0], out[1])  # each image its own draw


def test_whole_pixel_shifts_are_zero_filled_rolls_drawn_evenly() -> None:
    x = batch(1).repeat(3000, 1, 1)
    out = A.random_transform(
        x, max_shift=1.5, whole_pixels=True, generator=torch.Generator().manual_seed(4)
    )
    shifted = {(dx, dy): A.shift(x[:1], dx, dy)[0] for dx in (-1, 0, 1) for dy in (-1, 0, 1)}
    seen = []
    for image in out:
        match = [key for key, ref in shifted.items() if torch.allclose(image, ref, atol=1e-6)]
        assert len(match) == 1  # every output is one of the nine whole-pixel shifts
        seen.append(match[0])
    assert len(set(seen)) == 9
    # each offset is -1, 0 or +1 with probability 1/3 (3000 draws: within 4 standard deviations)
    for axis in (0, 1):
        share = np.mean([key[axis] == 1 for key in seen])
        assert abs(share - 1 / 3) < 4 * (2 / 9 / 3000) ** 0.5


def test_numpy_input_and_bad_input() -> None:
    x = np.ones((2, 4, 4))
    assert isinstance(A.rotate(x, 10), torch.Tensor)
    with pytest.raises(ValueError, match=r"shape \(N, H, W\) or \(N, 1, H, W\)"):
        A.rotate(np.ones((4, 4)), 10)
    with pytest.raises(ValueError, match="finite"):
        A.shift(np.full((1, 4, 4), np.nan), 1, 0)
    with pytest.raises(ValueError, match="factor"):
        A.zoom(x, 0.0)
    with pytest.raises(TypeError, match="zoom_range"):
        A.random_transform(x, zoom_range=1.0)  # type: ignore[arg-type]


def test_augment_plugs_into_fit_per_mini_batch() -> None:
    data = ck.data.load_digits_split(seed=0)
    X, y = torch.as_tensor(data.X_train[:200]), torch.as_tensor(data.y_train[:200])
    seen: list[torch.Tensor] = []

    def spy(rows: torch.Tensor) -> torch.Tensor:
        seen.append(rows)
        return A.flat(lambda im: A.shift(im, 1, 0))(rows)

    model = ck.models.mlp([64, 32, 10], seed=0)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    history = ck.train.fit(model, opt, X, y, epochs=1, batch_size=50, augment=spy, progress=False)
    assert len(seen) == 4 and all(r.shape == (50, 64) for r in seen)  # every training batch
    assert history.steps == 4
    shifted = A.flat(lambda im: A.shift(im, 1, 0))(X[:2])
    assert torch.equal(shifted.reshape(2, 8, 8)[:, :, 1:], X[:2].reshape(2, 8, 8)[:, :, :-1])
    with pytest.raises(ValueError, match="rows of 64 pixels"):
        A.flat(lambda im: im)(torch.ones(2, 63))
