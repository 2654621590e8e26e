"""coursekit.data: digits split, IDX/MNIST loader with fall-back, toy 2-D sets."""

from __future__ import annotations

import gzip
import io
import json
import re
import subprocess
import sys
import textwrap
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
    assert out.count("\n") == 2 and all(len(line) <= 95 for line in out.splitlines())


def test_the_fall_back_names_the_default_folder_from_the_repository(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import coursekit.data as data_module

    monkeypatch.delenv("COURSEKIT_MNIST", raising=False)
    monkeypatch.setattr(data_module, "DEFAULT_MNIST_DIR", data_module.REPO_ROOT / "data" / "absent")
    assert load_mnist_or_digits().name == "digits"
    assert "MNIST not found in the repository's data/absent/; " in capsys.readouterr().out


def test_the_optimizer_comparison_of_5_3_runs_on_real_mnist_files(
    tmp_path: Path, rng: np.random.Generator, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the MNIST branch of 5.3 section 9, on IDX files written here: 784 inputs, 10 classes
    import torch

    import coursekit as ck

    write_tiny_mnist(tmp_path, rng, gz=False)
    monkeypatch.setenv("COURSEKIT_MNIST", str(tmp_path))
    compare_data = load_mnist_or_digits()
    assert compare_data.name == "mnist" and compare_data.n_features == 784
    n_train = min(len(compare_data.X_train), 6000)
    Xc = torch.as_tensor(compare_data.X_train[:n_train])
    yc = torch.as_tensor(compare_data.y_train[:n_train])
    make = {
        "SGD": lambda p: ck.optim.SGD(p, lr=1e-3),
        "Adam": lambda p: ck.optim.Adam(p, lr=1e-3),
    }
    histories = ck.train.train_variants(
        make,
        Xc,
        yc,
        hidden=[128],
        n_classes=compare_data.n_classes,
        seed=0,
        batch_size=min(128, n_train),  # 128 in the notebook, on 6,000 images
        epochs=2,
        progress=False,
    )
    for history in histories.values():
        assert len(history.train_loss) == 3 and np.all(np.isfinite(history.train_loss))


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
    with pytest.raises(ValueError, match="classes must be an integer >= 2"):
        make_spirals(10, classes=1)
    with pytest.raises(ValueError, match="noise must be >= 0"):
        make_moons(10, noise=-1)
    with pytest.raises(ValueError, match="n must be an integer >= 2"):
        make_moons(1)


def test_gzip_idx_is_really_compressed(tmp_path: Path) -> None:
    path = write_idx(tmp_path / "z.gz", np.zeros((100, 100), dtype=np.uint8))
    assert path.stat().st_size < 1000
    with gzip.open(path, "rb") as handle:
        assert handle.read(4) == bytes([0, 0, 8, 2])


# --- IDX files that lie: bounded reading and validation ---------------------------------------


def idx_header(code: int, shape: tuple[int, ...]) -> bytes:
    return bytes([0, 0, code, len(shape)]) + b"".join(s.to_bytes(4, "big") for s in shape)


def write_raw(path: Path, data: bytes) -> Path:
    if path.name.endswith(".gz"):
        with gzip.GzipFile(path, "wb", mtime=0) as handle:
            handle.write(data)
    else:
        path.write_bytes(data)
    return path


def zeros_member(mib: int) -> bytes:
    """One gzip member holding ``mib`` MiB of zeros, streamed through GzipFile 1 MiB at a time."""
    out = io.BytesIO()
    chunk = bytes(1 << 20)
    with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=9, mtime=0) as handle:
        for _ in range(mib):
            handle.write(chunk)
    return out.getvalue()


def write_gzip_bomb(path: Path, header: bytes, gib: int = 2) -> Path:
    """A ~1 MB-per-GiB gzip file: ``header`` then ``gib`` GiB of zeros.

    Concatenated gzip members form one stream for every gzip reader (RFC 1952), so one member of
    64 MiB of zeros (~65 kB compressed) repeated 16 times per GiB builds the file in a fraction
    of a second instead of compressing gigabytes.
    """
    member = zeros_member(64)
    path.write_bytes(gzip.compress(header, mtime=0) + member * (16 * gib))
    return path


PEAK_MEMORY_CHILD = textwrap.dedent(
    """
    import json, resource, sys, time
    from coursekit.data import read_idx

    scale = 1 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes on macOS, else KiB
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale
    start = time.perf_counter()
    try:
        read_idx(sys.argv[1])
        error = None
    except Exception as exc:
        error = [type(exc).__name__, str(exc)]
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale
    print(json.dumps({"error": error, "growth_mb": (after - before) / 1e6, "seconds": seconds}))
    """
)


@pytest.mark.parametrize(
    ("header", "message"),
    [
        # a small, valid-looking header followed by 2 GiB of zeros: too long, stop reading
        (idx_header(0x08, (10, 28, 28)), r"promises shape \(10, 28, 28\).*more bytes follow"),
        # a header promising 4.7 GB: refused before any data is read
        (idx_header(0x08, (6_000_000, 28, 28)), r"4,704,000,000 bytes, more than max_bytes"),
    ],
    ids=["small-header-then-gigabytes", "huge-header"],
)
def test_gzip_bomb_fails_fast_with_bounded_memory(
    tmp_path: Path, header: bytes, message: str
) -> None:
    pytest.importorskip("resource")
    bomb = write_gzip_bomb(tmp_path / "bomb-idx3-ubyte.gz", header, gib=2)
    assert 1.5e6 < bomb.stat().st_size < 3e6  # ~2 MB on disk, 2 GiB + 16 bytes decompressed
    result = subprocess.run(
        [sys.executable, "-c", PEAK_MEMORY_CHILD, str(bomb)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["error"] is not None and report["error"][0] == "ValueError"
    assert "bomb-idx3-ubyte.gz" in report["error"][1]
    assert re.search(message, report["error"][1])
    assert report["growth_mb"] < 200, report
    assert report["seconds"] < 5, report


@pytest.mark.parametrize("code", [0x08, 0x0E])
def test_idx_overflowing_dimensions_are_refused(tmp_path: Path, code: int) -> None:
    path = write_raw(tmp_path / "huge-idx2", idx_header(code, (0xFFFFFFFF, 0xFFFFFFFF)) + b"\0")
    with pytest.raises(ValueError, match=r"huge-idx2: .*\(4294967295, 4294967295\).*max_bytes="):
        read_idx(path)


def test_idx_max_bytes_is_the_payload_cap(tmp_path: Path) -> None:
    path = write_idx(tmp_path / "a-idx2.gz", np.arange(12, dtype=np.int32).reshape(3, 4))
    np.testing.assert_array_equal(read_idx(path, max_bytes=48), np.arange(12).reshape(3, 4))
    with pytest.raises(ValueError, match=r"48 bytes, more than max_bytes=47"):
        read_idx(path, max_bytes=47)
    with pytest.raises(TypeError, match="max_bytes must be an integer"):
        read_idx(path, max_bytes=1e9)
    with pytest.raises(ValueError, match="max_bytes must be an integer >= 0"):
        read_idx(path, max_bytes=-1)


def test_idx_zero_sized_dimension_reads_an_empty_array(tmp_path: Path) -> None:
    path = write_raw(tmp_path / "empty-idx2", idx_header(0x08, (0, 0xFFFFFFFF)))
    assert read_idx(path).shape == (0, 0xFFFFFFFF)


@pytest.mark.parametrize("cut", [1, 8, 20, 200])
def test_idx_truncated_gzip_is_a_value_error_naming_the_file(tmp_path: Path, cut: int) -> None:
    # cut 1 or 8: only the CRC/size trailer is damaged; 20, 200: the data is cut short too
    path = write_idx(tmp_path / "cut-idx1-ubyte.gz", np.arange(256, dtype=np.uint8))
    path.write_bytes(path.read_bytes()[:-cut])
    with pytest.raises(ValueError, match=r"cut-idx1-ubyte.gz: .*corrupt or truncated gzip"):
        read_idx(path)


def test_idx_corrupt_gzip_is_a_value_error(tmp_path: Path, rng: np.random.Generator) -> None:
    not_gzip = write_raw(tmp_path / "plain-idx1", idx_header(0x08, (3,)) + b"abc")
    renamed = not_gzip.rename(tmp_path / "plain-idx1.gz")
    with pytest.raises(ValueError, match=r"plain-idx1.gz: .*corrupt or truncated gzip"):
        read_idx(renamed)
    path = write_idx(tmp_path / "flip-idx1.gz", rng.integers(0, 256, 4096).astype(np.uint8))
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF  # a flipped byte in the deflate data (or a CRC mismatch)
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match=r"flip-idx1.gz: .*corrupt or truncated gzip"):
        read_idx(path)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\0\0\x08",
        b"\x00\x01\x08\x01\0\0\0\x01\x07",  # second byte not zero
        b"\0\0\x0a\x01\0\0\0\x01\x07",  # 0x0A is no IDX type code
        b"\0\0\x08\x00\x07",  # 0 dimensions
        idx_header(0x08, (1,) * 9) + b"\x07",  # 9 dimensions
    ],
    ids=["empty", "three-bytes", "second-byte", "type-code", "ndim-0", "ndim-9"],
)
@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_idx_bad_magic_is_refused(tmp_path: Path, data: bytes, suffix: str) -> None:
    path = write_raw(tmp_path / f"magic{suffix}", data)
    with pytest.raises(ValueError, match=rf"magic{suffix} is not an IDX file \(bad magic number"):
        read_idx(path)


