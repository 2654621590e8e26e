"""Optuna studies shared by several worker processes (5.6): through a journal file on one
machine, and through a real PostgreSQL server (started here, on 127.0.0.1, and stopped)."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import optuna
import pytest

from coursekit import hpo_worker

ROOT = Path(__file__).resolve().parents[1]


def run_workers(storage: str, study: str, per_worker: int, workers: int = 2) -> list[str]:
    """Start ``workers`` processes of ``python -m coursekit.hpo_worker`` at once; their output."""
    command = [
        sys.executable,
        "-m",
        "coursekit.hpo_worker",
        "--storage",
        storage,
        "--study",
        study,
        "--trials",
        str(per_worker),
        "--pause",
        "0.05",
    ]
    processes = [
        subprocess.Popen(
            command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(workers)
    ]
    outputs = []
    for process in processes:
        out, err = process.communicate(timeout=240)
        assert process.returncode == 0, err[-2000:]
        outputs.append(out)
    return outputs


def check_study(storage: optuna.storages.BaseStorage, study: str, total: int) -> None:
    trials = optuna.load_study(study_name=study, storage=storage).trials
    assert len(trials) == total  # none lost, none extra
    assert sorted(t.number for t in trials) == list(range(total))  # numbered contiguously
    assert all(t.state == optuna.trial.TrialState.COMPLETE for t in trials)
    assert len({t.user_attrs["pid"] for t in trials}) == 2  # from both processes


def test_two_workers_share_a_study_through_a_journal_file(tmp_path: Path) -> None:
    url = f"journal:{tmp_path / 'study.log'}"
    outputs = run_workers(url, "journal-test", per_worker=6)
    assert all(line.startswith("worker ") for line in outputs)
    check_study(hpo_worker.storage_from(url), "journal-test", 12)


def test_the_worker_refuses_sqlite_and_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="SQLite is not made for parallel writers"):
        hpo_worker.storage_from(f"sqlite:///{tmp_path / 'x.db'}")
    with pytest.raises(ValueError, match="journal: needs a file path"):
        hpo_worker.storage_from("journal:")
    url = f"journal:{tmp_path / 's.log'}"
    with pytest.raises(ValueError, match="objective must be one of"):
        hpo_worker.run(url, "s", 1, objective="mnist")
    with pytest.raises(ValueError, match="trials must be an integer >= 1"):
        hpo_worker.run(url, "s", 0)


def _postgres_bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        pytest.fail(
            "the PostgreSQL test needs Debian's postgresql package (make test installs it with "
            "Chromium; or apt-get install postgresql)"
        )
    return Path(found[-1]).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A throwaway PostgreSQL cluster on 127.0.0.1, run as an unprivileged user (PostgreSQL refuses
    to run as root), trust authentication, removed afterwards."""
    bindir = _postgres_bin()
    root = Path(tempfile.mkdtemp(prefix="coursekit-pg-"))
    data, port = root / "data", _free_port()
    as_user: list[str] = []
    if os.geteuid() == 0:
        os.chmod(root, 0o777)
        as_user = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"]
    run = lambda *args: subprocess.run(  # noqa: E731
        [*as_user, *args], check=True, capture_output=True, text=True, timeout=120
    )
    try:
        run(str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "--no-sync")
        options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"
        run(
            str(bindir / "pg_ctl"),
            "-D",
            str(data),
            "-o",
            options,
            "-l",
            str(root / "log"),
            "-w",
            "-t",
            "60",
            "start",
        )
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        if (data / "postmaster.pid").exists():
            subprocess.run(
                [*as_user, str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"],
                capture_output=True,
                timeout=120,
            )
        shutil.rmtree(root, ignore_errors=True)


def test_two_workers_share_a_study_through_postgresql(postgres_url: str) -> None:
    tick = time.perf_counter()
    outputs = run_workers(postgres_url, "postgres-test", per_worker=5)
    assert len(outputs) == 2
    storage = optuna.storages.RDBStorage(postgres_url)
    check_study(storage, "postgres-test", 10)
    assert time.perf_counter() - tick < 200
