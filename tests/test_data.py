"""coursekit.data: digits split, IDX/MNIST loader with fall-back, toy 2-D sets."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.datasets import make_moons as sk_make_moons

import coursekit as ck
from coursekit.data import (
    MNIST_FILES,
    load_mnist,
    load_mnist_or_digits,
    make_moons,
    make_spirals,
    read_idx,
    write_idx,
)


def test_digits_split_sizes_range_and_types(digits: ck.data.Dataset) -> None:
    assert (len(digits.X_train), len(digits.X_val), len(digits.X_test)) == (1077, 360, 360)
    assert digits.n_features == 64 and digits.n_classes == 10 and digits.image_shape == (8, 8)
    for X in (digits.X_train, digits.X_val, digits.X_test):
        assert X.dtype == np.float32 and X.min() >= 0.0 and X.max() <= 1.0
    assert digits.y_train.dtype == np.int64
    assert digits.X_train.max() == 1.0  # grey level 16 maps to 1


def test_digits_split_is_a_partition_of_the_bundled_data(digits: ck.data.Dataset) -> None:
    original = load_digits().data / 16.0
    parts = np.concatenate([digits.X_train, digits.X_val, digits.X_test])
    assert len(parts) == len(original)
    key = lambda rows: sorted(map(bytes, np.round(rows * 16).astype(np.uint8)))  # noqa: E731
    assert key(parts) == key(original)


def test_digits_split_is_stratified(digits: ck.data.Dataset) -> None:
    whole = np.bincount(load_digits().target) / 1797
    for y in (digits.y_train, digits.y_val, digits.y_test):
        share = np.bincount(y, minlength=10) / len(y)
        assert np.max(np.abs(share - whole)) < 2 / len(y) + 1e-9


def test_digits_split_depends_only_on_the_seed() -> None:
    a, b = ck.data.load_digits_split(seed=5), ck.data.load_digits_split(seed=5)
    c = ck.data.load_digits_split(seed=6)
    np.testing.assert_array_equal(a.X_train, b.X_train)
    assert not np.array_equal(a.X_train, c.X_train)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"val_fraction": 0.0}, "val_fraction must be in"),
        ({"test_fraction": 1.0}, "test_fraction must be in"),
        ({"val_fraction": 0.5, "test_fraction": 0.5}, "must be < 1"),
    ],
)
def test_digits_split_rejects_bad_fractions(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ck.data.load_digits_split(**kwargs)


@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64])
@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_idx_round_trip(tmp_path: Path, rng: np.random.Generator, dtype: type, suffix: str) -> None:
    array = (rng.standard_normal((3, 4, 5)) * 50).astype(dtype)
    path = write_idx(tmp_path / f"a-idx3{suffix}", array)
    back = read_idx(path)
    assert back.dtype == np.dtype(dtype) and back.shape == (3, 4, 5)
    np.testing.assert_array_equal(back, array)


def test_idx_header_is_the_documented_format(tmp_path: Path) -> None:
    path = write_idx(tmp_path / "labels-idx1-ubyte", np.array([7, 2, 1], dtype=np.uint8))
    assert path.read_bytes() == bytes([0, 0, 8, 1, 0, 0, 0, 3, 7, 2, 1])


def test_idx_rejects_bad_files(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="IDX file not found"):
        read_idx(tmp_path / "missing")
    bad = tmp_path / "bad"
    bad.write_bytes(b"\x12\x34\x08\x01\x00\x00\x00\x01\x00")
    with pytest.raises(ValueError, match="not an IDX file"):
        read_idx(bad)
    short = tmp_path / "short"
    short.write_bytes(bytes([0, 0, 8, 1, 0, 0, 0, 5, 1, 2]))
    with pytest.raises(ValueError, match="promises shape"):
        read_idx(short)


def write_tiny_mnist(folder: Path, rng: np.random.Generator, *, gz: bool) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    suffix = ".gz" if gz else ""
    train_y = np.tile(np.arange(10, dtype=np.uint8), 6)  # 60 images, 6 per class
    test_y = np.arange(10, dtype=np.uint8).repeat(2)
    write_idx(
        folder / (MNIST_FILES["train_images"] + suffix),
        rng.integers(0, 256, (60, 28, 28)).astype(np.uint8),
    )
    write_idx(folder / (MNIST_FILES["train_labels"] + suffix), train_y)
    write_idx(
        folder / (MNIST_FILES["test_images"] + suffix),
        rng.integers(0, 256, (20, 28, 28)).astype(np.uint8),
    )
    write_idx(folder / (MNIST_FILES["test_labels"] + suffix), test_y)


@pytest.mark.parametrize("gz", [False, True])
def test_load_mnist_reads_a_local_folder(
    tmp_path: Path, rng: np.random.Generator, gz: bool
) -> None:
    write_tiny_mnist(tmp_path, rng, gz=gz)
    mnist = load_mnist(tmp_path, val_fraction=0.5)
    assert mnist.name == "mnist" and mnist.image_shape == (28, 28) and mnist.n_classes == 10
    assert mnist.X_train.shape == (30, 784) and mnist.X_val.shape == (30, 784)
    assert mnist.X_test.shape == (20, 784)
    assert 0.0 <= mnist.X_train.min() and mnist.X_train.max() <= 1.0
    raw = read_idx(tmp_path / (MNIST_FILES["test_images"] + (".gz" if gz else "")))
    np.testing.assert_allclose(mnist.X_test[0], raw[0].ravel() / 255.0, rtol=1e-6)
    assert np.bincount(mnist.y_val).tolist() == [3] * 10  # stratified


def test_load_mnist_names_the_missing_files(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="t10k-labels-idx1-ubyte"):
        load_mnist(tmp_path)


def test_load_mnist_rejects_inconsistent_files(tmp_path: Path, rng: np.random.Generator) -> None:
    write_tiny_mnist(tmp_path, rng, gz=False)
    write_idx(tmp_path / MNIST_FILES["test_labels"], np.zeros(3, dtype=np.uint8))
    with pytest.raises(ValueError, match="MNIST test files disagree"):
        load_mnist(tmp_path)


def test_fall_back_to_digits_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = load_mnist_or_digits(tmp_path / "nowhere")
    assert data.name == "digits"
    out = capsys.readouterr().out
    assert "MNIST not found" in out and "bundled 8x8 digits" in out
    assert out.count("\n") == 1


def test_mnist_folder_from_the_environment(
    tmp_path: Path, rng: np.random.Generator, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_tiny_mnist(tmp_path, rng, gz=True)
    monkeypatch.setenv("COURSEKIT_MNIST", str(tmp_path))
    assert load_mnist_or_digits().name == "mnist"


def test_moons_match_scikit_learn_without_noise() -> None:
    X, y = make_moons(200, noise=0.0)
    X_ref, y_ref = sk_make_moons(200, noise=0.0, shuffle=False)
    for label in (0, 1):
        ours = np.sort(X[y == label].astype(float), axis=0)
        ref = np.sort(X_ref[y_ref == label], axis=0)
        np.testing.assert_allclose(ours, ref, atol=1e-6)


def test_toy_sets_are_seeded_balanced_and_checked() -> None:
    X, y = make_spirals(300, classes=3, noise=0.1, seed=1)
    assert X.shape == (300, 2) and np.bincount(y).tolist() == [100, 100, 100]
    assert np.all(np.linalg.norm(X, axis=1) <= 1.0 + 1e-6)
    X2, _ = make_spirals(300, classes=3, noise=0.1, seed=1)
    np.testing.assert_array_equal(X, X2)
    Xm, ym = make_moons(101, seed=2)
    assert Xm.shape == (101, 2) and np.bincount(ym).tolist() == [50, 51]
    with pytest.raises(ValueError, match="classes must be >= 2"):
        make_spirals(10, classes=1)
    with pytest.raises(ValueError, match="noise must be >= 0"):
        make_moons(10, noise=-1)
    with pytest.raises(ValueError, match="n must be >= 2"):
        make_moons(1)


def test_gzip_idx_is_really_compressed(tmp_path: Path) -> None:
    path = write_idx(tmp_path / "z.gz", np.zeros((100, 100), dtype=np.uint8))
    assert path.stat().st_size < 1000
    with gzip.open(path, "rb") as handle:
        assert handle.read(4) == bytes([0, 0, 8, 2])
