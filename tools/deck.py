"""Lecture mode: the slideshow metadata of every notebook cell, given by rules, not by hand.

    python tools/deck.py --write notebooks/*.ipynb   # set each cell's slide type (in place)
    python tools/deck.py --check notebooks/*.ipynb   # exit 1, naming each cell that differs

The rules give every cell ``metadata.slideshow.slide_type``, one of ``slide``, ``subslide``,
``fragment``, ``-`` (continue the current slide), ``skip`` or ``notes``, and collapse the input
of long code cells (``metadata.jupyter.source_hidden``), so that a lecturer presents one idea per
slide with RISE in JupyterLab or with the reveal.js export of ``make slides``:

* the title cell, and every markdown cell with a section heading (``## N. English · 中文``)
  starts a **slide**; a cell with a ``###`` heading starts a **subslide**;
* a slide that already shows a figure continues on a **subslide** at the next markdown cell that
  introduces another figure (one figure per slide, with its introduction and its reading), and a
  slide that shows more than :data:`MAX_FIGURES` figures or :data:`MAX_CELLS` cells continues on
  a subslide at its next markdown cell, so that no slide runs far off the screen;
* a markdown cell that opens with ``<details>`` (the folded explanation after a prediction) is a
  **fragment**: it appears on the next key press, after the class has guessed;
* the "For lecturers" section is **notes** (reveal.js speaker notes, ``s`` in the export);
* **skipped** code cells: the set-up cell (imports, seeds, data), nbgrader's solution cells (the
  lecturer does not show the solutions) and its grading cells (hidden tests), and long cells that
  only define helpers (more than :data:`MAX_SHOWN_CODE_LINES` lines and no output);
* other code cells longer than :data:`MAX_SHOWN_CODE_LINES` lines continue the slide with their
  input **collapsed**: the figure or printout shows, the code is one click away.

Skipped and collapsed cells are executed like any other, so the deck is live when the notebook
is run top to bottom: run all cells (``Run > Run All Cells``), then start the slideshow. Running
slide by slide with Shift-Enter instead would pass over the skipped cells (the set-up, the
solutions), and the later cells would fail; hence skip is kept for cells nobody needs to see.

The rules look at the sources, nbgrader's metadata and the stored outputs (figures), so rerun
``--write`` after adding or re-executing cells; ``tests/test_deck.py`` fails until the notebooks
agree with the rules. ``--write`` changes nothing but ``slideshow`` and ``jupyter.source_hidden``
and writes the JSON exactly as nbformat does (indent 1, sorted keys, UTF-8, final newline).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: Every slide type RISE and nbconvert know.
SLIDE_TYPES = ("slide", "subslide", "fragment", "-", "skip", "notes")
#: A shown code cell longer than this (lines with code) is collapsed, or skipped if silent.
MAX_SHOWN_CODE_LINES = 15
#: A (sub)slide with more figures than this continues on a subslide at its next markdown cell.
MAX_FIGURES = 2
#: A (sub)slide with more shown cells than this continues on a subslide at its next markdown cell.
MAX_CELLS = 3

_HEADING = re.compile(r"^(#{1,6})\s+\S")
_FENCE = re.compile(r"^\s*(```|~~~)")
_LECTURER_NOTES = re.compile(r"^#{1,2}\s+(for lecturers|lecturer'?s? notes)", re.IGNORECASE)
_IMAGE_MIMES = ("image/png", "image/jpeg", "image/svg+xml")
_WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


@dataclass(frozen=True)
class CellPlan:
    """What the rules give one cell: its slide type and whether its input is collapsed."""

    slide_type: str
    collapsed: bool = False


def _source(cell: Mapping[str, Any]) -> str:
    source = cell.get("source", "")
    return source if isinstance(source, str) else "".join(source)


def heading_levels(source: str) -> list[int]:
    """The levels of the Markdown headings in ``source`` (``## a`` is 2), outside code fences."""
    levels, fenced = [], False
    for line in source.splitlines():
        if _FENCE.match(line):
            fenced = not fenced
            continue
        match = None if fenced else _HEADING.match(line)
        if match:
            levels.append(len(match.group(1)))
    return levels


def code_lines(source: str) -> int:
    """Lines of ``source`` that hold code (not blank, not only a comment)."""
    return sum(
        1 for line in source.splitlines() if line.strip() and not line.strip().startswith("#")
    )


def figure_count(cell: Mapping[str, Any]) -> int:
    """Outputs of a code cell that draw a picture: images and widget views."""
    count = 0
    for output in cell.get("outputs", []):
        data = output.get("data", {})
        if any(m in data for m in _IMAGE_MIMES) or "<img" in "".join(data.get("text/html", "")):
            count += 1  # a figure (coursekit stores figures as HTML images with alt text)
        elif _WIDGET_MIME in data and "".join(data.get("text/plain", "")).strip():
            count += 1  # a live widget; a finished progress bar's view has no text
    return count


def is_lecturer_notes(cell: Mapping[str, Any]) -> bool:
    """Whether a markdown cell opens the lecturers' section ("## For lecturers: ...")."""
    return cell.get("cell_type") == "markdown" and bool(
        _LECTURER_NOTES.match(_source(cell).lstrip())
    )


def is_graded(cell: Mapping[str, Any]) -> bool:
    """Whether nbgrader marks the cell as a solution or as a grading cell (hidden tests)."""
    nbgrader = cell.get("metadata", {}).get("nbgrader", {})
    return bool(nbgrader.get("solution") or nbgrader.get("grade")) or (
        "BEGIN HIDDEN TESTS" in _source(cell)
    )


def _base_plan(cells: Sequence[Mapping[str, Any]]) -> list[CellPlan]:
    """The plan of every cell before long slides are broken up."""
    plans: list[CellPlan] = []
    in_notes = False
    first_code = next((k for k, c in enumerate(cells) if c.get("cell_type") == "code"), None)
    for index, cell in enumerate(cells):
        source = _source(cell)
        levels = heading_levels(source) if cell.get("cell_type") == "markdown" else []
        if is_lecturer_notes(cell):
            in_notes = True
        elif levels and min(levels) <= 2:
            in_notes = False
        if index == 0:
            plans.append(CellPlan("slide"))
        elif in_notes:
            plans.append(CellPlan("notes" if cell.get("cell_type") == "markdown" else "skip"))
        elif cell.get("cell_type") == "markdown":
            if levels and min(levels) <= 2:
                plans.append(CellPlan("slide"))
            elif 3 in levels:
                plans.append(CellPlan("subslide"))
            elif source.lstrip().startswith("<details"):
                plans.append(CellPlan("fragment"))
            else:
                plans.append(CellPlan("-"))
        elif cell.get("cell_type") != "code":  # raw cells are not shown
            plans.append(CellPlan("skip"))
        elif index == first_code or is_graded(cell):
            plans.append(CellPlan("skip"))
        elif code_lines(source) > MAX_SHOWN_CODE_LINES:
            silent = not cell.get("outputs")
            plans.append(CellPlan("skip") if silent else CellPlan("-", collapsed=True))
        else:
            plans.append(CellPlan("-"))
    return plans


def _introduces_figure(
    cells: Sequence[Mapping[str, Any]], plans: Sequence[CellPlan], index: int
) -> bool:
    """Whether the markdown cell ``index`` introduces a figure: the next shown cell is code
    that draws one. Such a cell starts a subslide when the slide already shows a figure, so
    that each figure gets its slide with its introduction, and the paragraph that reads a
    figure stays on the figure's slide."""
    for cell, plan in zip(cells[index + 1 :], plans[index + 1 :], strict=True):
        if plan.slide_type in ("skip", "notes"):
            continue
        return cell.get("cell_type") == "code" and figure_count(cell) > 0
    return False


def cell_plans(nb: Mapping[str, Any]) -> list[CellPlan]:
    """The slide type and collapse of every cell of the notebook ``nb`` (a JSON dict or node)."""
    cells = nb["cells"]
    plans = _base_plan(cells)
    figures = shown = 0
    for index, (cell, plan) in enumerate(zip(cells, plans, strict=True)):
        if plan.slide_type in ("slide", "subslide"):
            figures = shown = 0
        elif (
            plan.slide_type == "-"
            and cell.get("cell_type") == "markdown"
            and (
                (figures and _introduces_figure(cells, plans, index))
                or figures > MAX_FIGURES
                or shown > MAX_CELLS
            )
        ):
            plans[index] = plan = CellPlan("subslide")
            figures = shown = 0
        if plan.slide_type not in ("skip", "notes"):
            shown += 1
            figures += figure_count(cell)
    return plans


def slide_types(nb: Mapping[str, Any]) -> list[str]:
    """The slide type the rules give each cell of ``nb``, in order."""
    return [plan.slide_type for plan in cell_plans(nb)]


def slide_count(types: Sequence[str]) -> int:
    """How many slides reveal.js and RISE show for these slide types (subslides included)."""
    return sum(1 for t in types if t in ("slide", "subslide"))


def apply(nb: dict[str, Any]) -> int:
    """Set every cell's ``slideshow`` and ``jupyter.source_hidden`` to the rules; return changes."""
    changed = 0
    for cell, plan in zip(nb["cells"], cell_plans(nb), strict=True):
        metadata = cell.setdefault("metadata", {})
        before = json.dumps(metadata, sort_keys=True)
        metadata["slideshow"] = {**metadata.get("slideshow", {}), "slide_type": plan.slide_type}
        if plan.collapsed:
            metadata.setdefault("jupyter", {})["source_hidden"] = True
        elif "source_hidden" in metadata.get("jupyter", {}):
            del metadata["jupyter"]["source_hidden"]
            if not metadata["jupyter"]:
                del metadata["jupyter"]
        changed += json.dumps(metadata, sort_keys=True) != before
    return changed


def differences(nb: Mapping[str, Any]) -> list[str]:
    """One line per cell whose stored metadata differs from the rules (empty: all agree)."""
    found = []
    for index, (cell, plan) in enumerate(zip(nb["cells"], cell_plans(nb), strict=True)):
        metadata = cell.get("metadata", {})
        stored = metadata.get("slideshow", {}).get("slide_type")
        hidden = bool(metadata.get("jupyter", {}).get("source_hidden", False))
        first = next(iter(_source(cell).splitlines()), "")[:60]
        where = f"cell {index} (id {cell.get('id', '?')}, {first!r})"
        if stored != plan.slide_type:
            found.append(f"{where}: slide_type is {stored!r}, the rules give {plan.slide_type!r}")
        if cell.get("cell_type") == "code" and hidden != plan.collapsed:
            state = "collapsed" if plan.collapsed else "not collapsed"
            found.append(f"{where}: jupyter.source_hidden is {hidden}, the rules give {state}")
    return found


def dumps(nb: Mapping[str, Any]) -> str:
    """The notebook as nbformat writes it: indent 1, sorted keys, UTF-8 text, final newline."""
    return json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``--write`` or ``--check`` the notebooks given; 1 if any cell differs."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true", help="set the metadata in place")
    mode.add_argument("--check", action="store_true", help="report cells that differ; exit 1")
    parser.add_argument("notebooks", nargs="+", type=Path)
    args = parser.parse_args(argv)
    status = 0
    for path in args.notebooks:
        text = path.read_text(encoding="utf-8")
        nb = json.loads(text)
        if args.write:
            changed = apply(nb)
            new = dumps(nb)
            if new != text:
                path.write_text(new, encoding="utf-8")
            types = slide_types(nb)
            print(f"{path}: {changed} cells changed, {slide_count(types)} slides")
        else:
            found = differences(nb)
            for line in found:
                print(f"{path}: {line}")
            if found:
                status = 1
                print(f"{path}: rerun `python tools/deck.py --write {path}`")
    return status


if __name__ == "__main__":
    sys.exit(main())
