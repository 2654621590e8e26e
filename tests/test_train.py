"""coursekit.train.fit: what it records, its equivalence with a bare torch loop, its errors."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
import torch

import coursekit as ck
from coursekit.minibatch import MiniBatches
from coursekit.train import History, TrainingDiverged, evaluate, fit


def make(lr: float = 0.1, seed: int = 0) -> tuple[torch.nn.Module, torch.optim.Optimizer]:
    model = ck.models.mlp([64, 16, 10], seed=seed)
    return model, torch.optim.SGD(model.parameters(), lr=lr)


def test_history_lengths_and_epoch_bookkeeping(digits: ck.data.Dataset) -> None:
    model, opt = make()
    h = fit(
        model,
        opt,
        digits.X_train,
        digits.y_train,
        batch_size=100,
        epochs=3,
        val=(digits.X_val, digits.y_val),
        progress=False,
    )
    assert h.steps_per_epoch == 11 and h.steps == 33
    assert len(h.step_loss) == len(h.step_time) == len(h.step_lr) == 33
    assert h.eval_epoch == [0.0, 1.0, 2.0, 3.0] and h.eval_step == [0, 11, 22, 33]
    assert len(h.train_loss) == len(h.val_acc) == 4
    assert np.all(np.diff(h.step_time) > 0) and h.eval_time[0] == 0.0
    assert h.step_lr == [0.1] * 33
    assert h.train_loss[-1] < h.train_loss[0]
    assert h.train_loss[0] == pytest.approx(math.log(10), abs=0.1)
    assert h.diverged is None and "33 steps (3 epochs, K = 100)" in h.summary()


def test_fit_equals_a_bare_torch_loop(digits: ck.data.Dataset) -> None:
    model, opt = make(lr=0.05)
    reference = copy.deepcopy(model)
    ref_opt = torch.optim.SGD(reference.parameters(), lr=0.05, momentum=0.9)
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    X, y = torch.as_tensor(digits.X_train), torch.as_tensor(digits.y_train)
    h = fit(model, opt, X, y, batch_size=64, epochs=2, seed=9, progress=False)
    losses = []
    loader = MiniBatches(X, y, 64, seed=9)
    for _ in range(2):
        for xb, yb in loader:
            ref_opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(reference(xb), yb)
            losses.append(loss.item())
            loss.backward()
            ref_opt.step()
    for a, b in zip(model.parameters(), reference.parameters(), strict=True):
        assert torch.equal(a, b)
    assert h.step_loss == losses
    assert h.train_loss[-1] == pytest.approx(evaluate(reference, X, y)[0], rel=1e-6)


def test_max_steps_and_eval_every(digits: ck.data.Dataset) -> None:
    model, opt = make()
    h = fit(
        model,
        opt,
        digits.X_train,
        digits.y_train,
        batch_size=100,
        max_steps=25,
        eval_every=4,
        progress=False,
    )
    assert h.steps == 25
    assert h.eval_step == [0, 4, 8, 11, 12, 16, 20, 22, 24, 25]
    assert h.eval_epoch[3] == 1.0 and h.eval_epoch[-1] == pytest.approx(25 / 11)


def test_scheduler_is_stepped_every_iteration(digits: ck.data.Dataset) -> None:
    model, opt = make(lr=1.0)
    scheduler = torch.optim.lr_scheduler.ExponentialLR(opt, gamma=0.5)
    h = fit(
        model,
        opt,
        digits.X_train,
        digits.y_train,
        batch_size=500,
        epochs=1,
        scheduler=scheduler,
        progress=False,
    )
    assert h.step_lr == [1.0, 0.5, 0.25]


def exploding_data(digits: ck.data.Dataset) -> tuple[np.ndarray, np.ndarray]:
    return digits.X_train * 1e4, digits.y_train


def test_divergence_raises_with_step_and_learning_rate(digits: ck.data.Dataset) -> None:
    model, opt = make(lr=50.0)
    X, y = exploding_data(digits)
    pattern = (
        r"loss reached \S+ \(limit \S+\) after step \d+ \(epoch 1\), "
        r"an update with learning rate 50"
    )
    with pytest.raises(TrainingDiverged, match=pattern) as info:
        fit(model, opt, X, y, batch_size=32, epochs=3, progress=False)
    err = info.value
    assert isinstance(err, FloatingPointError)
    assert err.divergence.lr == 50.0 and err.divergence.step == err.history.steps
    assert all(v <= err.divergence.limit for v in err.history.step_loss)


def test_nan_and_inf_count_as_divergence(digits: ck.data.Dataset) -> None:
    model, opt = make(lr=1e3)
    h = fit(
        model,
        opt,
        digits.X_train * 1e12,
        digits.y_train,
        batch_size=32,
        epochs=2,
        progress=False,
        on_divergence="stop",
        diverge_above=math.inf,
    )
    assert h.diverged is not None and not math.isfinite(h.diverged.loss)
    assert "after step" in h.diverged.message and "learning rate 1000" in h.diverged.message


def test_a_noisy_but_sane_run_is_not_called_divergent(digits: ck.data.Dataset) -> None:
    model, opt = make(lr=0.5)
    h = fit(
        model, opt, digits.X_train, digits.y_train, batch_size=1, max_steps=3000, progress=False
    )
    assert h.diverged is None and max(h.step_loss) < 100


def test_divergence_can_stop_quietly(digits: ck.data.Dataset) -> None:
    model, opt = make(lr=50.0)
    X, y = exploding_data(digits)
    h = fit(model, opt, X, y, batch_size=32, epochs=3, progress=False, on_divergence="stop")
    assert h.diverged is not None and h.summary() == h.diverged.message
    assert "training diverged" in h.summary()


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        (
            {"batch_size": 0},
            ValueError,
            r"batch_size must be between 1 and N = 1077 \(the number of samples\), got 0",
        ),
        ({"batch_size": 5000}, ValueError, "batch_size must be between 1 and N = 1077"),
        ({"epochs": 0}, ValueError, "epochs must be an integer >= 1, got 0"),
        ({"max_steps": 0}, ValueError, "max_steps must be an integer >= 1"),
        ({"eval_every": -1}, ValueError, "eval_every must be an integer >= 1"),
        (
            {"on_divergence": "ignore"},
            ValueError,
            r"on_divergence must be one of \['raise', 'stop'\]",
        ),
    ],
)
def test_fit_names_bad_arguments(
    digits: ck.data.Dataset, kwargs: dict, error: type, message: str
) -> None:
    model, opt = make()
    args = {"batch_size": 32, **kwargs}
    with pytest.raises(error, match=message):
        fit(model, opt, digits.X_train, digits.y_train, progress=False, **args)


def test_fit_names_mismatched_shapes(digits: ck.data.Dataset) -> None:
    model, opt = make()
    with pytest.raises(ValueError, match="X and y must have the same length, got 1077 and 1076"):
        fit(model, opt, digits.X_train, digits.y_train[:-1], batch_size=32, progress=False)
    with pytest.raises(ValueError, match="y must be 1-D"):
        fit(model, opt, digits.X_train, digits.y_train[:, None], batch_size=32, progress=False)
    with pytest.raises(
        ValueError, match=r"val: inputs have shape \(10,\) per sample, training inputs \(64,\)"
    ):
        fit(
            model,
            opt,
            digits.X_train,
            digits.y_train,
            batch_size=32,
            val=(digits.X_val[:, :10], digits.y_val),
            progress=False,
        )
    with pytest.raises(TypeError, match=r"optimizer must be a torch\.optim\.Optimizer"):
        fit(model, "sgd", digits.X_train, digits.y_train, batch_size=32, progress=False)  # type: ignore[arg-type]


def test_progress_is_silent_outside_a_notebook(
    digits: ck.data.Dataset, capsys: pytest.CaptureFixture[str]
) -> None:
    model, opt = make()
    fit(model, opt, digits.X_train, digits.y_train, batch_size=256, epochs=1, progress=True)
    assert capsys.readouterr().out == ""


def test_history_summary_without_validation() -> None:
    h = History(batch_size=4, n_train=8, steps_per_epoch=2)
    h.step_loss = [1.0, 0.5]
    h.eval_epoch, h.train_loss, h.train_acc = [0.0, 1.0], [2.0, 0.25], [0.1, 0.9]
    h.val_loss, h.val_acc = [math.nan, math.nan], [math.nan, math.nan]
    assert h.summary() == "2 steps (1 epochs, K = 4): train loss 0.2500, acc 0.9000"


def test_value_at_reads_the_last_evaluation_before(digits: ck.data.Dataset) -> None:
    model, opt = make()
    h = fit(model, opt, digits.X_train, digits.y_train, batch_size=100, epochs=3, progress=False)
    assert h.value_at("epoch", 2.0) == h.train_loss[2]
    assert h.value_at("epoch", 2.9) == h.train_loss[2]
    assert h.value_at("step", 10, "train_acc") == h.train_acc[0]
    assert h.value_at("time", 1e9) == h.train_loss[-1]
    with pytest.raises(ValueError, match="no evaluation at or before step = -1"):
        h.value_at("step", -1)
    with pytest.raises(ValueError, match="x must be one of"):
        h.value_at("iteration", 1)
    with pytest.raises(ValueError, match="y must be one of"):
        h.value_at("step", 1, "loss")


def test_progress_in_a_notebook_is_a_bar_then_one_summary_line(
    digits: ck.data.Dataset, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Simulate a kernel: the bar is shown with an empty text form, filled, closed, summarised."""
    import IPython.display

    import coursekit.train as train

    shown: list[dict] = []
    monkeypatch.setattr(train, "_in_notebook", lambda: True)
    monkeypatch.setattr(IPython.display, "display", lambda obj, raw=False: shown.append(obj))
    bars = []
    real_progress = train._Progress.__init__

    def spy(self, enabled: bool, total: int) -> None:
        real_progress(self, enabled, total)
        bars.append(self.bar)

    monkeypatch.setattr(train._Progress, "__init__", spy)
    model, opt = make()
    h = fit(model, opt, digits.X_train, digits.y_train, batch_size=100, epochs=2)
    assert len(shown) == 1 and shown[0]["text/plain"] == ""
    assert "application/vnd.jupyter.widget-view+json" in shown[0]
    bar = bars[0]
    assert bar.max == 22 and bar.value == 22
    assert bar.comm is None  # closed: the live view disappears
    assert capsys.readouterr().out == h.summary() + "\n"