def test_idx_cut_header_and_wrong_payload_lengths(tmp_path: Path) -> None:
    cut = write_raw(tmp_path / "cut", idx_header(0x08, (2, 3))[:-2])
    with pytest.raises(ValueError, match=r"cut: the header is cut short: 2 dimensions need 8"):
        read_idx(cut)
    for suffix in ("", ".gz"):
        short = write_raw(tmp_path / f"short{suffix}", idx_header(0x0C, (2, 3)) + bytes(23))
        with pytest.raises(ValueError, match=r"promises shape \(2, 3\) \(24 bytes\) but 23"):
            read_idx(short)
        long = write_raw(tmp_path / f"long{suffix}", idx_header(0x0C, (2, 3)) + bytes(25))
        with pytest.raises(ValueError, match=r"long.*\(24 bytes\) but more bytes follow"):
            read_idx(long)


def test_idx_path_must_be_a_path(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match=r"path must be a str or os\.PathLike, got NoneType"):
        read_idx(None)  # type: ignore[arg-type]
    with pytest.raises(FileNotFoundError, match=re.escape(str(tmp_path / "nope.gz"))):
        read_idx(tmp_path / "nope.gz")
    with pytest.raises(FileNotFoundError, match="IDX file not found"):
        read_idx(str(tmp_path))  # a folder is not an IDX file
    with pytest.raises(ValueError, match=r"1\.\.8 dimensions"):
        write_idx(tmp_path / "scalar", np.uint8(3))


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        (np.array([*range(10)] * 5 + [200] + [*range(9)], dtype=np.uint8), "label 200 at index 50"),
        (np.array([*range(10)] * 5 + [-1] + [*range(9)], dtype=np.int8), "label -1 at index 50"),
        (np.tile(np.arange(10, dtype=np.float32), 6), "labels must be integers, got dtype float32"),
    ],
    ids=["200", "-1", "float"],
)
def test_load_mnist_rejects_bad_labels(
    tmp_path: Path, rng: np.random.Generator, labels: np.ndarray, message: str
) -> None:
    write_tiny_mnist(tmp_path, rng, gz=False)
    write_idx(tmp_path / MNIST_FILES["train_labels"], labels)
    with pytest.raises(ValueError, match=rf"train-labels-idx1-ubyte: .*{message}"):
        load_mnist(tmp_path)


