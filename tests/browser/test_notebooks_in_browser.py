"""Every notebook in a real JupyterLab, driven by Chromium: it runs, it renders, its sliders work.

Each notebook is opened with its stored outputs cleared and run with "Run All". Then every live
widget's sliders are moved with the keyboard (ArrowRight, or ArrowLeft at the maximum) and
every dropdown gets another entry, and the test waits until the figure in the same widget shows
different image bytes. The time from the key press to the decoded new figure is the latency a
lecturer feels; ``benchmarks/run.py`` reports it against the budgets.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from labdriver import NotebookReport

NAMES = sorted(path.name for path in Path(__file__).parents[2].glob("notebooks/*.ipynb"))
# What a widget looks like when the page could not render it: its Python repr, or an error.
WIDGET_AS_TEXT = re.compile(
    r"\b(VBox|HBox|Box|IntSlider|FloatSlider|FloatLogSlider|SelectionSlider|Dropdown|Image|"
    r"IntProgress|HTML|Output|interactive)\(|Error displaying widget|Loading widget"
)
pytestmark = pytest.mark.timeout(900)


def test_there_are_notebooks_to_drive() -> None:
    assert NAMES, "no notebooks found in notebooks/"


@pytest.mark.parametrize("name", NAMES)
def test_runs_all_cells_without_errors(name: str, report: NotebookReport) -> None:
    assert report.errors == [], f"{name} shows errors in the browser: {report.errors}"
    counts = report.execution_counts
    assert counts == list(range(1, len(counts) + 1)), (
        f"cells ran out of order or not at all: {counts}"
    )


@pytest.mark.parametrize("name", NAMES)
def test_every_widget_renders_as_a_widget(name: str, report: NotebookReport) -> None:
    for output in report.outputs:
        assert not WIDGET_AS_TEXT.search(output.text), (
            f"cell {output.cell} of {name} shows a widget as text: {output.text[:120]!r}"
        )
    for output in report.widget_outputs:
        if output.model_id in report.live_widgets:
            assert output.rendered_widget and not output.hidden, (
                f"cell {output.cell} of {name}: live widget {output.model_id} did not render"
                f" (shown as {output.shown_mime_type!r}: {output.text[:80]!r})"
            )
        else:  # closed by the kernel, e.g. a finished progress bar: nothing may remain on screen
            assert output.hidden and not output.rendered_widget, (
                f"cell {output.cell} of {name}: closed widget {output.model_id} is still shown"
            )
    live = [o for o in report.widget_outputs if o.model_id in report.live_widgets]
    assert len(report.widget_kinds) == len(live), "every live widget output has one widget root"


@pytest.mark.parametrize("name", NAMES)
def test_every_slider_changes_its_figure(name: str, report: NotebookReport) -> None:
    for index, kind in enumerate(report.widget_kinds):
        moves = [move for move in report.moves if move.widget == index]
        if kind != "other":  # coursekit's slider apps always have controls
            assert moves, f"widget {index} ({kind}) of {name} has no slider or dropdown"
    for move in report.moves:
        assert move.figure_changed and move.latency is not None, (
            f"{name}, widget {move.widget}: {move.action} on {move.control!r} did not change "
            "the figure within the timeout"
        )
        assert 0 < move.latency < 30, f"{move.control!r}: implausible latency {move.latency} s"


@pytest.mark.parametrize("name", NAMES)
def test_screenshots_are_kept(name: str, report: NotebookReport) -> None:
    assert len(report.screenshots) == 1 + len(report.widget_kinds)
    for path in report.screenshots:
        assert path.read_bytes()[:4] == b"\x89PNG", path
