"""Data for the course: bundled handwritten digits, local MNIST files, and 2-D toy sets.

Nothing here downloads anything. The default real data set is scikit-learn's bundled digits
(1,797 grey images of 8 x 8 pixels); MNIST is read from the standard IDX files when they are in
a local folder, and the loader falls back to digits otherwise.
"""

from __future__ import annotations

import gzip
import math
import os
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from . import validate

#: Where :func:`load_mnist_or_digits` looks for MNIST when no folder is given.
MNIST_ENV_VAR = "COURSEKIT_MNIST"
REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MNIST_DIR = REPO_ROOT / "data" / "mnist"

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
#: The most dimensions :func:`read_idx` accepts (MNIST uses 1 for labels and 3 for images).
IDX_MAX_NDIM = 8
#: The default cap on an IDX payload, in bytes: 2 GiB, far above MNIST's 47 MB of training images.
IDX_MAX_BYTES = 2**31
_READ_CHUNK = 1 << 22  # bytes read per call, so a payload is never read much past its end
MNIST_CLASSES = 10


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


def _fraction(name: str, value: Any) -> float:
    return validate.real(name, value, low=0, high=1, low_open=True, high_open=True)


def _path(name: str, value: Any) -> Path:
    if not isinstance(value, (str, os.PathLike)):
        raise TypeError(
            f"{name} must be a str or os.PathLike, got {type(value).__name__} {value!r}"
        )
    return Path(value)


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

    Args:
        X: inputs of shape (n, d), every entry finite (stored as ``float32``).
        y: class labels of shape (n,), integers >= 0 (integral floats such as 2.0 pass).
        val_fraction, test_fraction: shares of the whole set, each in (0, 1), sum < 1.
        seed: an integer >= 0, the ``random_state`` of both scikit-learn splits.
    """
    val_fraction = _fraction("val_fraction", val_fraction)
    test_fraction = _fraction("test_fraction", test_fraction)
    seed = validate.seed("seed", seed)
    if val_fraction + test_fraction >= 1.0:
        raise ValueError(
            "val_fraction + test_fraction must be < 1, got "
            f"{val_fraction} + {test_fraction} = {val_fraction + test_fraction}"
        )
    X = validate.array("X", X, ndim=2, dtype=np.float32)
    y = validate.labels("y", y)
    if y.ndim != 1 or len(X) != len(y):
        raise ValueError(
            f"X must be (n, d) and y (n,) with the same n, got {X.shape} and {y.shape}"
        )
    if len(np.unique(y)) < 2:
        raise ValueError(f"y must hold at least two classes, got only {np.unique(y).tolist()}")
    if image_shape is not None:
        if (
            not isinstance(image_shape, (tuple, list))
            or len(image_shape) != 2
            or int(np.prod(image_shape)) != X.shape[1]
        ):
            raise ValueError(
                f"image_shape must be (height, width) with height * width = {X.shape[1]} "
                f"features, got {image_shape!r}"
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
        tuple(int(s) for s in image_shape) if image_shape is not None else None,
    )


def load_digits_split(
    *, val_fraction: float = 0.2, test_fraction: float = 0.2, seed: int = 0
) -> Dataset:
    """scikit-learn's bundled handwritten digits, scaled to [0, 1], in a stratified split.

    The 8 x 8 images have integer grey levels 0..16; dividing by 16 maps them to [0, 1]
    (simple scaling of image pixels, section 5.4). With the default fractions the split holds
    1,077 training, 360 validation and 360 test images.
    """
    val_fraction = _fraction("val_fraction", val_fraction)
    test_fraction = _fraction("test_fraction", test_fraction)
    seed = validate.seed("seed", seed)
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


def read_idx(path: str | os.PathLike[str], *, max_bytes: int = IDX_MAX_BYTES) -> np.ndarray:
    """Read an array from an IDX file (the MNIST format), gzip-compressed or not.

    Format: two zero bytes, a type code (0x08 unsigned byte ... 0x0E double), the number of
    dimensions k, then k big-endian uint32 sizes, then the data in C order. The file is
    gzip-compressed when its name ends in ``.gz``.

    The header is read and checked before any data: the payload size (the product of the sizes
    times the item size, in Python integers, so it cannot overflow) must not exceed
    ``max_bytes``, and then at most that many bytes plus one are read. A crafted file (a small
    header followed by gigabytes of compressed zeros, or sizes of 2**32 - 1) therefore fails
    quickly and never takes more memory than ``max_bytes``.

    Args:
        path: the file (``str`` or ``os.PathLike``).
        max_bytes: the largest payload accepted, an integer >= 0 (default 2 GiB).

    Raises:
        TypeError: ``path`` is not a path (None, a number ...).
        FileNotFoundError: there is no file at ``path``.
        ValueError: the file is not an IDX file, its header promises more than ``max_bytes``,
            its payload is shorter or longer than the header says, or its gzip stream is
            corrupt or truncated; the message names the file.
    """
    path = _path("path", path)
    max_bytes = validate.integer("max_bytes", max_bytes, low=0)
    if not path.is_file():
        raise FileNotFoundError(f"IDX file not found: {path}")
    compressed = path.name.endswith(".gz")
    opener = gzip.open if compressed else open
    with opener(path, "rb") as handle:
        try:
            return _read_idx_stream(handle, path.name, max_bytes)
        except (EOFError, zlib.error, OSError) as error:  # gzip.BadGzipFile is an OSError
            if not compressed:
                raise
            raise ValueError(
                f"{path.name}: cannot read the IDX data (corrupt or truncated gzip: {error})"
            ) from error


def _read_idx_stream(handle: BinaryIO, name: str, max_bytes: int) -> np.ndarray:
    magic = handle.read(4)
    if (
        len(magic) < 4
        or magic[0] != 0
        or magic[1] != 0
        or magic[2] not in _IDX_DTYPES
        or not 1 <= magic[3] <= IDX_MAX_NDIM
    ):
        codes = " ".join(f"{code:02x}" for code in _IDX_DTYPES)
        raise ValueError(
            f"{name} is not an IDX file (bad magic number {magic.hex() or 'none'}; expected "
            f"00 00, a type code among {codes}, and 1..{IDX_MAX_NDIM} dimensions)"
        )
    dtype = _IDX_DTYPES[magic[2]]
    ndim = magic[3]
    sizes = handle.read(4 * ndim)
    if len(sizes) < 4 * ndim:
        raise ValueError(
            f"{name}: the header is cut short: {ndim} dimensions need {4 * ndim} bytes of "
            f"sizes, but only {len(sizes)} follow"
        )
    shape = tuple(int.from_bytes(sizes[i : i + 4], "big") for i in range(0, 4 * ndim, 4))
    expected = math.prod(shape) * dtype.itemsize
    if expected > max_bytes:
        raise ValueError(
            f"{name}: the header promises shape {shape} of {dtype.name}, {expected:,} bytes, "
            f"more than max_bytes={max_bytes:,} (pass a larger max_bytes to read_idx if the "
            "file is genuine)"
        )
    # Filled chunk by chunk, so memory grows only with the bytes actually present.
    buffer = np.empty(expected, dtype=np.uint8)
    view = memoryview(buffer)
    filled = 0
    while filled < expected:
        count = handle.readinto(view[filled : filled + _READ_CHUNK])
        if not count:
            break
        filled += count
    if filled < expected:
        raise ValueError(
            f"{name}: the header promises shape {shape} ({expected} bytes) but {filled} bytes "
            "follow"
        )
    if handle.read(1):
        raise ValueError(
            f"{name}: the header promises shape {shape} ({expected} bytes) but more bytes "
            "follow (the file is longer than its header says)"
        )
    array = buffer.view(dtype)
    native = dtype.newbyteorder("=")
    if array.dtype != native:
        array = array.byteswap(inplace=True).view(native)
    return array.reshape(shape)


def write_idx(path: str | os.PathLike[str], array: np.ndarray) -> Path:
    """Write ``array`` as an IDX file (gzip-compressed when the name ends in ``.gz``).

    The array needs 1..8 dimensions, each below 2**32, and a dtype with an IDX type code
    (uint8, int8, int16, int32, float32, float64), so that :func:`read_idx` reads it back.
    """
    path = _path("path", path)
    array = np.asarray(array)
    if array.dtype.byteorder not in ("=", "|"):  # big- or little-endian data: native first
        array = array.astype(array.dtype.newbyteorder("="))
    codes = {np.dtype(v).newbyteorder("="): k for k, v in _IDX_DTYPES.items()}
    code = codes.get(array.dtype)
    if code is None:
        raise ValueError(f"array dtype {array.dtype} has no IDX type code")
    if not 1 <= array.ndim <= IDX_MAX_NDIM or max(array.shape, default=0) >= 2**32:
        raise ValueError(
            f"array must have 1..{IDX_MAX_NDIM} dimensions, each below 2**32, "
            f"got shape {array.shape}"
        )
    header = bytes([0, 0, code, array.ndim]) + np.asarray(array.shape, dtype=">u4").tobytes()
    payload = header + array.astype(array.dtype.newbyteorder(">")).tobytes()
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "wb") as handle:
        handle.write(payload)
    return path


def _find_idx(folder: Path, stem: str) -> Path | None:
    for candidate in (folder / stem, folder / f"{stem}.gz"):
        if candidate.is_file():
            return candidate
    return None


def _missing_mnist_files(folder: Path) -> list[str]:
    return [stem for stem in MNIST_FILES.values() if _find_idx(folder, stem) is None]


def _mnist_part(
    part: str, images: np.ndarray, labels: np.ndarray, images_path: Path, labels_path: Path
) -> tuple[np.ndarray, np.ndarray]:
    """One part's images as (n, height*width) float32 in [0, 1] and labels as int64 in 0..9."""
    if images.ndim != 3:
        raise ValueError(
            f"{images_path.name}: images must be a 3-D array (n, height, width), "
            f"got shape {images.shape}"
        )
    if labels.ndim != 1:
        raise ValueError(f"{labels_path.name}: labels must be 1-D, got shape {labels.shape}")
    if len(images) != len(labels):
        raise ValueError(
            f"MNIST {part} files disagree: images {images.shape}, labels {labels.shape}"
        )
    if len(images) == 0 or 0 in images.shape[1:]:
        raise ValueError(f"{images_path.name}: holds no images or empty ones, shape {images.shape}")
    if labels.dtype.kind not in "iu":
        raise ValueError(f"{labels_path.name}: labels must be integers, got dtype {labels.dtype}")
    bad = np.flatnonzero((labels < 0) | (labels >= MNIST_CLASSES))
    if bad.size:
        i = int(bad[0])
        raise ValueError(
            f"{labels_path.name}: labels must lie in 0..{MNIST_CLASSES - 1}, but label "
            f"{labels[i]} at index {i} does not ({bad.size} bad label(s) in all)"
        )
    flat = images.reshape(len(images), -1)
    if images.dtype.kind in "iu":
        _pixels_within(flat, 0, 255, "integer pixels must lie in 0..255", images_path)
        X = flat.astype(np.float32) / 255.0
    else:  # float pixels: already scaled, used as is
        validate.finite_rows(f"the pixels of {images_path.name}", flat)
        what = "float pixels must already lie in [0, 1] (they are used as is)"
        _pixels_within(flat, 0, 1, what, images_path)
        X = flat.astype(np.float32)
    return X, labels.astype(np.int64)


