"""coursekit.validate: the argument checks every module shares."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from coursekit import validate


def test_real_returns_a_float_and_names_the_range() -> None:
    assert validate.real("lr", 1) == 1.0 and type(validate.real("lr", np.float32(0.5))) is float
    assert validate.real("lr", torch.tensor(0.25)) == 0.25  # a 0-d tensor is a number
    assert validate.real("limit", math.inf, finite=False) == math.inf
    cases = [
        (None, TypeError, "lr must be a real number, got NoneType None"),
        ("0.1", TypeError, "lr must be a real number, got str '0.1'"),
        (True, TypeError, "lr must be a real number, got bool True"),
        (math.nan, ValueError, r"lr must be a finite number > 0, got nan"),
        (0.0, ValueError, r"lr must be > 0, got 0.0"),
        (10**400, ValueError, "lr must be a finite number, got an integer of 401 digits"),
    ]
    for value, error, message in cases:
        with pytest.raises(error, match=message):
            validate.real("lr", value, low=0, low_open=True)
    with pytest.raises(ValueError, match=r"beta must be in \[0, 1\), got 1.0"):
        validate.real("beta", 1.0, low=0, high=1, high_open=True)


def test_integer_seed_flag_and_names() -> None:
    assert validate.integer("k", np.int64(3), low=1) == 3
    with pytest.raises(TypeError, match=r"k must be an integer, got float 2\.5"):
        validate.integer("k", 2.5)
    with pytest.raises(TypeError, match=r"k must be an integer, got float 2\.0"):
        validate.integer("k", 2.0)
    with pytest.raises(ValueError, match=r"k must be an integer in \[1, 5\], got 0"):
        validate.integer("k", 0, low=1, high=5)
    with pytest.raises(ValueError, match=r"seed must be an integer in \[0, 4294967295\], got -1"):
        validate.seed("seed", -1)
    assert validate.flag("drop_last", np.bool_(True)) is True
    with pytest.raises(TypeError, match="drop_last must be True or False, got str 'no'"):
        validate.flag("drop_last", "no")
    with pytest.raises(ValueError, match=r"mode must be one of \['a', 'b'\], got 'c'"):
        validate.one_of("mode", "c", ["a", "b"])
    with pytest.raises(TypeError, match="callback must be a function, got int 3"):
        validate.function("callback", 3)


def test_arrays_rows_and_labels() -> None:
    X = validate.array("X", [[1, 2], [3, 4]], ndim=2)
    assert X.dtype == float and X.shape == (2, 2)
    with pytest.raises(ValueError, match="X must be 2-D, got shape"):
        validate.array("X", [1.0, 2.0], ndim=2)
    with pytest.raises(TypeError, match="X must hold real numbers, got complex ones"):
        validate.array("X", [1 + 2j])
    with pytest.raises(TypeError, match="X must be an array of numbers"):
        validate.array("X", [[1.0], [1.0, 2.0]])
    with pytest.raises(ValueError, match=r"X must be finite, but row 1, column 0 holds inf"):
        validate.array("X", [[0.0, 1.0], [math.inf, 0.0]])
    np.testing.assert_array_equal(validate.labels("y", [0.0, 2.0]), [0, 2])
    with pytest.raises(ValueError, match=r"y must hold class labels in 0, ..., 2, but y\[1\] = 3"):
        validate.labels("y", [0, 3], n_classes=3)
    with pytest.raises(ValueError, match=r"y must hold integer class labels, but y\[0\] = 0.5"):
        validate.labels("y", [0.5])
    with pytest.raises(TypeError, match="y must hold integer class labels, got dtype bool"):
        validate.labels("y", [True, False])
