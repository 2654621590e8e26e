"""coursekit.notebook: the set-up call and show_source."""

from __future__ import annotations

import random

import matplotlib as mpl
import numpy as np
import pytest
import torch

import coursekit as ck


def draws() -> tuple[float, float, float]:
    return random.random(), float(np.random.rand()), float(torch.rand(1))  # noqa: NPY002


def test_setup_makes_every_generator_repeat() -> None:
    ck.setup(seed=7)
    first = draws()
    ck.setup(seed=7)
    assert draws() == first
    ck.setup(seed=8)
    assert draws() != first


def test_setup_returns_a_seeded_generator() -> None:
    a = ck.setup(seed=3).standard_normal(4)
    b = ck.setup(seed=3).standard_normal(4)
    np.testing.assert_array_equal(a, b)


def test_the_environment_overrides_the_seed_and_ck_seed_follows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("COURSEKIT_SEED", raising=False)
    ck.setup(seed=0)
    assert (ck.seed(), ck.seed(1), ck.seed(999)) == (0, 1, 999)  # the plain seeds of seed 0
    reference = draws()
    monkeypatch.setenv("COURSEKIT_SEED", "3")
    rng = ck.setup(seed=0)
    assert (ck.seed(), ck.seed(1)) == (3000, 3001)  # never a seed that seed 0 uses
    assert draws() != reference
    ck.setup(seed=3)
    monkeypatch.delenv("COURSEKIT_SEED")
    np.testing.assert_array_equal(rng.standard_normal(3), ck.setup(seed=3).standard_normal(3))
    ck.setup(seed=0)
    assert draws() == reference and ck.seed() == 0


@pytest.mark.parametrize("value", ["-1", "x", "1.5", " 2e3"])
def test_a_bad_seed_override_is_named(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("COURSEKIT_SEED", value)
    with pytest.raises(ValueError, match="COURSEKIT_SEED must be an integer >= 0"):
        ck.setup(seed=0)


@pytest.mark.parametrize(
    ("offset", "error"), [(-1, ValueError), (1000, ValueError), (0.5, TypeError)]
)
def test_seed_offsets_stay_below_the_next_active_seed(offset: object, error: type) -> None:
    with pytest.raises(error, match=r"offset must be"):
        ck.seed(offset)  # type: ignore[arg-type]


def test_setup_uses_one_thread_and_deterministic_algorithms() -> None:
    torch.set_num_threads(2)
    torch.use_deterministic_algorithms(False)
    ck.setup(seed=0)
    assert torch.get_num_threads() == 1
    assert torch.are_deterministic_algorithms_enabled()


def test_setup_applies_the_plot_style() -> None:
    mpl.rcParams["axes.grid"] = False
    ck.setup(seed=0)
    assert mpl.rcParams["axes.grid"] is True
    assert tuple(mpl.rcParams["figure.figsize"]) == ck.notebook.PLOT_STYLE["figure.figsize"]


@pytest.mark.parametrize("seed", [-1, 1.5, "0", True])
def test_setup_rejects_bad_seeds(seed: object) -> None:
    with pytest.raises(ValueError, match="seed must be an integer >= 0"):
        ck.setup(seed=seed)  # type: ignore[arg-type]


def test_show_source_renders_code_as_markdown_and_plain_text() -> None:
    source = ck.show_source(ck.minibatch.iterations_per_epoch)
    assert source.code.startswith("def iterations_per_epoch(")
    assert "return n // batch_size if drop_last" in source.code
    assert source._repr_markdown_().startswith("```python\ndef iterations_per_epoch(")
    assert repr(source) == source.code


def test_show_source_can_drop_the_docstring() -> None:
    full = ck.show_source(ck.minibatch.minibatch_gradient_descent).code
    short = ck.show_source(ck.minibatch.minibatch_gradient_descent, docstring=False).code
    assert '"""' in full
    assert '"""' not in short
    assert "theta = theta - lr * g" in short
    assert len(short) < len(full)


def test_show_source_rejects_what_has_no_source() -> None:
    with pytest.raises(TypeError, match="must be a function or a class"):
        ck.show_source(42)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="not available"):
        ck.show_source(len)


def test_below_prints_a_residual_as_its_bound_and_anything_else_as_itself() -> None:
    assert ck.notebook.below(1.4e-13, 1e-12) == "below 1e-12"
    assert ck.notebook.below(-1.6e-15, 1e-12) == "below 1e-12"  # a size, whatever its sign
    assert ck.notebook.below(2e-7, 1e-6) == "below 1e-6"
    assert ck.notebook.below(3e-3, 1e-12) == "0.003 (not below 1e-12)"
    assert ck.notebook.below(float("nan"), 1e-12) == "nan (not below 1e-12)"
    with pytest.raises(ValueError, match="bound must be > 0"):
        ck.notebook.below(1.0, 0.0)


def test_yours_shows_a_note_until_the_exercise_is_written(capsys) -> None:
    def unwritten(x):
        raise NotImplementedError

    assert ck.notebook.yours(unwritten, 1.0) is None
    assert "write `unwritten` in the exercise above" in capsys.readouterr().out
    assert ck.notebook.yours(lambda x: 2 * x, 1.5) == 3.0
    with pytest.raises(TypeError, match="fn"):
        ck.notebook.yours(3, 1.0)


def test_setup_chooses_the_laptop_or_the_lecture_style(monkeypatch: pytest.MonkeyPatch) -> None:
    try:
        ck.setup(seed=0, style="lecture")
        assert mpl.rcParams["xtick.labelsize"] >= 13 and mpl.rcParams["legend.fontsize"] >= 11
        assert mpl.rcParams["figure.constrained_layout.use"] is True
        assert mpl.rcParams["lines.linewidth"] > ck.notebook.PLOT_STYLE["lines.linewidth"]
        ck.setup(seed=0, style="laptop")
        assert mpl.rcParams["legend.fontsize"] == ck.notebook.PLOT_STYLE["legend.fontsize"]
        monkeypatch.setenv(ck.notebook.STYLE_ENV, "lecture")
        ck.setup(seed=0)  # the environment chooses when the notebook does not
        assert mpl.rcParams["axes.labelsize"] == ck.notebook.LECTURE_STYLE["axes.labelsize"]
        ck.setup(seed=0, style="laptop")  # a named style wins over the environment
        assert mpl.rcParams["axes.labelsize"] == ck.notebook.PLOT_STYLE["axes.labelsize"]
        monkeypatch.setenv(ck.notebook.STYLE_ENV, "poster")
        with pytest.raises(ValueError, match="COURSEKIT_STYLE must be one of"):
            ck.setup(seed=0)
    finally:
        monkeypatch.delenv(ck.notebook.STYLE_ENV, raising=False)
        ck.setup(seed=0, style=False)
        mpl.rcParams.update(mpl.rcParamsDefault)


@pytest.mark.parametrize(("style", "error"), [("poster", ValueError), (1.5, TypeError)])
def test_setup_rejects_unknown_styles(style: object, error: type) -> None:
    with pytest.raises(error, match="style must be one of"):
        ck.setup(seed=0, style=style)  # type: ignore[arg-type]