def _pixels_within(flat: np.ndarray, low: float, high: float, what: str, path: Path) -> None:
    """ValueError naming the file and the first image with a pixel outside [low, high]."""
    outside = (flat < low) | (flat > high)
    if outside.any():
        i, j = (int(k) for k in np.argwhere(outside)[0])
        raise ValueError(f"{path.name}: {what}, but image {i} holds {flat[i, j]}")


def load_mnist(
    folder: str | os.PathLike[str], *, val_fraction: float = 1 / 6, seed: int = 0
) -> Dataset:
    """MNIST from the four standard IDX files in ``folder`` (each gzip-compressed or not).

    Pixels are scaled from 0..255 to [0, 1] (float files whose pixels already lie in [0, 1] are
    used as is) and images flattened to 784 features. The 60,000 training images are split
    (stratified, seeded) into training and validation parts; the 10,000 ``t10k`` images are the
    test set.

    Args:
        folder: the folder holding the four files (``str`` or ``os.PathLike``).
        val_fraction: the share of the training images held out for validation, in (0, 1).
        seed: an integer >= 0, the ``random_state`` of the split.

    Raises:
        FileNotFoundError: a file is missing; the message names every missing file.
        ValueError: a file is not valid IDX (see :func:`read_idx`), images are not 3-D
            (n, height, width), labels not 1-D integers in 0..9, the image and label counts
            differ, training and test images differ in height x width, or pixels lie outside
            0..255 (integers) or [0, 1] (floats).
    """
    folder = _path("folder", folder)
    val_fraction = _fraction("val_fraction", val_fraction)
    seed = validate.seed("seed", seed)
    paths = {key: _find_idx(folder, stem) for key, stem in MNIST_FILES.items()}
    missing = [MNIST_FILES[key] for key, path in paths.items() if path is None]
    if missing:
        raise FileNotFoundError(
            f"MNIST files missing in {folder}: {', '.join(missing)} (each may end in .gz)"
        )
    found: dict[str, Path] = {key: path for key, path in paths.items() if path is not None}
    arrays = {key: read_idx(path) for key, path in found.items()}
    parts = {
        part: _mnist_part(
            part,
            arrays[f"{part}_images"],
            arrays[f"{part}_labels"],
            found[f"{part}_images"],
            found[f"{part}_labels"],
        )
        for part in ("train", "test")
    }
    size = arrays["train_images"].shape[1:]
    test_size = arrays["test_images"].shape[1:]
    if size != test_size:
        raise ValueError(
            f"MNIST training and test images differ in size: {found['train_images'].name} "
            f"holds {size[0]}x{size[1]} images, {found['test_images'].name} "
            f"{test_size[0]}x{test_size[1]}"
        )
    X, y = parts["train"]
    X_train, X_val, y_train, y_val = train_test_split(
        X, y, test_size=val_fraction, stratify=y, random_state=seed
    )
    X_test, y_test = parts["test"]
    return Dataset(
        "mnist",
        X_train,
        y_train,
        X_val,
        y_val,
        X_test,
        y_test,
        MNIST_CLASSES,
        (int(size[0]), int(size[1])),
    )


