"""Drive the notebooks in a real JupyterLab with Debian's Chromium, through Playwright.

Used by the browser tests (``tests/browser``) and by ``benchmarks/run.py``. Everything has a
timeout and everything is shut down on the way out, also when a step fails:

    with JupyterLab(notebook_dir) as lab, Chromium() as browser:
        report = drive_notebook(browser, lab, "5.2-minibatch-gradient-descent.ipynb")

``drive_notebook`` opens a notebook, clears its stored outputs, runs all cells, records each
code cell's outputs and how the page rendered them, asks the kernel which widgets are still
alive, then moves every slider (and picks another entry of every dropdown) of every live widget
and times the key press until the figure it drives shows different image data.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Chromium flags that work as root in a container with no network beyond the package registries.
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
)
#: JupyterLab settings for the test server: render every cell (no virtual scrolling, so that all
#: outputs are in the page), and no news or update pop-ups over the screenshots.
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


#: Marks the one line of kernel output that carries JSON: a kernel may print warnings (to
#: stderr or stdout) before or after it, on any machine, and those must not be parsed.
JSON_MARKER = "@@coursekit-json@@ "


def print_marked_json(expression: str) -> str:
    """Python code that prints ``expression`` as JSON on one line that starts with the marker."""
    return f"import json as _j\nprint({JSON_MARKER!r} + _j.dumps({expression}))\ndel _j\n"


def read_marked_json(text: str) -> Any:
    """Parse the JSON of the last marked line in ``text``, ignoring every other line.

    Raises:
        ValueError: if no line carries the marker (the text is quoted, so the caller sees
            what the kernel printed instead, for example an error).
    """
    marked = [line for line in text.splitlines() if line.startswith(JSON_MARKER)]
    if not marked:
        raise ValueError(f"no line starting with {JSON_MARKER.strip()!r} in {text[-2000:]!r}")
    return json.loads(marked[-1][len(JSON_MARKER) :])


class LabError(RuntimeError):
    """JupyterLab or Chromium could not be started, or a notebook could not be driven."""


def find_chromium() -> str:
    """Path of the Chromium to drive: ``$COURSEKIT_CHROMIUM``, else the first on ``PATH``."""
    configured = os.environ.get("COURSEKIT_CHROMIUM")
    if configured:
        if not (Path(configured).is_file() and os.access(configured, os.X_OK)):
            raise LabError(
                f"COURSEKIT_CHROMIUM={configured!r} is not an executable file; point it at a "
                "Chromium or Chrome binary, or unset it to search PATH for chromium"
            )
        return configured
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    raise LabError(
        "Chromium not found (looked for " + ", ".join(CHROMIUM_NAMES) + " on PATH). The browser "
        "tests need it: on Debian or Ubuntu run `sudo apt-get install chromium` (or `make "
        "browser`), elsewhere set COURSEKIT_CHROMIUM to a Chromium or Chrome executable. "
        "(`playwright install` needs a download that our machines cannot make.)"
    )


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    """Whether nothing listens on ``host:port`` (so that a server can bind it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def free_port(host: str = "127.0.0.1") -> int:
    """A port that the operating system reports free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class JupyterLab:
    """A JupyterLab server on 127.0.0.1 with an empty token, serving ``root_dir``.

    ``port`` defaults to ``$COURSEKIT_LAB_PORT`` or, if unset, a free port. A port in use is an
    error (the server is told not to try the next one). The server gets its own settings
    directory, so that every cell renders (no virtual scrolling) whatever the user configured.
    """

    def __init__(
        self,
        root_dir: Path | str,
        *,
        port: int | None = None,
        python: str = sys.executable,
        startup_timeout: float = 120.0,
    ) -> None:
        self.root_dir = Path(root_dir)
        if not self.root_dir.is_dir():
            raise LabError(f"root_dir {str(self.root_dir)!r} is not a directory")
        if port is None and os.environ.get("COURSEKIT_LAB_PORT"):
            port = int(os.environ["COURSEKIT_LAB_PORT"])
        if port is not None and not 1 <= port <= 65535:
            raise LabError(f"port must be in 1..65535, got {port}")
        self.port = port
        self.python = python
        self.startup_timeout = startup_timeout
        self.process: subprocess.Popen[bytes] | None = None
        self._home = Path(tempfile.mkdtemp(prefix="coursekit-lab-"))
        self.log_path = self._home / "jupyterlab.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_tail(self, lines: int = 25) -> str:
        if not self.log_path.exists():
            return "(no log)"
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def start(self) -> JupyterLab:
        if self.port is None:
            self.port = free_port()
        elif not port_is_free(self.port):
            raise LabError(
                f"port {self.port} on 127.0.0.1 is already in use (another JupyterLab?); stop "
                "that server, or set COURSEKIT_LAB_PORT to a free port, or unset it to let the "
                "tests pick one"
            )
        for plugin, values in LAB_SETTINGS.items():
            path = self._home / "settings" / f"{plugin}.jupyterlab-settings"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(values))
        env = dict(
            os.environ,
            JUPYTERLAB_SETTINGS_DIR=str(self._home / "settings"),
            JUPYTERLAB_WORKSPACES_DIR=str(self._home / "workspaces"),
            JUPYTER_RUNTIME_DIR=str(self._home / "runtime"),
        )
        command = [
            self.python,
            "-m",
            "jupyterlab",
            "--no-browser",
            "--allow-root",
            "--ip=127.0.0.1",
            f"--port={self.port}",
            "--ServerApp.port_retries=0",
            "--IdentityProvider.token=",
            "--ServerApp.password=",
            "--ServerApp.disable_check_xsrf=True",
            f"--ServerApp.root_dir={self.root_dir}",
            "--LabApp.expose_app_in_browser=True",
            "--LanguageServerManager.autodetect=False",
        ]
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True
            )
        deadline = time.monotonic() + self.startup_timeout
        while True:
            if self.process.poll() is not None:
                code = self.process.returncode
                self.process = None
                raise LabError(
                    f"JupyterLab exited with code {code} before answering on port {self.port}; "
                    f"its log ends with:\n{self.log_tail()}"
                )
            with contextlib.suppress(OSError):
                with urllib.request.urlopen(f"{self.url}/api/status", timeout=2) as response:
                    if response.status == 200:
                        return self
            if time.monotonic() > deadline:
                self.stop()
                raise LabError(
                    f"JupyterLab did not answer on {self.url} within {self.startup_timeout:.0f} "
                    f"s; its log ends with:\n{self.log_tail()}"
                )
            time.sleep(0.25)

    def stop(self) -> None:
        """Shut down every kernel and the server; kill whatever does not exit within 15 s."""
        if self.process is None:
            return
        process, self.process = self.process, None
        children = []
        with contextlib.suppress(Exception):
            import psutil

            children = psutil.Process(process.pid).children(recursive=True)
        with contextlib.suppress(OSError, urllib.error.URLError):
            with urllib.request.urlopen(f"{self.url}/api/kernels", timeout=5) as response:
                kernels = json.loads(response.read())
            for kernel in kernels:
                request = urllib.request.Request(
                    f"{self.url}/api/kernels/{kernel['id']}", method="DELETE"
                )
                with contextlib.suppress(OSError), urllib.request.urlopen(request, timeout=10):
                    pass
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        for child in children:  # kernels run in sessions of their own
            with contextlib.suppress(Exception):
                child.kill()
        shutil.rmtree(self._home, ignore_errors=True)

    def __enter__(self) -> JupyterLab:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class Chromium:
    """Headless Chromium under Playwright; ``new_page()`` gives a 1280x900 page."""

    def __init__(self, executable: str | None = None, *, launch_timeout: float = 60.0) -> None:
        self.executable = executable
        self.launch_timeout = launch_timeout
        self._playwright: Any = None
        self.browser: Any = None

    def start(self) -> Chromium:
        try:
            from playwright.sync_api import sync_playwright
        except ImportError as error:  # pragma: no cover - the test extra installs it
            raise LabError(
                "playwright is not installed; `pip install -e .[test]` installs it"
            ) from error
        executable = self.executable or find_chromium()
        self._playwright = sync_playwright().start()
        try:
            self.browser = self._playwright.chromium.launch(
                executable_path=executable,
                args=list(CHROMIUM_ARGS),
                timeout=self.launch_timeout * 1000,
            )
        except Exception as error:
            self.stop()
            raise LabError(f"Chromium at {executable} did not start: {error}") from error
        return self

    def new_page(self) -> Any:
        page = self.browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(60_000)
        return page

    def stop(self) -> None:
        if self.browser is not None:
            with contextlib.suppress(Exception):
                self.browser.close()
            self.browser = None
        if self._playwright is not None:
            with contextlib.suppress(Exception):
                self._playwright.stop()
            self._playwright = None

    def __enter__(self) -> Chromium:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@dataclass
class OutputView:
    """One output of a code cell: what the kernel sent and what the page shows for it."""

    cell: int
    output_type: str
    mime_types: list[str]
    model_id: str | None
    error: str | None
    rendered_widget: bool
    hidden: bool
    shown_mime_type: str | None
    text: str


@dataclass
class ControlMove:
    """One slider moved (or dropdown changed) and how long until the figure showed it."""

    widget: int
    kind: str
    control: str
    action: str
    latency: float | None
    figure_changed: bool


@dataclass
class NotebookReport:
    name: str
    seconds_to_run: float
    execution_counts: list[int | None]
    outputs: list[OutputView]
    live_widgets: set[str]
    widget_kinds: list[str]
    moves: list[ControlMove] = field(default_factory=list)
    screenshots: list[Path] = field(default_factory=list)

    @property
    def errors(self) -> list[str]:
        return [f"cell {o.cell}: {o.error}" for o in self.outputs if o.error is not None]

    @property
    def widget_outputs(self) -> list[OutputView]:
        return [o for o in self.outputs if o.model_id is not None]


_OPEN = """async (name) => {
  const app = window.jupyterapp;
  const panel = app.shell.currentWidget;
  if (!panel || !panel.context || panel.context.path !== name) { return false; }
  await panel.context.ready;
  await panel.sessionContext.ready;
  return !!(panel.sessionContext.session && panel.sessionContext.session.kernel);
}"""

_RUN_ALL = """async () => {
  const app = window.jupyterapp;
  await app.commands.execute('notebook:clear-all-cell-outputs');
  window.__ckRun = undefined;
  app.commands.execute('notebook:run-all-cells').then(
    (ok) => { window.__ckRun = {ok: ok}; },
    (error) => { window.__ckRun = {error: String(error)}; });
}"""

_SETTLED = """() => {
  const panel = window.jupyterapp.shell.currentWidget;
  if (window.__ckRun === undefined) { return false; }
  if (panel.sessionContext.session.kernel.status !== 'idle') { return false; }
  return !document.body.innerText.includes('Loading widget...');
}"""

_COLLECT = """() => {
  const panel = window.jupyterapp.shell.currentWidget;
  const cells = panel.content.widgets.filter((cell) => cell.model.type === 'code');
  return cells.map((cell, index) => {
    const outputs = cell.model.outputs.toJSON();
    const nodes = Array.from(cell.node.querySelectorAll('.jp-OutputArea-output'));
    return {
      index: index,
      count: cell.model.executionCount,
      outputs: outputs.map((output, k) => {
        const node = nodes[k];
        const data = output.data || {};
        const view = data['WIDGET_MIME'];
        return {
          output_type: output.output_type,
          mime_types: Object.keys(data),
          model_id: view ? view.model_id : null,
          error: output.output_type === 'error' ? output.ename + ': ' + output.evalue : null,
          rendered_widget: !!(node && node.querySelector(':scope > .jupyter-widgets')),
          hidden: !!(node && (node.classList.contains('lm-mod-hidden') || !node.offsetParent)),
          shown_mime_type: node ? node.getAttribute('data-mime-type') : null,
          text: node ? node.innerText.slice(0, 300) : '(no node)',
        };
      }),
    };
  });
}""".replace("WIDGET_MIME", WIDGET_MIME)

_ASK_KERNEL = """async (code) => {
  const kernel = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
  const future = kernel.requestExecute({code: code, silent: false, store_history: false});
  let text = '';
  future.onIOPub = (msg) => {
    if (msg.header.msg_type === 'stream' && msg.content.name === 'stdout') {
      text += msg.content.text;
    }
    if (msg.header.msg_type === 'error') { text += 'ERROR ' + msg.content.evalue; }
  };
  await future.done;
  return text;
}"""

_ALIVE_CODE = (
    "import ipywidgets.widgets.widget as _w\n"
    + print_marked_json("sorted(_w._instances)")
    + "del _w\n"
)

_ROOTS = ".jp-OutputArea-output > .jupyter-widgets"

_TOP = """() => {
  window.jupyterapp.shell.collapseLeft();
  for (const node of document.querySelectorAll('.jp-WindowedPanel-outer')) { node.scrollTo(0, 0); }
}"""

_WIDGETS = """(selector) => Array.from(document.querySelectorAll(selector)).map((root) => ({
  kind: Array.from(root.classList).filter((c) => ['coursekit-toy', 'coursekit-retrain'].includes(c))
    .map((c) => c.slice('coursekit-'.length))[0] || 'other',
  sliders: Array.from(root.querySelectorAll('.widget-slider')).map((slider) => {
    const handle = slider.querySelector('.noUi-handle');
    const label = slider.querySelector('.widget-label');
    return {
      label: label ? label.innerText.trim() : '',
      now: handle ? handle.getAttribute('aria-valuenow') : null,
      max: handle ? handle.getAttribute('aria-valuemax') : null,
    };
  }),
  dropdowns: Array.from(root.querySelectorAll('.widget-dropdown')).map((dropdown) => {
    const label = dropdown.querySelector('.widget-label');
    const select = dropdown.querySelector('select');
    return {label: label ? label.innerText.trim() : '', options: select ? select.length : 0,
            selected: select ? select.selectedIndex : -1};
  }),
  figures: root.querySelectorAll('img, canvas').length,
}))"""

# Arm a watcher on one widget: the time of the next key press or selection, and the time at
# which an image in the widget has new, different bytes decoded (or a canvas new pixels).
_ARM = """async ([selector, index]) => {
  const root = document.querySelectorAll(selector)[index];
  const state = {trigger: null, changed: null, differs: false};
  window.__ckMove = state;
  const mark = () => { if (state.trigger === null) { state.trigger = performance.now(); } };
  document.addEventListener('keydown', mark, {capture: true, once: true});
  document.addEventListener('change', mark, {capture: true, once: true});
  const bytes = async (url) => new Uint8Array(await (await fetch(url)).arrayBuffer());
  const same = (a, b) => a.length === b.length && a.every((v, i) => v === b[i]);
  const images = Array.from(root.querySelectorAll('img'));
  const before = await Promise.all(images.map((img) => img.src ? bytes(img.src) : null));
  const observer = new MutationObserver(async () => {
    for (let k = 0; k < images.length; k++) {
      const img = images[k];
      if (!img.src || state.changed !== null) { continue; }
      const now = await bytes(img.src);
      if (before[k] !== null && same(now, before[k])) { continue; }
      await img.decode().catch(() => null);
      if (state.changed === null) {
        state.changed = performance.now(); state.differs = true; observer.disconnect();
      }
    }
  });
  images.forEach((img) => observer.observe(img, {attributes: true, attributeFilter: ['src']}));
  const canvases = Array.from(root.querySelectorAll('canvas'));
  const pixels = canvases.map((c) => c.toDataURL());
  if (canvases.length) {
    const tick = () => {
      if (state.changed !== null) { return; }
      if (canvases.some((c, k) => c.toDataURL() !== pixels[k])) {
        state.changed = performance.now(); state.differs = true; return;
      }
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  }
}"""


def _kernel_idle(page: Any, timeout: float) -> None:
    page.wait_for_function(
        "() => window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.status"
        " === 'idle'",
        timeout=timeout * 1000,
    )


def open_notebook(page: Any, lab: JupyterLab, name: str, timeout: float = 90.0) -> None:
    """Open ``name`` (relative to the server's root) in a fresh workspace, kernel started."""
    page.goto(f"{lab.url}/lab/tree/{name}?reset", timeout=timeout * 1000)
    page.wait_for_function("() => !!window.jupyterapp", timeout=timeout * 1000)
    deadline = time.monotonic() + timeout
    while not page.evaluate(_OPEN, name):
        if time.monotonic() > deadline:
            raise LabError(f"{name} did not open with a running kernel within {timeout:.0f} s")
        time.sleep(0.25)


def drive_notebook(
    browser: Chromium,
    lab: JupyterLab,
    name: str,
    *,
    screenshot_dir: Path | None = None,
    run_timeout: float = 300.0,
    move_timeout: float = 60.0,
) -> NotebookReport:
    """Run all cells of ``name`` in the browser, check what rendered, move every control."""
    page = browser.new_page()
    try:
        open_notebook(page, lab, name)
        start = time.perf_counter()
        page.evaluate(_RUN_ALL)
        try:
            page.wait_for_function(_SETTLED, timeout=run_timeout * 1000, polling=100)
        except Exception as error:
            raise LabError(f"{name}: run-all did not finish within {run_timeout:.0f} s") from error
        seconds = time.perf_counter() - start
        cells = page.evaluate(_COLLECT)
        outputs = [
            OutputView(cell=cell["index"], **output) for cell in cells for output in cell["outputs"]
        ]
        alive_text = page.evaluate(_ASK_KERNEL, _ALIVE_CODE)
        try:
            alive = set(read_marked_json(alive_text))
        except ValueError as error:
            raise LabError(f"{name}: could not list live widgets: {alive_text!r}") from error
        widgets = page.evaluate(_WIDGETS, _ROOTS)
        report = NotebookReport(
            name=name,
            seconds_to_run=seconds,
            execution_counts=[cell["count"] for cell in cells],
            outputs=outputs,
            live_widgets=alive,
            widget_kinds=[w["kind"] for w in widgets],
        )
        stem = Path(name).stem
        if screenshot_dir is not None:
            screenshot_dir.mkdir(parents=True, exist_ok=True)
            page.evaluate(_TOP)
            path = screenshot_dir / f"{stem}.png"
            page.screenshot(path=str(path))
            report.screenshots.append(path)
        roots = page.locator(_ROOTS)
        for index, widget in enumerate(widgets):
            root = roots.nth(index)
            root.scroll_into_view_if_needed()
            for k, slider in enumerate(widget["sliders"]):
                at_max = slider["now"] is not None and slider["now"] == slider["max"]
                key = "ArrowLeft" if at_max else "ArrowRight"
                page.evaluate(_ARM, [_ROOTS, index])
                root.locator(".widget-slider .noUi-handle").nth(k).focus()
                page.keyboard.press(key)
                report.moves.append(
                    _finish_move(page, index, widget["kind"], slider["label"], key, move_timeout)
                )
            for k, dropdown in enumerate(widget["dropdowns"]):
                if dropdown["options"] < 2:
                    continue
                choice = (dropdown["selected"] + 1) % dropdown["options"]
                page.evaluate(_ARM, [_ROOTS, index])
                root.locator(".widget-dropdown select").nth(k).select_option(index=choice)
                action = f"select option {choice}"
                report.moves.append(
                    _finish_move(page, index, widget["kind"], dropdown["label"], action, 60.0)
                )
            if screenshot_dir is not None:
                path = screenshot_dir / f"{stem}-widget-{index}.png"
                root.screenshot(path=str(path))
                report.screenshots.append(path)
        return report
    finally:
        with contextlib.suppress(Exception):
            page.evaluate("() => window.jupyterapp.shell.currentWidget.sessionContext.shutdown()")
        with contextlib.suppress(Exception):
            page.close()


def _finish_move(
    page: Any, widget: int, kind: str, label: str, action: str, timeout: float
) -> ControlMove:
    try:
        page.wait_for_function(
            "() => window.__ckMove.changed !== null", timeout=timeout * 1000, polling="raf"
        )
    except Exception:
        state = page.evaluate("() => window.__ckMove")
        return ControlMove(widget, kind, label, action, None, bool(state["differs"]))
    state = page.evaluate("() => window.__ckMove")
    _kernel_idle(page, timeout)
    latency = None
    if state["trigger"] is not None:
        latency = (state["changed"] - state["trigger"]) / 1000.0
    return ControlMove(widget, kind, label, action, latency, bool(state["differs"]))
