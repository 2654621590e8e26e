"""Every bad-input probe (tools/probe.py) gets a clear error naming the spoiled argument."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))

import probe


def test_every_bad_input_gets_a_clear_error() -> None:
    outcomes = probe.run_all()
    assert len(outcomes) > 900  # the probes themselves did not go missing
    unclear = [
        f"[{o.verdict}] {o.probe.module}: {o.probe.call} -> {o.detail}"
        for o in outcomes
        if o.verdict != "clear"
    ]
    assert not unclear, "\n".join(unclear)


def test_the_probe_tells_the_three_outcomes_apart() -> None:
    def named() -> None:
        raise ValueError("lr must be > 0, got -1")

    def unnamed() -> None:
        raise ValueError("must be > 0")

    def silent() -> float:
        return 1.0

    verdicts = [
        probe.run_probe(probe.Probe("m", "call", "lr", thunk)).verdict
        for thunk in (named, unnamed, silent, lambda: [][1])
    ]
    assert verdicts == ["clear", "obscure", "silent", "obscure"]
