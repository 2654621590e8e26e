"""Shared fixtures. Tests run on one torch thread, like the notebooks, and never open a window."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
import torch

import coursekit as ck


@pytest.fixture(autouse=True)
def _deterministic() -> None:
    ck.setup(seed=0, style=False)


@pytest.fixture(scope="session")
def digits() -> ck.data.Dataset:
    return ck.data.load_digits_split(seed=0)


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(1234)


@pytest.fixture
def float64():
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(previous)
