"""The 5.7 widgets: moving a control retrains and redraws; the numbers they show are the model's."""

from __future__ import annotations

import numpy as np
import pytest

import coursekit as ck


def test_regularization_explorer_retrains_for_width_and_weight_decay() -> None:
    app = ck.widgets.regularization_explorer(hidden=200, weight_decay=0.001)
    assert app.kind == "retrain"
    wide = app.results["boundary_length"]
    before = app.image.value
    app.set(hidden=3)
    narrow = app.results["boundary_length"]
    assert app.image.value != before and narrow < wide  # a narrow network, a simpler boundary
    assert "training accuracy" in app.status.value
    app.set(hidden=200, weight_decay=0.1)
    strong = app.results
    assert strong["boundary_length"] < wide
    assert strong["history"].train_acc[-1] < 0.9  # strong decay: it no longer fits every point
    with pytest.raises(ValueError, match="hidden"):
        ck.widgets.regularization_explorer(hidden=7)


def test_dropout_explorer_caches_training_and_shows_mc_spread() -> None:
    app = ck.widgets.dropout_explorer(p=0.5, mc_samples=20)
    first = app.results["model"]
    assert app.results["spread"].max() > 0.1  # dropout passes disagree somewhere
    app.set(mc_samples=5)
    assert app.results["model"] is first  # only the passes changed: no retraining
    app.set(p=0.0)
    assert np.all(app.results["spread"] == 0)  # without dropout every pass is the same network
    assert "validation loss" in app.status.value
    app.set(p=0.5)
    assert app.results["model"] is first  # cached
    with pytest.raises(ValueError, match="p must be in"):
        ck.widgets.dropout_explorer(p=0.95)
