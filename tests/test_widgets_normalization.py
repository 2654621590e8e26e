"""coursekit.widgets: the 5.5 normalization widget."""

from __future__ import annotations

import time

import numpy as np
import pytest

import coursekit as ck


@pytest.fixture(scope="module")
def explorer() -> ck.widgets.SliderApp:
    data = ck.data.load_digits_split(seed=0)
    return ck.widgets.normalization_explorer(data, steps=120)


def test_it_starts_drawn_with_the_unnormalized_reference(explorer: ck.widgets.SliderApp) -> None:
    assert explorer.image.value[:4] == b"\x89PNG"
    assert explorer.kind == "retrain"
    history, reference = explorer.results["history"], explorer.results["reference"]
    assert history.steps == reference.steps == 120
    # the deep sigmoid net barely moves without normalization and learns with batch norm
    assert history.train_loss[-1] < 0.8 * reference.train_loss[-1]
    assert "batch norm: training loss" in explorer.status.value
    grey = explorer.artists["reference_train_loss"].get_ydata()
    np.testing.assert_allclose(grey, np.clip(reference.train_loss, None, 10.0))


def test_every_change_retrains_within_the_budget(explorer: ck.widgets.SliderApp) -> None:
    for values in ({"norm": "layer norm"}, {"norm": "weight norm"}, {"batch_size": 8}):
        start = time.perf_counter()
        explorer.set(**values)
        assert time.perf_counter() - start < ck.widgets.LATENCY_BUDGET["retrain"]
    assert explorer.results["history"].batch_size == 8
    explorer.set(norm="none")
    assert explorer.results["history"] is explorer.results["reference"]  # cached, not retrained
    assert explorer.status.value.startswith("none: training loss")


def test_batch_norm_suffers_from_tiny_batches_and_never_meets_one_sample(
    explorer: ck.widgets.SliderApp,
) -> None:
    explorer.set(norm="batch norm", batch_size=32)
    large = explorer.results["history"].val_acc[-1]
    explorer.set(batch_size=2)  # 1,077 is odd: drop_last keeps batches of two
    small = explorer.results["history"].val_acc[-1]
    assert small < large
    explorer.set(lr=10.0)
    assert explorer.status.value  # a diverging run is reported, not raised


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"norm": "group norm"}, "norm must be one of"),
        ({"lr": 100.0}, r"lr must be in \[0.001, 10\]"),
        ({"batch_size": 3}, r"batch_size must be one of \[2, 4, 8"),
        ({"steps": 5}, "steps must be an integer >= 10"),
        ({"activation": "swish"}, "activation must be one of"),
    ],
)
def test_bad_arguments_are_named(kwargs: dict, message: str) -> None:
    data = ck.data.load_digits_split(seed=0)
    with pytest.raises(ValueError, match=message):
        ck.widgets.normalization_explorer(data, **kwargs)
