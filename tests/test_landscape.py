"""coursekit.landscape: Hessians against closed forms, landscapes on a model with a known loss."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from coursekit import landscape as L


def f_bowl(t):
    return t[0] ** 2 + t[1] ** 2


def f_cap(t):
    return -(t[0] ** 2) - t[1] ** 2


def f_saddle(t):
    return t[0] ** 2 - t[1] ** 2


def f_monkey(t):
    return t[0] ** 3 - 3 * t[0] * t[1] ** 2


@pytest.mark.parametrize(
    ("f", "hessian", "kind"),
    [
        (f_bowl, lambda x, y: [[2, 0], [0, 2]], "minimum"),
        (f_cap, lambda x, y: [[-2, 0], [0, -2]], "maximum"),
        (f_saddle, lambda x, y: [[2, 0], [0, -2]], "saddle"),
        (f_monkey, lambda x, y: [[6 * x, -6 * y], [-6 * y, -6 * x]], "degenerate"),
    ],
)
def test_hessians_and_kinds_at_the_origin_match_closed_forms(f, hessian, kind) -> None:
    cp = L.critical_point(f, [0.0, 0.0])
    np.testing.assert_allclose(cp.gradient, 0.0, atol=1e-12)
    np.testing.assert_allclose(cp.hessian, hessian(0.0, 0.0), atol=1e-12)
    assert cp.kind == kind
    rng = np.random.default_rng(0)
    for point in rng.uniform(-2, 2, (5, 2)):  # the Hessian away from the origin, too
        np.testing.assert_allclose(L.hessian(f, point), hessian(*point), atol=1e-10)


def test_classify_and_index() -> None:
    assert L.classify([1.0, 2.0]) == "minimum"
    assert L.classify([-1.0, -1e-3]) == "maximum"
    assert L.classify([1.0, 0.0, -1.0]) == "saddle"
    assert L.classify([1.0, 1e-12]) == "degenerate"
    assert L.classify([1.0, 1e-3], tol=1e-2) == "degenerate"
    assert L.critical_point(f_saddle, [0.0, 0.0]).index == 0.5
    with pytest.raises(ValueError, match="eigenvalues must not be empty"):
        L.classify([])
    with pytest.raises(ValueError, match="tol must be >= 0"):
        L.classify([1.0], tol=-1)


def linear_model() -> tuple[torch.nn.Module, torch.Tensor, torch.Tensor]:
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 2).double()
    X = torch.randn(20, 3, dtype=torch.float64)
    Y = torch.randn(20, 2, dtype=torch.float64)
    return model, X, Y


def mse(out, Y):
    return ((out - Y) ** 2).mean()


def closed_form_loss(vector: torch.Tensor, X: torch.Tensor, Y: torch.Tensor) -> float:
    W, b = vector[:6].reshape(2, 3), vector[6:]
    return float(((X @ W.T + b - Y) ** 2).mean())


def test_loss_along_line_and_plane_equal_the_closed_form() -> None:
    model, X, Y = linear_model()
    a = L.parameters_vector(model)
    b = a + torch.linspace(-1, 1, a.numel(), dtype=torch.float64)
    alphas, losses = L.loss_along_line(model, a, b, X, Y, [0.0, 0.5, 1.0, 1.5], loss_fn=mse)
    expected = [closed_form_loss(L.interpolate(a, b, t), X, Y) for t in alphas]
    np.testing.assert_allclose(losses, expected, rtol=1e-12)
    # the MSE of a linear model is convex: never above the chord between the ends
    assert losses[1] <= (losses[0] + losses[2]) / 2
    d1, d2 = L.filter_normalized_direction(model, 1), L.filter_normalized_direction(model, 2)
    grid = L.loss_plane(model, a, d1, d2, X, Y, [-1.0, 0.0, 2.0], [-0.5, 0.5], loss_fn=mse)
    for i, beta in enumerate([-0.5, 0.5]):
        for j, alpha in enumerate([-1.0, 0.0, 2.0]):
            point = a + alpha * d1 + beta * d2
            assert grid[i, j] == pytest.approx(closed_form_loss(point, X, Y), rel=1e-12)
    np.testing.assert_array_equal(L.parameters_vector(model), a)  # the model is untouched


def test_filter_normalized_directions_match_the_weights_row_by_row() -> None:
    model = torch.nn.Sequential(torch.nn.Linear(5, 4), torch.nn.ReLU(), torch.nn.Linear(4, 3))
    d = L.filter_normalized_direction(model, seed=0)
    pieces = torch.split(d, [p.numel() for p in model.parameters()])
    for piece, p in zip(pieces, model.parameters(), strict=True):
        if p.dim() == 1:
            assert torch.all(piece == 0)  # biases are not perturbed
        else:
            rows = piece.reshape(p.shape[0], -1)
            torch.testing.assert_close(rows.norm(dim=1), p.detach().norm(dim=1))
    assert not torch.equal(d, L.filter_normalized_direction(model, seed=1))
    with pytest.raises(ValueError, match="direction_1 must be a flat vector"):
        L.loss_plane(model, d, d[:-1], d, torch.zeros(1, 5), torch.zeros(1).long(), [0], [0])


def test_model_hessian_of_a_linear_least_squares_is_2_x_x_over_n() -> None:
    model, X, Y = linear_model()
    H = L.model_hessian(model, X, Y, loss_fn=mse)
    # loss = mean over 20 x 2 entries of (x.w_k + b_k - y)^2: per output k the Hessian block
    # in (w_k, b_k) is 2 / (20 * 2) * sum_n [x_n; 1][x_n; 1]^T
    Xb = torch.cat([X, torch.ones(20, 1, dtype=torch.float64)], dim=1).numpy()
    block = 2 / 40 * Xb.T @ Xb
    order = [0, 1, 2, 6, 3, 4, 5, 7]  # w_0, b_0, w_1, b_1 in the flat vector
    H_blocks = H[np.ix_(order, order)]
    np.testing.assert_allclose(H_blocks[:4, :4], block, atol=1e-12)
    np.testing.assert_allclose(H_blocks[4:, 4:], block, atol=1e-12)
    np.testing.assert_allclose(H_blocks[:4, 4:], 0.0, atol=1e-12)
    assert L.classify(np.linalg.eigvalsh(H)) == "minimum"


def test_random_symmetric_matrices_and_the_probability_of_a_minimum() -> None:
    H = L.random_symmetric(4, 10, np.random.default_rng(0))
    np.testing.assert_array_equal(H, np.swapaxes(H, 1, 2))
    p1 = L.probability_all_positive(1, 20000, np.random.default_rng(0))
    p2 = L.probability_all_positive(2, 20000, np.random.default_rng(0))
    assert abs(p1 - 0.5) < 0.02
    # for 2 x 2: P = (2 - sqrt(2)) / 4 ~ 0.146 (closed form for this ensemble)
    assert abs(p2 - (2 - np.sqrt(2)) / 4) < 0.01
    with pytest.raises(ValueError, match="d must be an integer >= 1"):
        L.random_symmetric(0, 5, np.random.default_rng(0))
    with pytest.raises(ValueError, match="differ in shape"):
        L.interpolate(torch.zeros(2), torch.zeros(3), 0.5)


def test_model_hessian_adds_the_weight_penalty() -> None:
    model, X, Y = linear_model()
    plain = L.model_hessian(model, X, Y, loss_fn=mse)
    penalised = L.model_hessian(model, X, Y, loss_fn=mse, weight_decay=0.5)
    np.testing.assert_allclose(penalised - plain, 0.5 * np.eye(len(plain)), atol=1e-12)
    with pytest.raises(ValueError, match="weight_decay must be >= 0"):
        L.model_hessian(model, X, Y, loss_fn=mse, weight_decay=-1.0)
