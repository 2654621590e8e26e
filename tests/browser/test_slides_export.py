"""The offline slides of ``make slides`` in Chromium, with every request to the network refused.

The notebook's own stored deck metadata is exported (tools/slides.py), so the test fails if the
notebook does not follow the deck rules: run ``python tools/deck.py --write`` on it first.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, SCREENSHOTS, deck_of
from labdriver import Chromium

sys.path.insert(0, str(ROOT / "tools"))
import deck  # tools/deck.py
import slides  # tools/slides.py

NOTEBOOK = ROOT / "notebooks" / "5.1-network-optimization.ipynb"


def has_math(nb: dict[str, Any]) -> bool:
    return any(
        c["cell_type"] == "markdown" and "$" in "".join(c["source"])
        for c, t in zip(nb["cells"], deck.slide_types(nb), strict=True)
        if t not in ("skip", "notes")
    )


@pytest.mark.timeout(120)
def test_the_slides_open_offline_and_reach_the_last_slide(
    chromium: Chromium, tmp_path: Path
) -> None:
    expected = deck.slide_count(deck_of(NOTEBOOK))
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    (html,) = slides.build([NOTEBOOK], tmp_path)
    page = chromium.new_page()
    network: list[str] = []
    errors: list[str] = []

    def refuse(route: Any) -> None:
        network.append(route.request.url)
        route.abort()

    page.route(lambda url: not url.startswith(("file:", "data:")), refuse)
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(html.as_uri())
        page.wait_for_function("() => window.Reveal && Reveal.isReady()", timeout=30_000)
        total = page.evaluate("() => Reveal.getTotalSlides()")
        if has_math(nb):
            page.wait_for_function(
                "() => window.MathJax && MathJax.startup && MathJax.startup.promise"
                " && document.querySelectorAll('mjx-container').length > 0",
                timeout=30_000,
            )
            page.evaluate("() => MathJax.startup.promise")
        math = page.evaluate(
            "() => ({shown: document.querySelectorAll('mjx-container').length,"
            " failed: document.querySelectorAll('mjx-merror, [data-mjx-error]').length,"
            " raw: Array.from(document.querySelectorAll('.jp-MarkdownOutput'))"
            "   .filter((n) => /\\$[^$\\s][^$]*\\$/.test(n.innerText)).length})"
        )
        page.keyboard.press("End")  # the last horizontal slide
        for _ in range(total):  # then down its vertical stack
            if page.evaluate("() => Reveal.isLastSlide()"):
                break
            page.keyboard.press("ArrowDown")
        last = page.evaluate(
            "() => ({last: Reveal.isLastSlide(), past: Reveal.getSlidePastCount(),"
            " text: Reveal.getCurrentSlide().innerText.slice(0, 200)})"
        )
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "slides-export-last.png"))
    finally:
        page.close()
    assert network == [], f"the slides asked the network for {network}"
    assert errors == [], f"JavaScript errors: {errors}"
    assert total == expected, f"Reveal shows {total} slides, the deck rules give {expected}"
    if has_math(nb):
        assert math["shown"] > 0 and math["failed"] == 0, math
        assert math["raw"] == 0, f"{math['raw']} markdown cells still show $...$ as text"
    assert last["last"] and last["past"] == total - 1, last
    assert "summary" in last["text"].lower(), last  # the deck ends on the summary
