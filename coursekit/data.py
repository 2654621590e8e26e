"""Data for the course: bundled handwritten digits, local MNIST files, and 2-D toy sets.

Nothing here downloads anything. The default real data set is scikit-learn's bundled digits
(1,797 grey images of 8 x 8 pixels); MNIST is read from the standard IDX files when they are in
a local folder, and the loader falls back to digits otherwise.
"""

from __future__ import annotations

import gzip
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

#: Where :func:`load_mnist_or_digits` looks for MNIST when no folder is given.
MNIST_ENV_VAR = "COURSEKIT_MNIST"
DEFAULT_MNIST_DIR = Path(__file__).resolve().parent.parent / "data" / "mnist"

MNIST_FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}

# The IDX type codes (third byte of the magic number) and the big-endian dtypes they stand for.
_IDX_DTYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


@dataclass(frozen=True)
class Dataset:
    """A classification data set split into training, validation and test parts.

    Inputs are ``float32`` arrays of shape (n, d) scaled to [0, 1]; labels are ``int64`` of
    shape (n,). ``image_shape`` says how a row is drawn as an image (``None`` for 2-D toys).
    """

    name: str
    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    n_classes: int
    image_shape: tuple[int, int] | None = None

    @property
    def n_features(self) -> int:
        return int(self.X_train.shape[1])

    def __repr__(self) -> str:
        return (
            f"Dataset({self.name!r}: train {self.X_train.shape}, val {self.X_val.shape}, "
            f"test {self.X_test.shape}, {self.n_classes} classes)"
        )


def _check_fraction(name: str, value: float) -> None:
    if not 0.0 < value < 1.0:
        raise ValueError(f"{name} must be in (0, 1), got {value!r}")


def split_dataset(
    X: np.ndarray,
    y: np.ndarray,
    *,
    name: str,
    val_fraction: float = 0.2,
    test_fraction: float = 0.2,
    seed: int = 0,
    image_shape: tuple[int, int] | None = None,
) -> Dataset:
    """Split (X, y) into stratified training, validation and test parts with a fixed seed.

    Stratified means every part keeps the class proportions of the whole set, so a small
    validation set still contains every class.
    """
    _check_fraction("val_fraction", val_fraction)
    _check_fraction("test_fraction", test_fraction)
    if val_fraction + test_fraction >= 1.0:
        raise ValueError(
            "val_fraction + test_fraction must be < 1, got "
            f"{val_fraction} + {test_fraction} = {val_fraction + test_fraction}"
        )
    X = np.asarray(X, dtype=np.float32)
    y = np.asarray(y, dtype=np.int64)
    if X.ndim != 2 or y.ndim != 1 or len(X) != len(y):
        raise ValueError(
            f"X must be (n, d) and y (n,) with the same n, got {X.shape} and {y.shape}"
        )
    X_rest, X_test, y_rest, y_test = train_test_split(
        X, y, test_size=test_fraction, stratify=y, random_state=seed
    )
    X_train, X_val, y_train, y_val = train_test_split(
        X_rest,
        y_rest,
        test_size=val_fraction / (1.0 - test_fraction),
        stratify=y_rest,
        random_state=seed,
    )
    return Dataset(
        name,
        X_train,
        y_train,
        X_val,
        y_val,
        X_test,
        y_test,
        int(y.max()) + 1,
        image_shape,
    )


def load_digits_split(
    *, val_fraction: float = 0.2, test_fraction: float = 0.2, seed: int = 0
) -> Dataset:
    """scikit-learn's bundled handwritten digits, scaled to [0, 1], in a stratified split.

    The 8 x 8 images have integer grey levels 0..16; dividing by 16 maps them to [0, 1]
    (simple scaling of image pixels, section 5.4). With the default fractions the split holds
    1,077 training, 360 validation and 360 test images.
    """
    digits = load_digits()
    X = digits.data.astype(np.float32) / 16.0
    return split_dataset(
        X,
        digits.target,
        name="digits",
        val_fraction=val_fraction,
        test_fraction=test_fraction,
        seed=seed,
        image_shape=(8, 8),
    )


