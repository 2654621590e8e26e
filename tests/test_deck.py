"""Lecture mode: every notebook's slideshow metadata follows the deck rules (tools/deck.py).

The tests on ``notebooks/`` read the metadata stored in the notebooks: after adding, removing or
re-executing cells, run ``python tools/deck.py --write notebooks/*.ipynb`` and commit the result.
"""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path
from typing import Any

import nbformat
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
import deck  # tools/deck.py

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("5.*.ipynb"))
WIDGET = "application/vnd.jupyter.widget-view+json"


def load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def stored_types(nb: dict[str, Any]) -> list[str | None]:
    return [c["metadata"].get("slideshow", {}).get("slide_type") for c in nb["cells"]]


def stored_collapsed(cell: dict[str, Any]) -> bool:
    return bool(cell["metadata"].get("jupyter", {}).get("source_hidden", False))


def source(cell: dict[str, Any]) -> str:
    return "".join(cell["source"])


# -- the notebooks of the course ------------------------------------------------------------------


def test_there_are_notebooks_to_check() -> None:
    assert len(NOTEBOOKS) == 7


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name[:3])
def test_the_stored_slideshow_metadata_is_what_the_rules_give(path: Path) -> None:
    found = deck.differences(load(path))
    assert not found, (
        f"{path.name}: the slideshow metadata differs from the deck rules; run "
        f"`python tools/deck.py --write notebooks/{path.name}` and commit. First cells:\n"
        + "\n".join(found[:10])
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name[:3])
def test_the_stored_deck_is_fit_to_present(path: Path) -> None:
    nb = load(path)
    types = stored_types(nb)
    assert types[0] == "slide", "the deck must open with a slide (the title)"
    for index, cell in enumerate(nb["cells"]):
        where = f"{path.name} cell {index}: {source(cell)[:50]!r}"
        if cell["cell_type"] == "markdown":
            levels = deck.heading_levels(source(cell))
            if levels and min(levels) <= 2 and not deck.is_lecturer_notes(cell):
                assert types[index] == "slide", f"{where} has a ## heading but is no slide"
        shown = types[index] not in ("skip", "notes") and not stored_collapsed(cell)
        if cell["cell_type"] == "code" and shown:
            lines = deck.code_lines(source(cell))
            assert lines <= deck.MAX_SHOWN_CODE_LINES, f"{where} shows {lines} lines of code"
        if deck.is_graded(cell):
            assert types[index] == "skip", f"{where}: solutions and hidden tests are not shown"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name[:3])
def test_the_rules_give_each_notebook_a_sensible_deck(path: Path) -> None:
    nb = load(path)
    plans = deck.cell_plans(nb)
    types = [p.slide_type for p in plans]
    assert set(types) <= set(deck.SLIDE_TYPES)
    sections = sum(
        1
        for c in nb["cells"]
        if c["cell_type"] == "markdown" and 2 in deck.heading_levels(source(c))
    )
    assert sections <= deck.slide_count(types) <= 3 * len(nb["cells"]) // 4
    # no (sub)slide shows more than MAX_CELLS cells before a markdown cell that could break it
    runs: list[list[int]] = []
    for index, plan in enumerate(plans):
        if plan.slide_type in ("slide", "subslide"):
            runs.append([])
        if plan.slide_type not in ("skip", "notes"):
            runs[-1].append(index)
    for run in runs:
        for k, index in enumerate(run):
            if k > deck.MAX_CELLS and nb["cells"][index]["cell_type"] == "markdown":
                assert types[index] == "fragment", f"{path.name}: slide too long at cell {index}"


# -- the rules on small notebooks -----------------------------------------------------------------


def md(text: str) -> dict[str, Any]:
    return {"cell_type": "markdown", "metadata": {}, "source": text}


def code(
    text: str, *, outputs: list[dict[str, Any]] | None = None, **nbgrader: bool
) -> dict[str, Any]:
    metadata: dict[str, Any] = {"nbgrader": nbgrader} if nbgrader else {}
    return {
        "cell_type": "code",
        "execution_count": None,
        "metadata": metadata,
        "outputs": outputs or [],
        "source": text,
    }


def png() -> dict[str, Any]:
    return {"output_type": "display_data", "data": {"image/png": "iVBOR", "text/plain": "<F>"}}


def printed(text: str = "ok\n") -> dict[str, Any]:
    return {"output_type": "stream", "name": "stdout", "text": text}