def fit_small(digits, **options) -> ck.train.History:
    """The 64-16-10 network trained by SGD on the digits, in batches of 64."""
    model = ck.models.mlp([64, 16, 10], seed=0)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    return ck.train.fit(
        model, optimizer, digits.X_train, digits.y_train, batch_size=64, progress=False, **options
    )


def test_a_callback_that_returns_true_stops_the_run(digits) -> None:
    seen = []

    def stop_after_two(history: ck.train.History) -> bool:
        seen.append(history.steps)
        return len(seen) == 3  # the start, then two evaluations

    history = fit_small(digits, epochs=5, eval_every=5, callback=stop_after_two)
    assert seen == [0, 5, 10] and history.steps == 10 and history.stopped_at == 10
    assert (
        len(history.train_loss) == 3 and "stopped by the callback at step 10" in history.summary()
    )
    # a truthy return that is not True stops nothing
    quiet = fit_small(digits, callback=lambda h: [h.steps])
    assert quiet.stopped_at is None and quiet.eval_epoch[-1] == 1.0


def test_train_mlp_is_mlp_plus_fit_with_one_seed(digits) -> None:
    options = {"batch_size": 64, "epochs": 2, "progress": False}
    model, history = ck.train.train_mlp(
        digits.X_train,
        digits.y_train,
        lambda p: torch.optim.SGD(p, lr=0.1),
        hidden=[32],
        seed=3,
        **options,
    )
    by_hand = ck.models.mlp([64, 32, 10], seed=3)
    reference = ck.train.fit(
        by_hand,
        torch.optim.SGD(by_hand.parameters(), lr=0.1),
        digits.X_train,
        digits.y_train,
        seed=3,
        **options,
    )
    assert history.train_loss == reference.train_loss and history.step_loss == reference.step_loss
    for a, b in zip(model.parameters(), by_hand.parameters(), strict=True):
        assert torch.equal(a, b)


