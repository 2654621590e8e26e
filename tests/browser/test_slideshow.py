"""Lecture mode in JupyterLab: notebook 5.1 as a RISE slideshow (jupyterlab-rise).

The lecturer's flow: open the notebook, run all cells, press the toolbar's slideshow button
(command ``RISE:slideshow``, which saves the notebook and opens ``/rise/<path>`` in a new tab),
then step through the deck with the space bar. The deck is the notebook's own metadata, so the
test fails if the notebook does not follow the deck rules (``python tools/deck.py --write``).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, SCREENSHOTS, deck_of
from labdriver import _RUN_ALL, _SETTLED, Chromium, JupyterLab, open_notebook

sys.path.insert(0, str(ROOT / "tools"))
import deck  # tools/deck.py

NAME = "5.1-network-optimization.ipynb"  # the fastest notebook (about 8 s)
#: The leaf <section>s of the reveal.js deck that RISE builds: one per slide or subslide.
_LEAVES = ".reveal .slides section:not(:has(section))"
_SLIDES = f"() => document.querySelectorAll('{_LEAVES}').length"
_PRESENT = """() => {
  const slides = Array.from(document.querySelectorAll('LEAVES'));
  const present = slides.findIndex((s) => s.classList.contains('present'));
  return {index: present, text: present < 0 ? '' : slides[present].innerText.slice(0, 200),
          images: present < 0 ? 0 : slides[present].querySelectorAll('img').length,
          errors: document.querySelectorAll('[data-mime-type*="error"]').length};
}""".replace("LEAVES", _LEAVES)


def start_slideshow(chromium: Chromium, lab: JupyterLab) -> tuple[Any, Any]:
    """Open the notebook in JupyterLab, run all cells, and start RISE; return both pages."""
    page = chromium.new_page()
    open_notebook(page, lab, NAME)
    page.evaluate(_RUN_ALL)
    page.wait_for_function(_SETTLED, timeout=120_000, polling=100)
    # RISE starts at the selected cell: select the title, as the lecturer would
    page.evaluate("() => { window.jupyterapp.shell.currentWidget.content.activeCellIndex = 0; }")
    with page.context.expect_page(timeout=30_000) as opened:
        page.evaluate("() => window.jupyterapp.commands.execute('RISE:slideshow')")
    rise = opened.value
    rise.set_default_timeout(60_000)
    rise.wait_for_selector(".reveal .slides section.present", timeout=60_000)
    rise.wait_for_function(f"() => ({_SLIDES})() > 1")
    return page, rise


@pytest.mark.timeout(180)
def test_the_rise_slideshow_shows_every_slide_of_the_deck(
    lab: JupyterLab, chromium: Chromium
) -> None:
    types = deck_of(ROOT / "notebooks" / NAME)
    assert (Path(lab.root_dir) / NAME).read_bytes() == (ROOT / "notebooks" / NAME).read_bytes()
    expected = deck.slide_count(types)
    start = time.monotonic()
    page, rise = start_slideshow(chromium, lab)
    try:
        assert "/rise/" + NAME in rise.url
        total = rise.evaluate(_SLIDES)
        rise.wait_for_timeout(500)  # RISE selects a cell after it shows a slide
        seen = [rise.evaluate(_PRESENT)]
        for _ in range(4 * expected):  # fragments take a key press too
            if seen[-1]["index"] == total - 1:
                break
            rise.keyboard.press("Space")
            rise.wait_for_timeout(150)
            now = rise.evaluate(_PRESENT)
            if now["index"] != seen[-1]["index"]:
                seen.append(now)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        rise.screenshot(path=str(SCREENSHOTS / "slideshow-last.png"))
    finally:
        rise.close()
        page.evaluate("() => window.jupyterapp.shell.currentWidget.sessionContext.shutdown()")
        page.close()
    assert total == expected, f"RISE shows {total} slides, the deck rules give {expected}"
    assert [s["index"] for s in seen] == list(range(expected)), seen
    assert seen[0]["text"].startswith("5.1 Network optimization"), seen[0]
    assert "summary" in seen[-1]["text"].lower(), seen[-1]
    assert sum(s["images"] for s in seen) >= 4  # the figures of the run are on the slides
    assert all(s["errors"] == 0 for s in seen)
    assert time.monotonic() - start < 90


@pytest.mark.timeout(180)
def test_a_slider_moves_the_figure_in_the_rise_slideshow(
    lab: JupyterLab, chromium: Chromium
) -> None:
    types = deck_of(ROOT / "notebooks" / NAME)
    nb = json.loads((ROOT / "notebooks" / NAME).read_text(encoding="utf-8"))
    widget_cell = next(
        k
        for k, c in enumerate(nb["cells"])
        if "ck.widgets." in "".join(c["source"]) and types[k] == "-"
    )
    slide = deck.slide_count(types[: widget_cell + 1]) - 1
    page, rise = start_slideshow(chromium, lab)
    try:
        for _ in range(4 * slide):
            if rise.evaluate(_PRESENT)["index"] == slide:
                break
            rise.keyboard.press("Space")
            rise.wait_for_timeout(150)
        # A click on the slider's track, as a lecturer moves it: in RISE's page the arrow keys
        # belong to the slideshow (its notebook shortcuts see a focused handle first, and
        # reveal.js then moves to the next slide).
        track = rise.locator(".reveal section.present .widget-slider .noUi-base").first
        track.wait_for(timeout=15_000)
        image = rise.locator(".reveal section.present .jupyter-widgets img").first
        before = image.get_attribute("src")
        box = track.bounding_box()
        assert box is not None and box["width"] > 20, f"no slider track to click: {box}"
        track.click(position={"x": 0.8 * box["width"], "y": box["height"] / 2})
        rise.wait_for_function(
            "(before) => { const img = document.querySelector("
            "'.reveal section.present .jupyter-widgets img'); return img && img.src !== before; }",
            arg=before,
            timeout=30_000,
        )
    finally:
        rise.close()
        page.evaluate("() => window.jupyterapp.shell.currentWidget.sessionContext.shutdown()")
        page.close()
