"""A worker of a shared Optuna study (5.6): many processes, on one machine or many, run the trials
of one study, coordinated through a storage they all reach.

    python -m coursekit.hpo_worker --storage journal:/tmp/study.log --study lecture --trials 10
    python -m coursekit.hpo_worker --storage postgresql+psycopg://user:pw@host:5432/db \\
        --study lecture --trials 10 --objective digits

``journal:PATH`` is ``optuna.storages.JournalStorage(JournalFileBackend(PATH))``: a file that
several processes on one machine append to under a lock. An SQLAlchemy URL (PostgreSQL) is
``optuna.storages.RDBStorage``, for workers on several machines; SQLite is not made for
parallel writers. Each worker runs ``--trials`` trials with one torch thread, records its process
id in every trial (``user_attrs["pid"]``), and prints one line when it is done.

Objectives (both minimized): ``quadratic``, (x - 2)^2 + (y + 1)^2 on [-10, 10]^2, instant, for
tests and demonstrations; ``digits``, 1 - validation accuracy of the course MLP on the digits after
a few epochs of SGD, with the learning rate, the hidden width and the activation searched.
"""

from __future__ import annotations

import argparse
import os
import random
import time
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import optuna

SAMPLERS = ("random", "tpe")


def storage_from(url: str, heartbeat: float = 0.0) -> optuna.storages.BaseStorage:
    """``journal:PATH`` -> a journal file shared by processes on one machine; any other URL -> an
    RDB storage (PostgreSQL across machines).

    ``heartbeat`` > 0 (seconds, database storages only) makes every running trial record a
    heartbeat at that interval; a trial whose heartbeat stops for twice as long (its worker was
    killed, or its machine lost) is marked failed by the next worker that starts a trial, and
    retried once (``optuna.storages.RetryHeartbeatStaleTrialCallback``).
    """
    if not (isinstance(heartbeat, (int, float)) and not isinstance(heartbeat, bool)) or not (
        0 <= heartbeat <= 600
    ):
        raise ValueError(f"heartbeat must be between 0 and 600 seconds, got {heartbeat!r}")
    if not isinstance(url, str) or not url:
        raise ValueError("storage must be journal:PATH or a database URL, got " + repr(url))
    if url.startswith("journal:"):
        path = url.removeprefix("journal:")
        if not path:
            raise ValueError("storage: journal: needs a file path, e.g. journal:/tmp/study.log")
        if heartbeat:
            raise ValueError("heartbeat needs a database storage (PostgreSQL), not journal:")
        backend = optuna.storages.journal.JournalFileBackend(path)
        return optuna.storages.JournalStorage(backend)
    if url.startswith("sqlite"):
        raise ValueError(
            "storage: SQLite is not made for parallel writers; use journal:PATH on one machine "
            "or PostgreSQL across machines"
        )
    # Workers that start together on an empty database race to create its tables; the losers
    # get an integrity error from the database and simply try again, finding the tables made.
    import sqlalchemy.exc

    options: dict[str, Any] = {}
    if heartbeat:
        with warnings.catch_warnings():  # heartbeats are "experimental" in Optuna 5
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            options = {
                "heartbeat_interval": max(1, round(heartbeat)),
                "grace_period": max(2, round(2 * heartbeat)),
                "heartbeat_stale_trial_callback": optuna.storages.RetryHeartbeatStaleTrialCallback(
                    max_retry=1
                ),
            }
    for attempt in range(5):
        try:
            with warnings.catch_warnings():  # heartbeats are "experimental" in Optuna 5
                warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
                return optuna.storages.RDBStorage(url, **options)
        except (sqlalchemy.exc.IntegrityError, sqlalchemy.exc.ProgrammingError):
            if attempt == 4:
                raise
            time.sleep(0.2 * (attempt + 1) + random.random() * 0.2)
    raise AssertionError("unreachable")


def quadratic(trial: optuna.Trial) -> float:
    x = trial.suggest_float("x", -10, 10)
    y = trial.suggest_float("y", -10, 10)
    return (x - 2) ** 2 + (y + 1) ** 2