def test_train_variants_start_every_optimizer_from_the_same_weights(digits) -> None:
    variants = {
        "SGD": lambda p: torch.optim.SGD(p, lr=0.1),
        "Adam": lambda p: torch.optim.Adam(p, lr=0.01),
        "frozen": lambda p: torch.optim.SGD(p, lr=0.0),
    }
    histories = ck.train.train_variants(
        variants, digits.X_train, digits.y_train, hidden=[16], batch_size=128, max_steps=20
    )
    assert list(histories) == list(variants)
    starts = {h.train_loss[0] for h in histories.values()}
    assert len(starts) == 1  # the same initial network
    assert histories["frozen"].train_loss[-1] == histories["frozen"].train_loss[0]
    assert histories["SGD"].train_loss[-1] < histories["SGD"].train_loss[0]
    with pytest.raises(ValueError, match="variants must name at least one optimizer"):
        ck.train.train_variants({}, digits.X_train, digits.y_train, batch_size=8)


@pytest.mark.parametrize(
    ("stop_at_evaluation", "options", "steps", "stopped_at"),
    [
        (1, {"epochs": 3}, 0, 0),  # before the first update
        (2, {"epochs": 3}, 17, 17),  # at the end of the first epoch (17 batches of 64)
        (3, {"max_steps": 34}, 34, None),  # the last evaluation: the run was over anyway
    ],
)
def test_a_stopping_callback_ends_the_run_where_it_says(
    digits, stop_at_evaluation, options, steps, stopped_at
) -> None:
    calls = []
    history = fit_small(
        digits,
        callback=lambda h: calls.append(h.steps) or len(calls) == stop_at_evaluation,
        **options,
    )
    assert history.steps == steps and history.stopped_at == stopped_at
    assert len(history.train_loss) == stop_at_evaluation