def test_load_mnist_rejects_test_images_of_another_size(
    tmp_path: Path, rng: np.random.Generator
) -> None:
    write_tiny_mnist(tmp_path, rng, gz=True)
    small = rng.integers(0, 256, (20, 20, 20)).astype(np.uint8)
    (tmp_path / (MNIST_FILES["test_images"] + ".gz")).unlink()
    write_idx(tmp_path / MNIST_FILES["test_images"], small)
    with pytest.raises(ValueError, match=r"differ in size: .*28x28 images, .*20x20"):
        load_mnist(tmp_path)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_load_mnist_uses_float_images_in_0_1_as_they_are(
    tmp_path: Path, rng: np.random.Generator, dtype: type
) -> None:
    write_tiny_mnist(tmp_path, rng, gz=False)
    for key, n in (("train_images", 60), ("test_images", 20)):
        images = rng.random((n, 28, 28)).astype(dtype)
        images[0, 0, :2] = 0.0, 1.0
        write_idx(tmp_path / MNIST_FILES[key], images)
    mnist = load_mnist(tmp_path, val_fraction=0.5)
    raw = read_idx(tmp_path / MNIST_FILES["test_images"])
    np.testing.assert_array_equal(mnist.X_test, raw.reshape(20, -1).astype(np.float32))
    assert mnist.X_test.dtype == np.float32 and mnist.X_test.max() == 1.0
    assert mnist.n_classes == 10


