"""The browser harness fails fast and says why: a port in use, no Chromium, a broken server."""

from __future__ import annotations

import socket
import sys
import time
from pathlib import Path

import pytest
from labdriver import Chromium, JupyterLab, LabError, find_chromium, free_port, port_is_free


def test_a_port_in_use_is_named_in_the_error(tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert not port_is_free(port)
        start = time.monotonic()
        with pytest.raises(LabError, match=rf"port {port} on 127.0.0.1 is already in use"):
            JupyterLab(tmp_path, port=port).start()
        assert time.monotonic() - start < 5


def test_the_port_can_come_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = free_port()
    monkeypatch.setenv("COURSEKIT_LAB_PORT", str(port))
    assert JupyterLab(tmp_path).port == port
    with pytest.raises(LabError, match=r"port must be in 1\.\.65535"):
        JupyterLab(tmp_path, port=70000)


def test_a_missing_chromium_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COURSEKIT_CHROMIUM", raising=False)
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(LabError, match=r"Chromium not found.*apt-get install chromium"):
        find_chromium()
    monkeypatch.setenv("COURSEKIT_CHROMIUM", "/nonexistent/chromium")
    with pytest.raises(LabError, match="COURSEKIT_CHROMIUM='/nonexistent/chromium' is not"):
        Chromium().start()


def test_a_server_that_dies_at_start_reports_its_log(tmp_path: Path) -> None:
    fake = tmp_path / "python"
    fake.write_text("#!/bin/sh\necho 'no such module: jupyterlab' >&2\nexit 3\n")
    fake.chmod(0o755)
    start = time.monotonic()
    with pytest.raises(LabError, match=r"exited with code 3(.|\n)*no such module: jupyterlab"):
        JupyterLab(tmp_path, python=str(fake)).start()
    assert time.monotonic() - start < 10


def test_a_server_that_never_answers_times_out_and_is_stopped(tmp_path: Path) -> None:
    fake = tmp_path / "python"
    fake.write_text("#!/bin/sh\nexec sleep 60\n")
    fake.chmod(0o755)
    lab = JupyterLab(tmp_path, python=str(fake), startup_timeout=1.0)
    with pytest.raises(LabError, match="did not answer"):
        lab.start()
    assert lab.process is None


def test_a_missing_root_dir_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(LabError, match=r"root_dir .* is not a directory"):
        JupyterLab(tmp_path / "missing", python=sys.executable)