def digits(trial: optuna.Trial) -> float:
    import torch  # only this objective needs torch (and its start-up time)

    from . import data, train

    lr = trial.suggest_float("lr", 1e-3, 1.0, log=True)
    width = trial.suggest_int("width", 16, 128, log=True)
    activation = trial.suggest_categorical("activation", ["relu", "tanh"])
    split = data.load_digits_split(seed=0)
    _, history = train.train_mlp(
        split.X_train,
        split.y_train,
        lambda params: torch.optim.SGD(params, lr=lr),
        hidden=[width],
        activation=activation,
        seed=trial.number,
        batch_size=32,
        epochs=3,
        val=(split.X_val, split.y_val),
        on_divergence="stop",
    )
    return 1.0 if history.diverged else 1.0 - history.val_acc[-1]


OBJECTIVES: dict[str, Callable[[optuna.Trial], float]] = {"quadratic": quadratic, "digits": digits}


def run(
    storage: str,
    study: str,
    trials: int,
    objective: str = "quadratic",
    sampler: str = "random",
    seed: int | None = None,
    pause: float = 0.0,
    heartbeat: float = 0.0,
) -> list[int]:
    """Run ``trials`` trials of the study ``study`` (created if missing) in this process, each
    followed by ``pause`` seconds (to watch workers interleave); return their numbers. With
    ``heartbeat`` (seconds, database storages) a trial left running by a killed worker is failed
    and retried (:func:`storage_from`)."""
    if objective not in OBJECTIVES:
        raise ValueError(f"objective must be one of {sorted(OBJECTIVES)}, got {objective!r}")
    if sampler not in SAMPLERS:
        raise ValueError(f"sampler must be one of {list(SAMPLERS)}, got {sampler!r}")
    if not isinstance(trials, int) or isinstance(trials, bool) or trials < 1:
        raise ValueError(f"trials must be an integer >= 1, got {trials!r}")
    if not (isinstance(pause, (int, float)) and 0 <= pause <= 60):
        raise ValueError(f"pause must be between 0 and 60 seconds, got {pause!r}")
    chosen = (
        optuna.samplers.RandomSampler(seed=seed)
        if sampler == "random"
        else optuna.samplers.TPESampler(seed=seed)
    )
    shared = optuna.create_study(
        study_name=study,
        storage=storage_from(storage, heartbeat),
        sampler=chosen,
        load_if_exists=True,
        direction="minimize",
    )
    pid = os.getpid()
    numbers: list[int] = []

    def wrapped(trial: optuna.Trial) -> float:
        trial.set_user_attr("pid", pid)
        numbers.append(trial.number)
        value = OBJECTIVES[objective](trial)
        time.sleep(pause)
        return value

    shared.optimize(wrapped, n_trials=trials)
    return numbers


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m coursekit.hpo_worker",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--storage", required=True, help="journal:PATH or a database URL")
    parser.add_argument("--study", required=True, help="the study's name, the same for all")
    parser.add_argument("--trials", type=int, default=10, help="trials this worker runs")
    parser.add_argument("--objective", choices=sorted(OBJECTIVES), default="quadratic")
    parser.add_argument("--sampler", choices=SAMPLERS, default="random")
    parser.add_argument("--seed", type=int, default=None, help="sampler seed (default: random)")
    parser.add_argument("--pause", type=float, default=0.0, help="seconds to wait after a trial")
    parser.add_argument(
        "--heartbeat",
        type=float,
        default=0.0,
        help="seconds between heartbeats (PostgreSQL): fail and retry trials of killed workers",
    )
    args = parser.parse_args(argv)
    import torch

    torch.set_num_threads(1)  # one core per worker
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    tick = time.perf_counter()
    numbers = run(
        args.storage,
        args.study,
        args.trials,
        args.objective,
        args.sampler,
        args.seed,
        args.pause,
        args.heartbeat,
    )
    print(f"worker {os.getpid()}: trials {numbers} in {time.perf_counter() - tick:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