@pytest.mark.parametrize(
    ("images", "message"),
    [
        (np.full((20, 28, 28), 1.5, dtype=np.float32), r"must already lie in \[0, 1\].*1.5"),
        (np.full((20, 28, 28), np.nan, dtype=np.float32), r"must be finite.*nan"),
        (np.full((20, 28, 28), 300, dtype=np.int16), r"integer pixels must lie in 0..255.*300"),
        (np.full((20, 28, 28), -3, dtype=np.int8), r"integer pixels must lie in 0..255.*-3"),
        (np.zeros((20, 784), dtype=np.uint8), r"must be a 3-D array"),
    ],
    ids=["float-above-1", "nan", "int16-300", "int8-negative", "2-D"],
)
def test_load_mnist_rejects_bad_pixels(
    tmp_path: Path, rng: np.random.Generator, images: np.ndarray, message: str
) -> None:
    write_tiny_mnist(tmp_path, rng, gz=False)
    write_idx(tmp_path / MNIST_FILES["test_images"], images)
    with pytest.raises(ValueError, match=rf"t10k-images-idx3-ubyte.*{message}"):
        load_mnist(tmp_path)


def test_load_mnist_scales_wider_integer_pixels_like_uint8(
    tmp_path: Path, rng: np.random.Generator
) -> None:
    write_tiny_mnist(tmp_path, rng, gz=False)
    path = tmp_path / MNIST_FILES["test_images"]
    as_uint8 = load_mnist(tmp_path).X_test
    write_idx(path, read_idx(path).astype(np.int32))
    np.testing.assert_array_equal(load_mnist(tmp_path).X_test, as_uint8)


def test_fall_back_keeps_the_stored_line_when_the_folder_is_missing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # notebook 5.3 stores this exact line
    expected = (
        "MNIST not found in {}/; using the bundled 8x8 digits instead.\n"
        "(set COURSEKIT_MNIST to MNIST's folder to use it.)\n"
    )
    load_mnist_or_digits(tmp_path / "nowhere")
    assert capsys.readouterr().out == expected.format("nowhere")
    (tmp_path / "empty").mkdir()
    load_mnist_or_digits(tmp_path / "empty")
    assert capsys.readouterr().out == expected.format("empty")


def test_fall_back_names_the_missing_files(
    tmp_path: Path, rng: np.random.Generator, capsys: pytest.CaptureFixture[str]
) -> None:
    write_tiny_mnist(tmp_path / "mnist", rng, gz=True)
    (tmp_path / "mnist" / (MNIST_FILES["test_labels"] + ".gz")).unlink()
    (tmp_path / "mnist" / (MNIST_FILES["train_images"] + ".gz")).unlink()
    assert load_mnist_or_digits(tmp_path / "mnist").name == "digits"
    assert capsys.readouterr().out == (
        "MNIST not found in mnist/; using the bundled 8x8 digits instead.\n"
        "(missing train-images-idx3-ubyte, t10k-labels-idx1-ubyte; "
        "set COURSEKIT_MNIST to MNIST's folder to use it.)\n"
    )