def test_train_mlp_names_a_bad_optimizer_or_class_count(digits) -> None:
    model = ck.models.mlp([64, 10], seed=0)
    with pytest.raises(TypeError, match="optimizer must make an optimizer from the parameters"):
        ck.train.train_mlp(
            digits.X_train, digits.y_train, torch.optim.SGD(model.parameters()), batch_size=8
        )
    with pytest.raises(ValueError, match="n_classes must exceed the largest label 9, got 5"):
        ck.train.train_mlp(
            digits.X_train,
            digits.y_train,
            lambda p: torch.optim.SGD(p, lr=0.1),
            n_classes=5,
            batch_size=8,
        )
    net, history = ck.train.train_mlp(  # float64 inputs train a float64 network
        digits.X_train.astype(np.float64),
        digits.y_train,
        lambda p: torch.optim.SGD(p, lr=0.1),
        batch_size=256,
        max_steps=2,
    )
    assert next(net.parameters()).dtype == torch.float64 and history.steps == 2


# ---- nothing wrong passes silently ------------------------------------------------------------


def test_a_blow_up_in_the_last_update_is_reported(digits: ck.data.Dataset) -> None:
    """The final evaluation counts: lr=1e6 for one step used to return diverged=None."""
    model, opt = make(lr=1e6)
    history = fit(
        model,
        opt,
        digits.X_train,
        digits.y_train,
        batch_size=32,
        max_steps=1,
        on_divergence="stop",
        progress=False,
    )
    assert history.diverged is not None
    assert history.diverged.step == 1 and history.diverged.lr == 1e6
    assert history.summary().startswith("training diverged") and "step 1" in history.summary()
    model, opt = make(lr=1e6)
    with pytest.raises(TrainingDiverged, match=r"step 1 .*learning rate 1e\+06"):
        fit(model, opt, digits.X_train, digits.y_train, batch_size=32, max_steps=1, progress=False)


def test_non_finite_inputs_are_rejected_with_their_row(digits: ck.data.Dataset) -> None:
    X = digits.X_train.copy()
    X[7, 3] = np.nan
    model, opt = make()
    with pytest.raises(ValueError, match=r"X must be finite, but row 7, column 3 holds nan"):
        fit(model, opt, X, digits.y_train, batch_size=32, progress=False)
    X_val = digits.X_val.copy()
    X_val[2, 0] = np.inf
    with pytest.raises(ValueError, match=r"val\[0\] must be finite, but row 2, column 0"):
        fit(
            model,
            opt,
            digits.X_train,
            digits.y_train,
            batch_size=32,
            val=(X_val, digits.y_val),
            progress=False,
        )


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        (lambda y: np.where(np.arange(len(y)) == 5, 10, y), r"y\[5\] = 10"),
        (lambda y: np.where(np.arange(len(y)) == 3, -1, y), r"y\[3\] = -1"),
        (lambda y: np.where(np.arange(len(y)) == 4, 1.5, y), r"y\[4\] = 1.5"),
    ],
)
def test_labels_must_name_one_of_the_outputs(digits: ck.data.Dataset, labels, message) -> None:
    model, opt = make()
    with pytest.raises(ValueError, match=message):
        fit(model, opt, digits.X_train, labels(digits.y_train), batch_size=32, progress=False)


def test_float64_arrays_and_lists_train_a_float32_model(digits: ck.data.Dataset) -> None:
    model, opt = make()
    X64 = digits.X_train.astype(np.float64)
    h64 = fit(model, opt, X64, digits.y_train, batch_size=32, progress=False)
    model, opt = make()
    h32 = fit(model, opt, digits.X_train, digits.y_train, batch_size=32, progress=False)
    assert h64.train_loss == h32.train_loss  # the same float32 training, bit for bit
    model, opt = make()
    small = fit(
        model, opt, X64[:40].tolist(), digits.y_train[:40].tolist(), batch_size=8, progress=False
    )
    assert small.steps == 5


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"diverge_above": float("nan")}, ValueError, "diverge_above must be a number > 0"),
        ({"diverge_above": -1.0}, ValueError, "diverge_above must be > 0"),
        ({"val": "ab"}, TypeError, r"val must be a pair \(X_val, y_val\)"),
        ({"scheduler": 3}, TypeError, "scheduler must be a learning-rate scheduler"),
        ({"callback": 3}, TypeError, "callback must be a function"),
        ({"seed": -1}, ValueError, r"seed must be an integer in \[0, 4294967295\]"),
        ({"max_steps": 2.5}, TypeError, "max_steps must be an integer"),
    ],
)
def test_fit_validates_its_own_arguments(
    digits: ck.data.Dataset, kwargs: dict, error: type, message: str
) -> None:
    model, opt = make()
    with pytest.raises(error, match=message):
        fit(model, opt, digits.X_train, digits.y_train, batch_size=32, progress=False, **kwargs)


