"""A failed exercise check, as a student sees it in JupyterLab: one block, no package frames."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import SCREENSHOTS
from labdriver import _RUN_ALL, _SETTLED, Chromium, JupyterLab, open_notebook

#: A student's momentum step with the slide's sign, then the exercise's check cell.
CELLS = [
    "import numpy as np\n\nimport coursekit as ck",
    "def momentum_step(theta, velocity, grad, lr, momentum):\n"
    "    velocity = momentum * velocity - lr * grad\n"
    "    return theta - velocity, velocity",
    "ck.check.check_momentum_step(momentum_step)",
]


def test_a_failed_check_shows_its_hint_without_the_package_frames(
    lab: JupyterLab, chromium: Chromium
) -> None:
    notebook = {
        "cells": [
            {
                "cell_type": "code",
                "metadata": {},
                "source": s,
                "outputs": [],
                "execution_count": None,
            }
            for s in CELLS
        ],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    name = "feedback-demo.ipynb"
    (Path(lab.root_dir) / name).write_text(json.dumps(notebook), encoding="utf-8")
    page = chromium.new_page()
    try:
        open_notebook(page, lab, name)
        page.evaluate(_RUN_ALL)
        page.wait_for_function(_SETTLED, timeout=120_000, polling=100)
        output = page.locator(".jp-Cell").nth(len(CELLS) - 1).locator(".jp-OutputArea")
        text = output.inner_text()
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        output.screenshot(path=str(SCREENSHOTS / "feedback-failed-check.png"))
    finally:
        page.evaluate("() => window.jupyterapp.shell.currentWidget.sessionContext.shutdown()")
        page.close()
    assert "Check failed" in text and "add it" in text  # the message and its hint
    assert "coursekit" not in text and "Traceback" not in text  # no frames of the machinery
    assert len(text.splitlines()) <= 6, text  # one short block