def test_a_corrupt_mnist_file_is_not_hidden_by_the_fall_back(
    tmp_path: Path, rng: np.random.Generator
) -> None:
    write_tiny_mnist(tmp_path, rng, gz=True)
    path = tmp_path / (MNIST_FILES["train_labels"] + ".gz")
    path.write_bytes(path.read_bytes()[:-20])
    with pytest.raises(ValueError, match="corrupt or truncated gzip"):
        load_mnist_or_digits(tmp_path)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda d: load_mnist(d, val_fraction="0.2"), TypeError, "val_fraction must be a real"),
        (
            lambda d: load_mnist(d, val_fraction=1.0),
            ValueError,
            r"val_fraction must be in \(0, 1\)",
        ),
        (lambda d: load_mnist(d, val_fraction=float("nan")), ValueError, "val_fraction must be"),
        (lambda d: load_mnist(d, seed=1.5), TypeError, "seed must be an integer"),
        (
            lambda d: load_mnist(d, seed=-1),
            ValueError,
            r"seed must be an integer in \[0, 4294967295\]",
        ),
        (lambda d: load_mnist(None), TypeError, "folder must be a str or os.PathLike"),
        (lambda d: load_mnist_or_digits(d, seed=None), TypeError, "seed must be an integer"),
        (lambda d: load_mnist_or_digits(3), TypeError, "folder must be a str or os.PathLike"),
        (lambda d: ck.data.load_digits_split(seed="0"), TypeError, "seed must be an integer"),
        (lambda d: ck.data.load_digits_split(test_fraction=None), TypeError, "test_fraction"),
    ],
)
def test_mnist_and_digits_check_their_arguments(
    tmp_path: Path, rng: np.random.Generator, call, error: type, message: str
) -> None:
    write_tiny_mnist(tmp_path, rng, gz=False)
    with pytest.raises(error, match=message):
        call(tmp_path)


def test_split_dataset_checks_inputs_and_labels() -> None:
    X = np.linspace(0.0, 1.0, 40, dtype=np.float32).reshape(20, 2)
    y = np.arange(20) % 2
    split = ck.data.split_dataset
    reference = split(X, y, name="t", val_fraction=0.25, test_fraction=0.25, seed=3)
    same = split(X, y.astype(float), name="t", val_fraction=0.25, test_fraction=0.25, seed=3)
    np.testing.assert_array_equal(same.X_train, reference.X_train)
    np.testing.assert_array_equal(same.y_val, reference.y_val)
    assert same.y_train.dtype == np.int64 and same.n_classes == 2
    bad_X = X.copy()
    bad_X[7, 1] = np.nan
    with pytest.raises(ValueError, match="X must be finite, but row 7, column 1 holds nan"):
        split(bad_X, y, name="t")
    with pytest.raises(ValueError, match=r"y must hold integer class labels, but y\[3\] = 1\.5"):
        split(X, np.where(np.arange(20) == 3, 1.5, y % 2), name="t")
    with pytest.raises(ValueError, match=r"y must hold class labels >= 0, but y\[0\] = -1"):
        split(X, y - 1, name="t")
    with pytest.raises(ValueError, match=r"y must hold integer class labels, but y\[2\] = nan"):
        split(X, np.where(np.arange(20) == 2, np.nan, y), name="t")
    with pytest.raises(TypeError, match="y must hold integer class labels, got dtype <U"):
        split(X, y.astype(str), name="t")
    with pytest.raises(TypeError, match="seed must be an integer"):
        split(X, y, name="t", seed=None)
    with pytest.raises(TypeError, match="val_fraction must be a real number"):
        split(X, y, name="t", val_fraction="0.2")
    with pytest.raises(ValueError, match=r"X must be \(n, d\) and y \(n,\)"):
        split(X, y[:-1], name="t")


def test_toy_sets_check_argument_types() -> None:
    with pytest.raises(TypeError, match="n must be an integer"):
        make_moons(10.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="seed must be an integer"):
        make_moons(10, seed=None)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="noise must be a finite number"):
        make_moons(10, noise=float("nan"))
    with pytest.raises(ValueError, match="turns must be a finite number"):
        make_spirals(30, turns=float("inf"))
    with pytest.raises(TypeError, match="classes must be an integer"):
        make_spirals(30, classes=3.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"n must be >= classes \(3\), got 2"):
        make_spirals(2)
    with pytest.raises(ValueError, match=r"seed must be an integer in \[0, 4294967295\]"):
        make_spirals(30, seed=-2)
    X, y = make_moons(np.int64(20), noise=0, seed=np.int64(4))  # NumPy integers pass
    X_ref, y_ref = make_moons(20, noise=0.0, seed=4)
    np.testing.assert_array_equal(X, X_ref)
    np.testing.assert_array_equal(y, y_ref)
