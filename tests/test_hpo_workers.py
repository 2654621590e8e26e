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
    with pytest.raises(ValueError, match="heartbeat needs a database storage"):
        hpo_worker.storage_from(f"journal:{tmp_path / 'h.log'}", heartbeat=1)
    for bad in (-1, 601, "1", True, float("nan")):
        with pytest.raises(ValueError, match="heartbeat must be between 0 and 600 seconds"):
            hpo_worker.storage_from(f"journal:{tmp_path / 'h.log'}", heartbeat=bad)
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


def _start_worker(storage: str, study: str, *options: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "coursekit.hpo_worker", "--storage", storage]
    return subprocess.Popen(
        [*command, "--study", study, *options],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _kill_mid_trial(
    storage: optuna.storages.BaseStorage, url: str, study: str, *options: str
) -> list[optuna.trial.FrozenTrial]:
    """Let two workers complete 2 trials each, then start a worker whose trials pause 30 s after
    the objective (inside the trial) and kill it (SIGKILL) while its first trial is running,
    once that trial has its parameters; the study's trials at that moment."""
    run_workers(url, study, per_worker=2)
    worker = _start_worker(url, study, "--trials", "5", "--pause", "30", *options)
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            try:
                trials = optuna.load_study(study_name=study, storage=storage).trials
            except KeyError:  # the study does not exist yet
                trials = []
            # running, with its configuration drawn (the pause comes after the objective):
            # killed any earlier, the trial has no parameters for a retry to repeat
            if any(t.state == optuna.trial.TrialState.RUNNING and t.params for t in trials):
                break
            time.sleep(0.2)
        else:
            pytest.fail("the worker never started a trial")
    finally:
        worker.kill()  # SIGKILL: no clean-up, as when a laptop is closed
        worker.communicate(timeout=60)
    return optuna.load_study(study_name=study, storage=storage).trials


def test_a_worker_killed_mid_trial_leaves_a_journal_study_usable(tmp_path: Path) -> None:
    url = f"journal:{tmp_path / 'study.log'}"
    storage = hpo_worker.storage_from(url)
    before = _kill_mid_trial(storage, url, "killed")
    running = [t for t in before if t.state == optuna.trial.TrialState.RUNNING]
    assert len(running) == 1 and len(before) == 5
    outputs = run_workers(url, "killed", per_worker=3)  # the study goes on: two more workers
    assert len(outputs) == 2
    after = optuna.load_study(study_name="killed", storage=storage).trials
    complete = [t for t in after if t.state == optuna.trial.TrialState.COMPLETE]
    assert len(complete) == 6 + sum(t.state == optuna.trial.TrialState.COMPLETE for t in before)
    assert sorted(t.number for t in after) == list(range(len(after)))  # no number lost or doubled
    # without a heartbeat (journal files have none) the killed trial stays RUNNING, harmlessly
    assert [t.number for t in after if t.state == optuna.trial.TrialState.RUNNING] == [
        running[0].number
    ]


def test_a_worker_killed_mid_trial_is_failed_and_retried_through_the_heartbeat(
    postgres_url: str,
) -> None:
    study = "heartbeat"
    storage = hpo_worker.storage_from(postgres_url, heartbeat=1)
    before = _kill_mid_trial(storage, postgres_url, study, "--heartbeat", "1")
    running = [t for t in before if t.state == optuna.trial.TrialState.RUNNING]
    assert len(running) == 1 and len(before) == 5
    time.sleep(3)  # longer than the grace period (2 heartbeats): the trial is now stale
    survivor = _start_worker(postgres_url, study, "--trials", "2", "--heartbeat", "1")
    _, err = survivor.communicate(timeout=120)
    assert survivor.returncode == 0, err[-2000:]
    after = {t.number: t for t in optuna.load_study(study_name=study, storage=storage).trials}
    killed = after[running[0].number]
    assert killed.state == optuna.trial.TrialState.FAIL  # marked failed by the next worker
    retried = [
        t
        for t in after.values()
        if optuna.storages.RetryHeartbeatStaleTrialCallback.retried_trial_number(t) == killed.number
    ]
    assert len(retried) == 1 and retried[0].state == optuna.trial.TrialState.COMPLETE
    assert retried[0].params == killed.params  # the same configuration, run again
    for trial in before:  # no completed trial lost
        if trial.state == optuna.trial.TrialState.COMPLETE:
            assert after[trial.number].state == optuna.trial.TrialState.COMPLETE
    assert sum(t.state == optuna.trial.TrialState.COMPLETE for t in after.values()) == 2 + sum(
        t.state == optuna.trial.TrialState.COMPLETE for t in before
    )