def test_a_negative_scheduled_rate_is_named_with_its_step(digits: ck.data.Dataset) -> None:
    model = ck.models.mlp([64, 16, 10], seed=0)
    opt = ck.optim.SGD(model.parameters(), lr=lambda t: 0.1 if t < 3 else -0.1)
    with pytest.raises(ValueError, match=r"lr \(the value its schedule returned at step 3\)"):
        fit(model, opt, digits.X_train, digits.y_train, batch_size=32, progress=False)


def test_train_mlp_rejects_an_optimizer_class_passed_uncalled(digits: ck.data.Dataset) -> None:
    with pytest.raises(TypeError, match="got the class SGD itself"):
        ck.train.train_mlp(digits.X_train, digits.y_train, torch.optim.SGD, batch_size=32)
    with pytest.raises(ValueError, match=r"hidden\[0\] must be an integer >= 1"):
        ck.train.train_mlp(
            digits.X_train,
            digits.y_train,
            lambda p: torch.optim.SGD(p, lr=0.1),
            hidden=[0],
            batch_size=32,
        )


def test_an_optimizer_made_for_another_model_is_refused(digits: ck.data.Dataset) -> None:
    model, _ = make()
    _, other = make()
    with pytest.raises(ValueError, match="optimizer holds none of the model's parameters"):
        fit(model, other, digits.X_train, digits.y_train, batch_size=32, progress=False)


def test_a_reused_coursekit_optimizer_reports_the_rate_of_its_own_clock(
    digits: ck.data.Dataset,
) -> None:
    model = ck.models.mlp([64, 16, 10], seed=0)
    opt = ck.optim.SGD(model.parameters(), lr=lambda t: 0.1 if t < 10 else 0.001)
    fit(model, opt, digits.X_train[:320], digits.y_train[:320], batch_size=32, progress=False)
    again = fit(model, opt, digits.X_train[:96], digits.y_train[:96], batch_size=32, progress=False)
    assert again.step_lr == [0.001, 0.001, 0.001]  # the optimizer is at t = 10, 11, 12


def test_divergence_blames_the_update_that_blew_up(digits: ck.data.Dataset) -> None:
    """A schedule that is 0 except for one huge step: the blame goes to that step and its rate."""
    model = ck.models.mlp([64, 16, 10], seed=0)
    opt = ck.optim.SGD(model.parameters(), lr=lambda t: 1e7 if t == 4 else 0.0)
    history = fit(
        model,
        opt,
        digits.X_train,
        digits.y_train,
        batch_size=32,
        progress=False,
        on_divergence="stop",
    )
    assert history.diverged.step == 5 and history.diverged.lr == 1e7
    assert "after step 5 (epoch 1), an update with learning rate 1e+07" in history.summary()
    broken = ck.models.mlp([64, 16, 10], seed=0)
    with torch.no_grad():
        broken[0].weight.fill_(float("nan"))
    opt = torch.optim.SGD(broken.parameters(), lr=0.1)
    with pytest.raises(TrainingDiverged, match="before the first update"):
        fit(broken, opt, digits.X_train, digits.y_train, batch_size=32, progress=False)


def test_a_loss_module_and_a_loss_per_sample_are_checked(digits: ck.data.Dataset) -> None:
    model, opt = make()
    y = np.where(np.arange(len(digits.y_train)) == 2, 12, digits.y_train)
    with pytest.raises(ValueError, match=r"y\[2\] = 12"):
        fit(
            model,
            opt,
            digits.X_train,
            y,
            batch_size=32,
            loss_fn=torch.nn.CrossEntropyLoss(),
            progress=False,
        )
    with pytest.raises(ValueError, match=r"loss_fn must return the mean loss .* \(1077,\)"):
        fit(
            model,
            opt,
            digits.X_train,
            digits.y_train,
            batch_size=32,
            progress=False,
            loss_fn=torch.nn.CrossEntropyLoss(reduction="none"),
        )