def load_mnist_or_digits(folder: str | os.PathLike[str] | None = None, *, seed: int = 0) -> Dataset:
    """MNIST when its files are present locally, otherwise the bundled digits (said in one line).

    The folder is ``folder``, else the environment variable ``COURSEKIT_MNIST``, else
    ``data/mnist`` in the repository. When only some of the four files are there, the line names
    the missing ones.
    """
    if folder is not None:
        _path("folder", folder)
    seed = validate.seed("seed", seed)
    if folder is not None and not str(folder):
        raise ValueError("folder must name a folder, got an empty string (None looks it up)")
    chosen = Path(folder or os.environ.get(MNIST_ENV_VAR) or DEFAULT_MNIST_DIR)
    try:
        return load_mnist(chosen, seed=seed)
    except FileNotFoundError:
        missing = _missing_mnist_files(chosen)
        detail = f"missing {', '.join(missing)}; " if 0 < len(missing) < len(MNIST_FILES) else ""
        # inside the repository, the path from its root (data/mnist); elsewhere the folder's name
        # only, so that a stored notebook output does not depend on where a clone lives
        resolved = chosen.resolve()
        shown = (
            f"the repository's {resolved.relative_to(REPO_ROOT).as_posix()}"
            if resolved.is_relative_to(REPO_ROOT)
            else chosen.name
        )
        print(f"MNIST not found in {shown}/; using the bundled 8x8 digits instead.")
        print(f"({detail}set {MNIST_ENV_VAR} to MNIST's folder to use it.)")
        return load_digits_split(seed=seed)


