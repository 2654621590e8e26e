"""Structure of the notebooks: stored outputs, slide terms, and the nbgrader exercises.

nbval (see pyproject.toml) executes every notebook and compares its outputs; these tests check
what nbval does not: that the stored outputs are complete and clean, and that every exercise
works as nbgrader will release it (solutions replaced by ``raise NotImplementedError()``).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import coursekit as ck
from coursekit.check import CheckFailed

#: Graded exercises each notebook must offer (its issue says how many).
MIN_EXERCISES = {"5.1": 4, "5.2": 4, "5.3": 6, "5.4": 5, "5.5": 5, "5.6": 5, "5.7": 5}
NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))
CJK = re.compile(r"[\u4e00-\u9fff]")
SOLUTION = re.compile(r"### BEGIN SOLUTION\n.*?### END SOLUTION\n?", re.S)
HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS\n.*?### END HIDDEN TESTS\n?", re.S)


def load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def source(cell: dict[str, Any]) -> str:
    text = cell["source"]
    return text if isinstance(text, str) else "".join(text)


def exercises(nb: dict[str, Any]) -> list[tuple[dict, dict]]:
    """(solution cell, test cell) pairs in notebook order."""
    cells = [c for c in nb["cells"] if "nbgrader" in c.get("metadata", {})]
    pairs = []
    for solution, test in zip(cells[::2], cells[1::2], strict=True):
        assert solution["metadata"]["nbgrader"]["solution"], source(solution)
        assert test["metadata"]["nbgrader"]["grade"], source(test)
        pairs.append((solution, test))
    return pairs


def test_there_are_notebooks() -> None:
    assert any(p.name.startswith("5.2-") for p in NOTEBOOKS)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_stored_outputs_are_complete_and_clean(path: Path) -> None:
    nb = load(path)
    code = [c for c in nb["cells"] if c["cell_type"] == "code" and source(c).strip()]
    assert [c["execution_count"] for c in code] == list(range(1, len(code) + 1)), (
        "restart the kernel, run all cells and save"
    )
    for cell in code:
        for output in cell["outputs"]:
            assert output["output_type"] != "error", source(cell)
            text = json.dumps(output.get("text", "")) + json.dumps(
                output.get("data", {}).get("text/plain", "")
            )
            assert not re.search(r"/(work|tmp|root|home)/", text), (
                f"machine path in output of: {source(cell)[:80]}"
            )
    assert nb["metadata"]["kernelspec"]["name"] == "python3"


WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
IMG = re.compile(r'<img src="data:image/png;base64,[A-Za-z0-9+/=]+" alt="([^"]+)" width="(\d+)"')


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_image_has_alternative_text_and_every_widget_a_picture(path: Path) -> None:
    """Figures are stored as HTML images with alt text (JupyterLab shows HTML before a notebook
    is trusted); a widget's output carries a picture of its figure and a hint to run the cell,
    because before the kernel runs there is no widget to show; no unused widget state."""
    nb = load(path)
    assert "widgets" not in nb["metadata"], (
        "stored widget state: execute with --ExecutePreprocessor.store_widget_state=False"
    )
    figures = widgets = 0
    for index, cell in enumerate(nb["cells"]):
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            assert "image/png" not in data, f"cell {index}: a PNG without alternative text"
            if "<img" not in "".join(data.get("text/html", "")):
                if WIDGET_VIEW in data:  # only a progress bar, closed after training, has none
                    assert not "".join(data["text/plain"]), f"cell {index}: a widget as text"
                continue
            found = IMG.findall("".join(data["text/html"]))
            assert len(found) == 1, f"cell {index}: expected one image with alt text and width"
            alt, width = found[0]
            assert len(alt) > 20 and int(width) > 100, (index, alt, width)
            if WIDGET_VIEW in data:
                widgets += 1
                hint = "".join(data["text/plain"])
                assert hint.startswith(ck.widgets.core.PREVIEW_HINT), (index, hint)
                assert int(width) <= 848, f"cell {index}: a widget wider than the column"
            else:
                figures += 1
    assert figures >= 5, f"only {figures} figures"
    assert widgets >= 1, "no widget with a picture"


#: The longest printed line that fits the notebook column at 1280 x 720 without wrapping.
PRINTED_WIDTH = 95


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_printed_lines_fit_the_column_on_a_projector(path: Path) -> None:
    nb = load(path)
    long = [
        (index, line)
        for index, cell in enumerate(nb["cells"])
        for output in cell.get("outputs", [])
        if output["output_type"] == "stream"
        for line in "".join(output["text"]).splitlines()
        if len(line) > PRINTED_WIDTH
    ]
    assert not long, f"printed lines over {PRINTED_WIDTH} characters (cell, line): {long}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_starts_with_the_set_up_call_and_carries_the_slide_terms(path: Path) -> None:
    nb = load(path)
    first_code = next(c for c in nb["cells"] if c["cell_type"] == "code")
    assert "ck.setup(" in source(first_code)
    title = source(nb["cells"][0]).splitlines()[0]
    assert title.startswith(f"# {path.name[:3]} ") and " · " in title and CJK.search(title)
    headings = [
        line
        for c in nb["cells"]
        if c["cell_type"] == "markdown"
        for line in source(c).splitlines()
        if line.startswith("## ")
    ]
    numbered = [h for h in headings if re.match(r"## \d", h)]
    assert numbered, "sections are numbered like the slides"
    for heading in numbered:
        assert " · " in heading and CJK.search(heading), f"add the slide's term to: {heading}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_exercises_follow_the_nbgrader_format(path: Path) -> None:
    nb = load(path)
    pairs = exercises(nb)
    assert len(pairs) >= MIN_EXERCISES.get(path.name[:3], 2), "too few graded exercises"
    ids = [c["metadata"]["nbgrader"]["grade_id"] for pair in pairs for c in pair]
    assert len(ids) == len(set(ids)), "grade_id must be unique"
    for solution, test in pairs:
        meta_s, meta_t = solution["metadata"]["nbgrader"], test["metadata"]["nbgrader"]
        assert meta_s["schema_version"] == meta_t["schema_version"] == 3
        assert meta_s == {**meta_s, "grade": False, "solution": True, "locked": False}
        assert meta_t == {**meta_t, "grade": True, "solution": False, "locked": True}
        assert meta_t["points"] > 0
        assert SOLUTION.search(source(solution))
        assert HIDDEN.search(source(test)), "hidden tests with fresh random inputs"
        assert "seed=None" in HIDDEN.search(source(test)).group(0)


def run(code: str, namespace: dict[str, Any]) -> None:
    exec(compile(code, "<exercise>", "exec"), namespace)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_released_exercises_say_not_implemented_yet(
    path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for solution, test in exercises(load(path)):
        namespace: dict[str, Any] = {"ck": ck, "np": np}
        run(SOLUTION.sub("raise NotImplementedError()\n", source(solution)), namespace)
        visible = HIDDEN.sub("", source(test))
        with pytest.raises(CheckFailed, match="not implemented yet"):
            run(visible, namespace)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_solutions_pass_visible_and_hidden_tests(
    path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for solution, test in exercises(load(path)):
        namespace: dict[str, Any] = {"ck": ck, "np": np}
        run(source(solution), namespace)
        run(source(test), namespace)
        lines = capsys.readouterr().out.splitlines()
        assert sum(line.startswith("OK ") for line in lines) == 2
        assert all(line.startswith(("OK ", "  ")) for line in lines)  # notes are indented