def notebook(*cells: dict[str, Any]) -> dict[str, Any]:
    return {"cells": list(cells), "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


SETUP = code("import coursekit as ck\nrng = ck.setup(seed=0)")


def long_code(lines: int) -> str:
    return "\n".join(f"x{k} = {k}  # step {k}" for k in range(lines))


def test_headings_give_slides_and_subslides() -> None:
    nb = notebook(
        md("# 5.9 Title · 标题\n\nintro"),
        SETUP,
        md("## 1. First · 第一\n\ntext"),
        md("plain text"),
        md("### 1.1 Detail"),
        md("closing words, then\n\n## 2. Second · 第二"),  # a section heading inside a cell
        md("```python\n## not a heading, code\n```"),
    )
    assert deck.slide_types(nb) == ["slide", "skip", "slide", "-", "subslide", "slide", "-"]
    assert deck.slide_count(deck.slide_types(nb)) == 4


def test_solutions_hidden_tests_and_the_setup_are_skipped() -> None:
    nb = notebook(
        md("# T"),
        SETUP,
        md("### Exercise 1"),
        code("def f(x):\n    return x", solution=True, grade=False),
        code("ck.check.check_f(f)\n### BEGIN HIDDEN TESTS\nassert f(1) == 1", grade=True),
        code("print(f(2))", outputs=[printed("2\n")]),
        md("<details>\n<summary>Why</summary>\nbecause\n</details>"),
    )
    assert deck.slide_types(nb) == ["slide", "skip", "subslide", "skip", "skip", "-", "fragment"]


def test_long_code_is_collapsed_and_silent_long_code_skipped() -> None:
    limit = deck.MAX_SHOWN_CODE_LINES
    nb = notebook(
        md("# T"),
        SETUP,
        code(long_code(limit), outputs=[printed()]),
        code(long_code(limit + 1), outputs=[png()]),
        code(long_code(limit + 1)),
        code(long_code(limit) + "\n# a comment\n\n# another"),
    )
    plans = deck.cell_plans(nb)
    assert [p.slide_type for p in plans] == ["slide", "skip", "-", "-", "skip", "-"]
    assert [p.collapsed for p in plans] == [False, False, False, True, False, False]
    assert deck.code_lines(long_code(limit) + "\n# a comment\n\n") == limit


def test_the_lecturers_section_is_speaker_notes_until_the_next_section() -> None:
    nb = notebook(
        md("# T"),
        md("## Summary · 小结"),
        md("## For lecturers: notes on the slides · 课件勘误\n\n1. a typo"),
        md("2. another typo"),
        code("print('check')", outputs=[printed()]),
        md("## 9. Appendix"),
    )
    assert deck.slide_types(nb) == ["slide", "slide", "notes", "notes", "skip", "slide"]


def test_a_long_slide_continues_on_a_subslide_at_its_next_markdown_cell() -> None:
    short = [code("print(1)", outputs=[printed()]) for _ in range(deck.MAX_CELLS)]
    nb = notebook(md("# T"), SETUP, md("## 1. S"), *short, md("more"), md("and more"))
    types = deck.slide_types(nb)
    assert types[-2:] == ["subslide", "-"]
    figures = [code("plot()", outputs=[png()]) for _ in range(deck.MAX_FIGURES + 1)]
    nb = notebook(md("# T"), SETUP, md("## 1. S\n\n" + "text " * 9), *figures, md("more"))
    assert deck.slide_types(nb)[-1] == "subslide"
    # up to the limits the slide goes on, and a fragment is never split from its slide
    nb = notebook(md("# T"), SETUP, md("## 1. S"), *short[:-1], md("more"), md("<details>x"))
    assert deck.slide_types(nb)[-2:] == ["-", "fragment"]


def html_figure() -> dict[str, Any]:
    html = '<div class="coursekit-figure"><img src="data:image/png;base64,iVBOR" alt="a"></div>'
    return {"output_type": "display_data", "data": {"text/html": html, "text/plain": "<F>"}}


def test_each_figure_gets_a_slide_with_its_introduction_and_its_reading() -> None:
    nb = notebook(
        md("# T"),
        SETUP,
        md("## 1. S"),
        code("plot()", outputs=[html_figure()]),
        md("the figure shows ..."),  # its reading stays on its slide
        md("now a second figure:"),  # introduces the next figure: a new subslide
        code("plot()", outputs=[html_figure()]),
        md("read it"),
    )
    assert deck.slide_types(nb)[2:] == ["slide", "-", "-", "subslide", "-", "-"]
    assert deck.figure_count(code("plot()", outputs=[html_figure(), printed()])) == 1


def test_a_finished_progress_bar_is_no_figure_but_a_live_widget_is() -> None:
    bar = {"output_type": "display_data", "data": {WIDGET: {"model_id": "a"}, "text/plain": ""}}
    live = {
        "output_type": "display_data",
        "data": {WIDGET: {"model_id": "b"}, "text/plain": "VBox"},
    }
    assert deck.figure_count(code("train()", outputs=[bar, bar, printed()])) == 0
    assert deck.figure_count(code("app", outputs=[live, png()])) == 2


def test_apply_changes_only_the_slideshow_metadata_and_is_idempotent() -> None:
    nb = notebook(
        md("# T"),
        SETUP,
        code(long_code(30), outputs=[png()]),
        code("y = 1", outputs=[]),
    )
    nb["cells"][2]["metadata"]["jupyter"] = {"outputs_hidden": False}
    nb["cells"][3]["metadata"]["jupyter"] = {"source_hidden": True}  # short: shown again
    nb["cells"][3]["metadata"]["tags"] = ["nbval-ignore-output"]
    before = copy.deepcopy(nb)
    assert deck.apply(nb) == 4
    assert nb["cells"][2]["metadata"]["jupyter"] == {"outputs_hidden": False, "source_hidden": True}
    assert nb["cells"][3]["metadata"] == {
        "slideshow": {"slide_type": "-"},
        "tags": ["nbval-ignore-output"],
    }
    for cell in nb["cells"]:
        cell["metadata"].pop("slideshow")
        cell["metadata"].get("jupyter", {}).pop("source_hidden", None)
    del before["cells"][3]["metadata"]["jupyter"]
    assert nb == before
    again = copy.deepcopy(nb)
    deck.apply(again)
    assert deck.apply(again) == 0 and deck.differences(again) == []


def test_the_command_line_checks_and_writes_like_nbformat(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# T · 标题"),
        nbformat.v4.new_code_cell("import coursekit as ck"),
        nbformat.v4.new_markdown_cell("## 1. S · 第一"),
        nbformat.v4.new_code_cell(
            long_code(20), outputs=[nbformat.v4.new_output("stream", text="ok")]
        ),
    ]
    path = tmp_path / "5.9-demo.ipynb"
    nbformat.write(nb, path)
    assert deck.main(["--check", str(path)]) == 1
    out = capsys.readouterr().out
    assert "cell 2" in out and "the rules give 'slide'" in out and "--write" in out
    assert "cell 3" in out and "source_hidden is False, the rules give collapsed" in out
    assert deck.main(["--write", str(path)]) == 0
    written = path.read_text(encoding="utf-8")
    reread = nbformat.read(path, as_version=4)
    nbformat.validate(reread)
    assert written == nbformat.writes(reread) + "\n"  # nbformat's own formatting, unchanged
    assert "标题" in written  # UTF-8, not \u escapes
    assert [c.metadata.slideshow.slide_type for c in reread.cells] == [
        "slide",
        "skip",
        "slide",
        "-",
    ]
    assert deck.main(["--check", str(path)]) == 0
    mtime = path.stat().st_mtime_ns
    assert deck.main(["--write", str(path)]) == 0
    assert path.stat().st_mtime_ns == mtime  # nothing to change: the file is not rewritten


def test_writing_a_course_notebook_keeps_everything_but_the_deck_metadata(tmp_path: Path) -> None:
    path = tmp_path / NOTEBOOKS[0].name
    original = NOTEBOOKS[0].read_text(encoding="utf-8")
    path.write_text(original, encoding="utf-8")
    assert deck.main(["--write", str(path)]) == 0
    written = json.loads(path.read_text(encoding="utf-8"))
    assert deck.differences(written) == []
    for cell in written["cells"]:
        cell["metadata"].pop("slideshow")
        jupyter = cell["metadata"].get("jupyter", {})
        jupyter.pop("source_hidden", None)
        if "jupyter" in cell["metadata"] and not jupyter:
            del cell["metadata"]["jupyter"]
    stripped = json.loads(original)
    for cell in stripped["cells"]:
        cell["metadata"].pop("slideshow", None)
        cell["metadata"].get("jupyter", {}).pop("source_hidden", None)
        if "jupyter" in cell["metadata"] and not cell["metadata"]["jupyter"]:
            del cell["metadata"]["jupyter"]
    assert written == stripped