def read_idx(path: str | os.PathLike[str]) -> np.ndarray:
    """Read an array from an IDX file (the MNIST format), gzip-compressed or not.

    Format: two zero bytes, a type code (0x08 unsigned byte ... 0x0E double), the number of
    dimensions k, then k big-endian uint32 sizes, then the data in C order.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"IDX file not found: {path}")
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as handle:
        raw = handle.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_DTYPES:
        raise ValueError(f"{path.name} is not an IDX file (bad magic number {raw[:4].hex()})")
    dtype = _IDX_DTYPES[raw[2]]
    ndim = raw[3]
    header = 4 + 4 * ndim
    shape = tuple(int(s) for s in np.frombuffer(raw[4:header], dtype=">u4"))
    expected = int(np.prod(shape)) * dtype.itemsize
    if len(raw) - header != expected:
        raise ValueError(
            f"{path.name}: the header promises shape {shape} ({expected} bytes) but "
            f"{len(raw) - header} bytes follow"
        )
    return (
        np.frombuffer(raw, dtype=dtype, offset=header)
        .reshape(shape)
        .astype(dtype.newbyteorder("="))
    )


def write_idx(path: str | os.PathLike[str], array: np.ndarray) -> Path:
    """Write ``array`` as an IDX file (gzip-compressed when the name ends in ``.gz``)."""
    array = np.asarray(array)
    codes = {np.dtype(v).newbyteorder("="): k for k, v in _IDX_DTYPES.items()}
    code = codes.get(array.dtype)
    if code is None:
        raise ValueError(f"array dtype {array.dtype} has no IDX type code")
    header = bytes([0, 0, code, array.ndim]) + np.asarray(array.shape, dtype=">u4").tobytes()
    payload = header + array.astype(array.dtype.newbyteorder(">")).tobytes()
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "wb") as handle:
        handle.write(payload)
    return path


def _find_idx(folder: Path, stem: str) -> Path | None:
    for candidate in (folder / stem, folder / f"{stem}.gz"):
        if candidate.is_file():
            return candidate
    return None


def load_mnist(
    folder: str | os.PathLike[str], *, val_fraction: float = 1 / 6, seed: int = 0
) -> Dataset:
    """MNIST from the four standard IDX files in ``folder`` (each gzip-compressed or not).

    Pixels are scaled from 0..255 to [0, 1] and images flattened to 784 features. The 60,000
    training images are split (stratified, seeded) into training and validation parts; the
    10,000 ``t10k`` images are the test set.
    """
    _check_fraction("val_fraction", val_fraction)
    folder = Path(folder)
    paths = {key: _find_idx(folder, stem) for key, stem in MNIST_FILES.items()}
    missing = [MNIST_FILES[key] for key, path in paths.items() if path is None]
    if missing:
        raise FileNotFoundError(
            f"MNIST files missing in {folder}: {', '.join(missing)} (each may end in .gz)"
        )
    arrays = {key: read_idx(path) for key, path in paths.items()}  # type: ignore[arg-type]
    for part in ("train", "test"):
        images, labels = arrays[f"{part}_images"], arrays[f"{part}_labels"]
        if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
            raise ValueError(
                f"MNIST {part} files disagree: images {images.shape}, labels {labels.shape}"
            )
    height, width = arrays["train_images"].shape[1:]
    X = arrays["train_images"].reshape(len(arrays["train_images"]), -1).astype(np.float32) / 255.0
    y = arrays["train_labels"].astype(np.int64)
    X_train, X_val, y_train, y_val = train_test_split(
        X, y, test_size=val_fraction, stratify=y, random_state=seed
    )
    X_test = arrays["test_images"].reshape(len(arrays["test_images"]), -1)
    return Dataset(
        "mnist",
        X_train,
        y_train,
        X_val,
        y_val,
        X_test.astype(np.float32) / 255.0,
        arrays["test_labels"].astype(np.int64),
        int(y.max()) + 1,
        (int(height), int(width)),
    )


def load_mnist_or_digits(folder: str | os.PathLike[str] | None = None, *, seed: int = 0) -> Dataset:
    """MNIST when its files are present locally, otherwise the bundled digits (said in one line).

    The folder is ``folder``, else the environment variable ``COURSEKIT_MNIST``, else
    ``data/mnist`` in the repository.
    """
    chosen = Path(folder or os.environ.get(MNIST_ENV_VAR) or DEFAULT_MNIST_DIR)
    try:
        return load_mnist(chosen, seed=seed)
    except FileNotFoundError:
        print(
            f"MNIST not found in {chosen.name}/ (set {MNIST_ENV_VAR} to its folder); "
            "using the bundled 8x8 digits instead."
        )
        return load_digits_split(seed=seed)


def make_moons(
    n: int = 400, *, noise: float = 0.15, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles in 2-D, ``n`` points, labels 0/1 (made in code).

    Class 0 lies on (cos t, sin t), class 1 on (1 - cos t, 0.5 - sin t), t in [0, pi], plus
    Gaussian noise of standard deviation ``noise``.
    """
    if n < 2:
        raise ValueError(f"n must be >= 2, got {n}")
    if noise < 0:
        raise ValueError(f"noise must be >= 0, got {noise}")
    rng = np.random.default_rng(seed)
    n0 = n // 2
    t0 = np.linspace(0.0, np.pi, n0)
    t1 = np.linspace(0.0, np.pi, n - n0)
    X = np.concatenate(
        [np.stack([np.cos(t0), np.sin(t0)], 1), np.stack([1 - np.cos(t1), 0.5 - np.sin(t1)], 1)]
    )
    X += noise * rng.standard_normal(X.shape)
    y = np.concatenate([np.zeros(n0), np.ones(n - n0)]).astype(np.int64)
    order = rng.permutation(n)
    return X[order].astype(np.float32), y[order]


def make_spirals(
    n: int = 600, *, classes: int = 3, noise: float = 0.2, turns: float = 1.0, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """``classes`` interleaved spiral arms in 2-D, ``n`` points in all (made in code).

    Arm k is r * (sin a, cos a) with r in [0, 1] and a = 2*pi*(turns*r + k/classes), plus angular
    noise of standard deviation ``noise`` (radians).
    """
    if classes < 2:
        raise ValueError(f"classes must be >= 2, got {classes}")
    if n < classes:
        raise ValueError(f"n must be >= classes ({classes}), got {n}")
    if noise < 0:
        raise ValueError(f"noise must be >= 0, got {noise}")
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % classes
    r = np.concatenate([np.linspace(0.05, 1.0, int(np.sum(labels == k))) for k in range(classes)])
    y = np.concatenate([np.full(int(np.sum(labels == k)), k) for k in range(classes)])
    angle = 2 * np.pi * (turns * r + y / classes) + noise * rng.standard_normal(n)
    X = np.stack([r * np.sin(angle), r * np.cos(angle)], axis=1)
    order = rng.permutation(n)
    return X[order].astype(np.float32), y[order].astype(np.int64)
