"""Fixtures for the browser tests: one JupyterLab server and one Chromium for the session.

Both are started lazily, by the first test that needs them, and always shut down at the end of
the session, also when a test fails. The notebooks run on a copy in a temporary folder, so the
stored outputs in ``notebooks/`` are never touched. Screenshots go to ``build/screenshots/``
(git-ignored) and the measured latencies to ``build/browser/``.
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path

import pytest
from labdriver import Chromium, JupyterLab, LabError, NotebookReport, drive_notebook

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
SCREENSHOTS = ROOT / "build" / "screenshots"
RESULTS = ROOT / "build" / "browser"

sys.path.insert(0, str(ROOT / "tools"))
import deck  # noqa: E402 - tools/deck.py


def deck_of(path: Path) -> list[str]:
    """The slide types of the notebook at ``path``; the test fails if its stored deck metadata
    is not what the rules give (the slideshow and the export use the stored metadata)."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    problems = deck.differences(nb)
    if problems:
        pytest.fail(
            f"{path.name} does not carry the deck metadata of the rules; run `python "
            f"tools/deck.py --write notebooks/{path.name}` first. " + "; ".join(problems[:3]),
            pytrace=False,
        )
    return deck.slide_types(nb)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JupyterLab]:
    root = tmp_path_factory.mktemp("lab")
    for path in NOTEBOOKS:
        shutil.copy(path, root / path.name)
    try:
        server = JupyterLab(root).start()
    except LabError as error:
        pytest.fail(str(error), pytrace=False)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def chromium() -> Iterator[Chromium]:
    try:
        browser = Chromium().start()
    except LabError as error:
        pytest.fail(str(error), pytrace=False)
    try:
        yield browser
    finally:
        browser.stop()


@pytest.fixture(scope="session")
def reports() -> dict[str, NotebookReport | LabError]:
    return {}


@pytest.fixture
def report(
    request: pytest.FixtureRequest,
    lab: JupyterLab,
    chromium: Chromium,
    reports: dict[str, NotebookReport | LabError],
) -> NotebookReport:
    """The notebook of the test's ``name`` parameter, driven once per session."""
    name = request.node.callspec.params["name"]
    if name not in reports:
        try:
            reports[name] = drive_notebook(chromium, lab, name, screenshot_dir=SCREENSHOTS)
        except LabError as error:
            reports[name] = error
        else:
            RESULTS.mkdir(parents=True, exist_ok=True)
            data = asdict(reports[name])
            data["live_widgets"] = sorted(data["live_widgets"])
            path = RESULTS / f"{Path(name).stem}.json"
            path.write_text(json.dumps(data, default=str, indent=1))
    result = reports[name]
    if isinstance(result, LabError):
        pytest.fail(f"{name}: {result}\nJupyterLab log:\n{lab.log_tail()}", pytrace=False)
    return result
