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


def test_valid_inputs_of_every_kind_still_work(digits) -> None:
    """The checks refuse what is wrong, not what is merely another type of right."""
    import numpy as np
    import torch

    import coursekit as ck

    p = [torch.zeros(3, requires_grad=True)]
    ck.optim.Adam(p, betas=np.array([0.9, 0.999]))
    ck.optim.Adam(p, betas=torch.tensor([0.9, 0.999]))
    ck.optim.SGD(p, lr=torch.tensor(0.1), momentum=np.float32(0.0), weight_decay=0)
    ck.optim.RMSprop(p, alpha=0, eps=0)
    assert ck.minibatch.iterations_per_epoch(np.int64(10), np.int32(10)) == 1
    assert type(ck.minibatch.iterations_per_epoch(np.int64(10), np.int32(3))) is int
    net = ck.models.mlp([4, 3], seed=0)
    X = torch.randn(10, 4)
    y = torch.randint(0, 3, (10,))
    vector = ck.landscape.parameters_vector(net)
    same = ck.landscape.model_loss(net, vector, X, y)
    assert ck.landscape.model_loss(net, vector, X, y.int()) == same  # int32 labels
    assert abs(ck.landscape.model_loss(net, vector.double(), X.double(), y) - same) < 1e-6
    ck.landscape.model_hessian(net, X, y.to(torch.uint8))
    split = ck.data.split_dataset(
        digits.X_train, digits.y_train, name="d", seed=2**32 - 1, image_shape=[8, 8]
    )
    assert split.image_shape == (8, 8)
    model, _ = ck.train.train_mlp(
        digits.X_train[:64],
        digits.y_train[:64],
        lambda q: torch.optim.SGD(q, lr=0.1),
        hidden=np.array([8]),
        batch_size=64,
    )
    assert model[0].out_features == 8
    assert ck.clipping.clip_by_norm([3.0, 4.0], 0).tolist() == [0.0, 0.0]
    ck.check.check_xavier_uniform_bound(
        lambda a, b, gain=1.0: gain * torch.sqrt(torch.tensor(6 / (a + b), dtype=torch.float64))
    )
