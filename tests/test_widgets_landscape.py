"""coursekit.widgets: the 5.1 saddle-escape widget."""

from __future__ import annotations

import numpy as np
import pytest

import coursekit as ck


def test_saddle_escape_counts_the_steps_away_from_the_saddle() -> None:
    app = ck.widgets.saddle_escape(offset=1e-6, noise=0.01, lr=0.1, steps=300)
    assert app.kind == "toy"
    plain, noisy = app.results["escape_plain_step"], app.results["escape_noisy_step"]
    expected = np.log(0.5 / 1e-6) / np.log(1.1)
    assert abs(plain - expected) < 0.2 * expected and noisy < plain
    app.set(offset=1e-12, noise=1e-6, lr=0.04)  # near the ridge, little noise, small steps
    assert app.results["escape_plain_step"] is None
    assert "still at the saddle" in app.status.value
    with pytest.raises(ValueError, match="steps must be an integer >= 1"):
        ck.widgets.saddle_escape(steps=0)
