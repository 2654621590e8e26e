"""coursekit.regularization (5.7) against its references: torch's weight decay and nn.Dropout,
scikit-learn's Lasso, and closed forms."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from sklearn.linear_model import Lasso
from torch import nn

import coursekit as ck
from coursekit import regularization as R


def test_penalties_and_their_gradients() -> None:
    torch.manual_seed(0)
    w = [torch.randn(3, 4, dtype=torch.float64, requires_grad=True), torch.randn(4)]
    lam = 0.3
    assert R.l1_penalty(w, lam).item() == pytest.approx(lam * sum(p.abs().sum() for p in w).item())
    assert R.l2_penalty(w[0], lam).item() == pytest.approx(lam / 2 * (w[0] ** 2).sum().item())
    (grad,) = torch.autograd.grad(R.l2_penalty(w[0], lam), w[0])
    torch.testing.assert_close(grad, lam * w[0].detach())  # gradient lambda * theta
    (grad1,) = torch.autograd.grad(R.l1_penalty(w[0], lam), w[0])
    torch.testing.assert_close(grad1, lam * torch.sign(w[0].detach()))
    x = np.array([[1.0, -2.0]])
    assert R.l2_penalty(x, 2.0) == pytest.approx(5.0) and R.l1_penalty([x], 1.0) == 3.0
    with pytest.raises(ValueError, match="weight"):
        R.l2_penalty(w, -1.0)
    with pytest.raises(TypeError, match="params must"):
        R.l1_penalty(3.0, 1.0)


def test_l2_penalty_with_sgd_is_weight_decay_exactly() -> None:
    """theta <- (1 - alpha lambda) theta - alpha dL/dtheta: the penalty in the loss, or torch's
    weight_decay, give the same weights after 50 steps (float64)."""
    torch.manual_seed(1)
    X, y = torch.randn(64, 5, dtype=torch.float64), torch.randint(0, 3, (64,))
    make = lambda: nn.Linear(5, 3).double()  # noqa: E731
    torch.manual_seed(2)
    a = make()
    b = make()
    b.load_state_dict(a.state_dict())
    opt_a = torch.optim.SGD(a.parameters(), lr=0.1)
    opt_b = torch.optim.SGD(b.parameters(), lr=0.1, weight_decay=0.05)
    for _ in range(50):
        for model, opt, penalty in ((a, opt_a, 0.05), (b, opt_b, 0.0)):
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(X), y)
            (loss + R.l2_penalty(model.parameters(), penalty)).backward()
            opt.step()
    for p, q in zip(a.parameters(), b.parameters(), strict=True):
        torch.testing.assert_close(p, q, rtol=1e-12, atol=1e-12)


def test_soft_threshold_gives_exact_zeros_in_numpy_and_torch() -> None:
    x = np.array([-3.0, -0.5, 0.0, 0.2, 1.5])
    np.testing.assert_array_equal(R.soft_threshold(x, 1.0), [-2.0, 0.0, 0.0, 0.0, 0.5])
    t = R.soft_threshold(torch.tensor(x), 1.0)
    assert torch.equal(t, torch.tensor([-2.0, 0.0, 0.0, 0.0, 0.5], dtype=torch.float64))
    np.testing.assert_array_equal(R.soft_threshold(x, 0.0), x)
    with pytest.raises(ValueError, match="threshold"):
        R.soft_threshold(x, -0.1)


@pytest.mark.parametrize("alpha", [0.01, 0.1, 0.5])
def test_ista_reaches_scikit_learns_lasso(alpha: float) -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 12))
    w_true = np.zeros(12)
    w_true[:3] = [2.0, -1.5, 0.8]
    y = X @ w_true + rng.normal(0, 0.3, 80)
    ours = R.lasso_ista(X, y, alpha, steps=20000)
    theirs = Lasso(alpha=alpha, fit_intercept=False, tol=1e-12, max_iter=100000).fit(X, y).coef_
    np.testing.assert_allclose(ours, theirs, atol=1e-6)
    assert np.array_equal(ours == 0, theirs == 0)  # the same exact zeros
    with pytest.raises(ValueError, match="same number of rows"):
        R.lasso_ista(X, y[:-1], alpha)


def test_dropout_matches_torch_statistically_and_is_the_identity_in_eval() -> None:
    torch.manual_seed(0)
    x = torch.ones(200, 500)
    ours, theirs = R.Dropout(0.3), nn.Dropout(0.3)
    a, b = ours(x), theirs(x)
    for out in (a, b):
        assert abs((out == 0).float().mean().item() - 0.3) < 0.01  # the fraction dropped
        values = torch.unique(out).tolist()
        assert len(values) == 2 and values[0] == 0 and values[1] == pytest.approx(1 / 0.7)
        assert abs(out.mean().item() - 1.0) < 0.01  # the mean is kept
    ours.eval()
    assert torch.equal(ours(x), x)
    masks = [R.Dropout(0.5)(x) for _ in range(2)]
    assert not torch.equal(masks[0], masks[1])  # a new mask at every pass
    assert torch.equal(R.Dropout(0.0)(x), x)


def test_the_slides_form_scales_at_test_time_and_has_the_same_expectation() -> None:
    torch.manual_seed(0)
    x = torch.randn(4000, 50).abs()
    slides = R.Dropout(0.4, inverted=False)
    train_mean = torch.stack([slides(x) for _ in range(20)]).mean(0)
    slides.eval()
    torch.testing.assert_close(slides(x), 0.6 * x)
    assert abs(train_mean.mean().item() - slides(x).mean().item()) < 0.01
    inverted = R.Dropout(0.4)
    inv_mean = torch.stack([inverted(x) for _ in range(20)]).mean(0)
    assert abs(inv_mean.mean().item() - x.mean().item()) < 0.01


@pytest.mark.parametrize("bad", [1.0, 1.5, -0.1, float("nan"), "0.5", True])
def test_dropout_rejects_a_rate_outside_0_1(bad: object) -> None:
    with pytest.raises((ValueError, TypeError), match="p"):
        R.Dropout(bad)  # type: ignore[arg-type]


def test_mc_dropout_keeps_batch_norm_in_eval_and_restores_modes() -> None:
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Linear(4, 16), nn.BatchNorm1d(16), nn.ReLU(), R.Dropout(0.3), nn.Linear(16, 3)
    )
    X = torch.randn(32, 4)
    model.train()
    model(X)  # running statistics move once
    stats = model[1].running_mean.clone()
    mean, spread = R.mc_dropout_predict(model, X, samples=30)
    assert torch.equal(model[1].running_mean, stats)  # BN used, not updated, its statistics
    assert model.training and all(m.training for m in model.modules())  # modes restored
    assert mean.shape == (32, 3) and torch.allclose(mean.sum(1), torch.ones(32))
    assert spread.min() >= 0 and spread.max() > 0
    model[3].p = 0.0  # without dropping, every pass is the eval network
    mean0, spread0 = R.mc_dropout_predict(model, X, samples=3)
    model.eval()
    torch.testing.assert_close(mean0, torch.softmax(model(X), 1))
    assert torch.equal(spread0, torch.zeros_like(spread0))
    with pytest.raises(ValueError, match="no dropout layer"):
        R.mc_dropout_predict(nn.Linear(4, 3), X)


def test_early_stopping_rule_best_epoch_and_restore() -> None:
    losses = [1.0, 0.8, 0.7, 0.72, 0.69, 0.71, 0.75, 0.9]
    stopper = R.EarlyStopping(patience=2)
    stops = [stopper.step(v) for v in losses]
    assert stops.index(True) == 6 and stopper.best_epoch == 4 and stopper.best_loss == 0.69
    never = R.EarlyStopping(patience=math.inf)
    assert not any(never.step(v) for v in losses)
    assert never.best_epoch == int(np.argmin(losses))
    strict = R.EarlyStopping(patience=2, min_delta=0.05)  # 0.69 is not 0.05 below 0.7
    assert [strict.step(v) for v in losses].index(True) == 4 and strict.best_epoch == 2
    model = nn.Linear(2, 2)
    stopper = R.EarlyStopping(patience=1)
    best = None
    for k, v in enumerate([0.5, 0.4, 0.6]):
        with torch.no_grad():
            model.weight.fill_(float(k))
        if k == 1:
            best = model.weight.detach().clone()
        if stopper.step(v, model):
            break
    assert torch.equal(model.weight, best)  # the best epoch's weights are back
    for bad in (0, 1.5, -1, "2"):
        with pytest.raises((ValueError, TypeError), match="patience"):
            R.EarlyStopping(patience=bad)  # type: ignore[arg-type]


def test_early_stopping_stops_fit_and_restores_the_best_weights() -> None:
    data = ck.data.load_digits_split(seed=0)
    X, y = torch.as_tensor(data.X_train[:150]), torch.as_tensor(data.y_train[:150])
    model = ck.models.mlp([64, 256, 10], seed=0)
    stopper = R.EarlyStopping(patience=3)
    history = ck.train.fit(
        model,
        torch.optim.SGD(model.parameters(), lr=0.5),
        X,
        y,
        epochs=200,
        batch_size=16,
        seed=0,
        val=(data.X_val, data.y_val),
        callback=stopper.callback(model),
        progress=False,
    )
    assert history.stopped_at is not None  # it stopped before 200 epochs
    assert stopper.best_epoch == int(np.argmin(history.val_loss))
    val = ck.train.evaluate(model, torch.as_tensor(data.X_val), torch.as_tensor(data.y_val))
    assert val[0] == pytest.approx(stopper.best_loss, rel=1e-5)


def test_boundary_length_is_the_length_of_the_half_contour() -> None:
    xs, ys = np.linspace(0, 2, 81), np.linspace(0, 1, 41)
    X, Y = np.meshgrid(xs, ys)
    vertical = (X > 0.7).astype(float) * 0.8 + 0.1  # a straight boundary at x = 0.7, height 1
    assert R.boundary_length(xs, ys, vertical) == pytest.approx(1.0, abs=1e-9)
    diagonal = 1 / (1 + np.exp(-(X - Y) * 20))  # the line y = x from (0, 0) to (1, 1)
    assert R.boundary_length(xs, ys, diagonal) == pytest.approx(math.sqrt(2), rel=1e-3)
    wavy = 1 / (1 + np.exp(-(X - 1 - 0.2 * np.sin(12 * Y)) * 20))
    assert R.boundary_length(xs, ys, wavy) > 1.5  # a wiggly boundary is longer than straight
    assert R.boundary_length(xs, ys, np.zeros((41, 81))) == 0
    with pytest.raises(ValueError, match="shape"):
        R.boundary_length(xs, ys, np.zeros((3, 3)))


def test_moons_training_is_deterministic_and_grids_have_the_right_shape() -> None:
    a, history = R.train_moons(6, steps=200, seed=1)
    b, _ = R.train_moons(6, steps=200, seed=1)
    xs, ys, pa = R.decision_grid(a, resolution=30)
    assert xs.shape == (30,) and ys.shape == (30,) and pa.shape == (30, 30)
    np.testing.assert_array_equal(pa, R.decision_grid(b, resolution=30)[2])
    assert not a.training and history.steps == 200 and 0 <= pa.min() <= pa.max() <= 1
    dropped = R.moons_network(8, dropout=0.5, layers=2)
    assert sum(isinstance(m, R.Dropout) for m in dropped) == 2
    X, y, X_val, _ = R.moons_problem(seed=3)
    assert X.shape == (40, 2) and X_val.shape == (1000, 2) and set(y.tolist()) == {0, 1}


def test_mc_dropout_uses_one_thinned_network_per_pass() -> None:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 50), nn.ReLU(), R.Dropout(0.5), nn.Linear(50, 2))
    X = torch.randn(1, 3).repeat(20, 1)  # twenty copies of one input
    _, spread = R.mc_dropout_predict(model, X, samples=5)
    mean_each = R.mc_dropout_predict(model, X, samples=1)[0]
    assert torch.allclose(mean_each, mean_each[:1].expand_as(mean_each))  # same mask per row
    assert spread.max() > 0 and not model[2].shared_mask  # the flag is restored


def test_noisy_digits_corrupts_the_asked_fraction_reproducibly() -> None:
    a, b = R.noisy_digits(seed=3), R.noisy_digits(seed=3)
    assert all(torch.equal(x, y) for x, y in zip(a, b, strict=True))
    assert a.X.shape == (150, 64) and len(a.X_val) == len(a.X_test) == 360
    # about 0.3 of the labels redrawn, a tenth of those by chance the same: ~27 % wrong
    assert abs(a.wrong / 150 - 0.27) < 0.1
    assert R.noisy_digits(noise=0.0, seed=3).wrong == 0
    # the images are training images of the same split, never validation or test images
    split = ck.data.load_digits_split(seed=3)
    rows = {tuple(r) for r in split.X_train.tolist()}
    assert all(tuple(r) in rows for r in a.X.tolist())


def test_digits_network_leaves_the_global_random_state_alone() -> None:
    torch.manual_seed(11)
    expected = torch.rand(3)
    torch.manual_seed(11)
    first = R.digits_network(0.5, seed=4)
    assert torch.equal(torch.rand(3), expected)
    second = R.digits_network(0.5, seed=4)
    assert all(
        torch.equal(p, q) for p, q in zip(first.parameters(), second.parameters(), strict=True)
    )
    assert isinstance(first[2], R.Dropout) and first[0].out_features == 256


def test_train_noisy_digits_is_deterministic_and_early_stopping_restores_the_best() -> None:
    problem = R.noisy_digits(seed=1)
    _, h1 = R.train_noisy_digits(problem, dropout=0.5, epochs=5, seed=2)
    _, h2 = R.train_noisy_digits(problem, dropout=0.5, epochs=5, seed=2)
    assert h1.val_loss == h2.val_loss and len(h1.val_loss) == 6
    stopper = R.EarlyStopping(patience=3)
    model, history = R.train_noisy_digits(problem, early_stopping=stopper, seed=2)
    assert history.stopped_at is not None and len(history.val_loss) < 151
    loss, _ = ck.train.evaluate(model, problem.X_val, problem.y_val)
    assert loss == pytest.approx(min(history.val_loss), rel=1e-6)
    assert not model.training
    # the clean labels are what the network sees with clean=True
    _, clean = R.train_noisy_digits(problem, clean=True, epochs=30, seed=2)
    assert clean.train_acc[-1] > 0.95


def test_noisy_digits_run_measures_one_training_and_caches_it() -> None:
    run = R.noisy_digits_run(7, dropout=0.5)
    assert R.noisy_digits_run(7, dropout=0.5) is run  # cached: trained once
    problem = R.noisy_digits(seed=7)
    model, history = R.train_noisy_digits(problem, dropout=0.5, seed=7)
    assert run.val_acc == history.val_acc[-1] and run.train_acc == history.train_acc[-1]
    assert run.test_acc == ck.train.evaluate(model, problem.X_test, problem.y_test)[1]