def make_moons(
    n: int = 400, *, noise: float = 0.15, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles in 2-D, ``n`` points, labels 0/1 (made in code).

    Class 0 lies on (cos t, sin t), class 1 on (1 - cos t, 0.5 - sin t), t in [0, pi], plus
    Gaussian noise of standard deviation ``noise``.

    Args:
        n: the number of points, an integer >= 2.
        noise: the noise's standard deviation, a real number >= 0.
        seed: an integer >= 0 for NumPy's generator.
    """
    n = validate.integer("n", n, low=2)
    noise = validate.real("noise", noise, low=0)
    rng = np.random.default_rng(validate.seed("seed", seed))
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

    Args:
        n: the number of points, an integer >= ``classes``.
        classes: the number of arms, an integer >= 2.
        noise: the angular noise's standard deviation, a real number >= 0.
        turns: how many turns an arm makes, a finite real number.
        seed: an integer >= 0 for NumPy's generator.
    """
    classes = validate.integer("classes", classes, low=2)
    n = validate.integer("n", n)
    if n < classes:
        raise ValueError(f"n must be >= classes ({classes}), got {n}")
    noise = validate.real("noise", noise, low=0)
    turns = validate.real("turns", turns)
    rng = np.random.default_rng(validate.seed("seed", seed))
    labels = np.arange(n) % classes
    r = np.concatenate([np.linspace(0.05, 1.0, int(np.sum(labels == k))) for k in range(classes)])
    y = np.concatenate([np.full(int(np.sum(labels == k)), k) for k in range(classes)])
    angle = 2 * np.pi * (turns * r + y / classes) + noise * rng.standard_normal(n)
    X = np.stack([r * np.sin(angle), r * np.cos(angle)], axis=1)
    order = rng.permutation(n)
    return X[order].astype(np.float32), y[order].astype(np.int64)
