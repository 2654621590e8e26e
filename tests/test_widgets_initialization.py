"""coursekit.widgets: the 5.4 initialization explorer."""

from __future__ import annotations

import numpy as np
import pytest

import coursekit as ck


def test_init_explorer_shows_vanishing_and_healthy_signals() -> None:
    app = ck.widgets.init_explorer(activation="tanh", scheme="N(0, 0.01²)", depth=10, width=128)
    assert app.kind == "toy"
    stds = app.results["activation_std"]
    assert len(stds) == 10 and stds[-1] < 1e-5 * stds[0]
    rows = np.ma.filled(app.artists["activations"].get_array(), np.nan)
    assert np.allclose(np.nansum(rows[:10], axis=1), 1.0) and np.all(np.isnan(rows[10:]))
    app.set(activation="relu", scheme="He normal", depth=20)
    stds = app.results["activation_std"]
    assert len(stds) == 20 and 0.25 < stds[-1] / stds[0] < 4
    app.set(activation="tanh", scheme="N(0, 1)")
    assert app.results["saturated"] > 0.5
    with pytest.raises(ValueError, match="scheme must be one of"):
        ck.init.layer_statistics("tanh", "lecun", depth=3, width=8)
    with pytest.raises(ValueError, match="activation must be one of"):
        ck.init.layer_statistics("gelu", "he_normal", depth=3, width=8)
