"""What a student sees on opening a notebook, before running anything, in a real JupyterLab.

A notebook opened for the first time is not trusted, and no widget exists before its cell has
run. Every figure must still show, with its alternative text, and every widget cell must show a
picture of its figure under a one-line hint to run the cell: never a Python repr such as
``VBox(children=...`` or "Error displaying widget". Screenshots at 1280x720 (a projector) of the
first widget cell go to build/screenshots/NAME-before-run.png.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from labdriver import WIDGET_MIME, Chromium, JupyterLab, LabError, open_notebook
from test_notebooks_in_browser import WIDGET_AS_TEXT

import coursekit as ck

ROOT = Path(__file__).resolve().parents[2]
NAMES = sorted(path.name for path in (ROOT / "notebooks").glob("*.ipynb"))
SCREENSHOTS = ROOT / "build" / "screenshots"
pytestmark = pytest.mark.timeout(300)

_PICTURES = """() => {
  const panel = window.jupyterapp.shell.currentWidget;
  const cells = panel.content.widgets.filter((cell) => cell.model.type === 'code');
  const found = [];
  cells.forEach((cell, index) => {
    const nodes = Array.from(cell.node.querySelectorAll('.jp-OutputArea-output'));
    cell.model.outputs.toJSON().forEach((output, k) => {
      const data = output.data || {};
      const html = [].concat(data['text/html'] || []).join('');
      const widget = 'WIDGET_MIME' in data;
      if (!widget && !html.includes('<img')) { return; }
      const node = nodes[k];
      const img = node ? node.querySelector('img') : null;
      found.push({
        cell: index,
        widget: widget,
        picture: html.includes('<img'),
        mime: node ? node.getAttribute('data-mime-type') : null,
        alt: img ? img.getAttribute('alt') : null,
        loaded: !!(img && img.complete && img.naturalWidth > 0),
        shown_width: img ? img.getBoundingClientRect().width : 0,
        text: node ? node.innerText.slice(0, 300) : '(no node)',
      });
    });
  });
  return found;
}""".replace("WIDGET_MIME", WIDGET_MIME)


def stored_pictures(name: str) -> tuple[int, int]:
    """(figures, widgets) stored in the notebook's outputs as pictures."""
    nb = json.loads((ROOT / "notebooks" / name).read_text(encoding="utf-8"))
    figures = widgets = 0
    for cell in nb["cells"]:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if "<img" not in "".join(data.get("text/html", "")):
                continue  # a progress bar closed after training: stored as an empty line
            if WIDGET_MIME in data:
                widgets += 1
            else:
                figures += 1
    return figures, widgets


@pytest.mark.parametrize("name", NAMES)
def test_figures_and_widget_pictures_show_before_the_kernel_runs(
    name: str, lab: JupyterLab, chromium: Chromium
) -> None:
    page = chromium.new_page()
    page.set_viewport_size({"width": 1280, "height": 720})
    try:
        try:
            open_notebook(page, lab, name)
        except LabError as error:
            pytest.fail(f"{name}: {error}\nJupyterLab log:\n{lab.log_tail()}", pytrace=False)
        page.wait_for_function(
            "() => Array.from(document.querySelectorAll('.jp-OutputArea-output img'))"
            ".every((img) => img.complete)"
        )
        found = page.evaluate(_PICTURES)
        for output in found:  # e.g. progress bars: empty, never a repr
            assert not WIDGET_AS_TEXT.search(output["text"]), (output["cell"], output["text"])
        shown = [output for output in found if output["picture"]]
        figures, widgets = stored_pictures(name)
        assert len(shown) == figures + widgets and widgets >= 1, (len(shown), figures, widgets)
        for picture in shown:
            where = f"{name}, cell {picture['cell']}"
            assert picture["mime"] == "text/html", f"{where}: shown as {picture['mime']}"
            assert picture["loaded"] and picture["shown_width"] > 100, f"{where}: no image"
            assert picture["alt"] and len(picture["alt"]) > 20, f"{where}: alt {picture['alt']!r}"
            assert not WIDGET_AS_TEXT.search(picture["text"]), f"{where}: {picture['text']!r}"
            if picture["widget"]:
                assert picture["text"].startswith(ck.widgets.core.PREVIEW_HINT), (
                    f"{where}: no hint to run the cell: {picture['text'][:100]!r}"
                )
        first = next(p["cell"] for p in shown if p["widget"])
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.evaluate("() => window.jupyterapp.shell.collapseLeft()")
        caption = page.locator(".coursekit-caption").first
        caption.scroll_into_view_if_needed()
        page.screenshot(path=str(SCREENSHOTS / f"{Path(name).stem}-before-run.png"))
        assert caption.is_visible(), f"{name}: the hint of cell {first} is not visible"
    finally:
        page.close()
