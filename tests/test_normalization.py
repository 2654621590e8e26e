"""coursekit.normalization equals torch: batch norm, layer norm and weight norm in float64."""

from __future__ import annotations

import copy
import itertools

import pytest
import torch
from torch import nn
from torch.nn.utils.parametrizations import weight_norm as torch_weight_norm

import coursekit as ck
from coursekit import normalization as N


def assert_same(a: torch.Tensor | None, b: torch.Tensor | None) -> None:
    if a is None or b is None:
        assert a is None and b is None
        return
    torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-12)


def twin_batch_norms(**options) -> tuple[N.BatchNorm1d, nn.BatchNorm1d]:
    ours = N.BatchNorm1d(4, **options).double()
    theirs = nn.BatchNorm1d(4, **options).double()
    if ours.affine:  # start from a non-trivial gamma and beta
        generator = torch.Generator().manual_seed(1)
        with torch.no_grad():
            for module in (ours, theirs):
                module.weight.copy_(torch.randn(4, generator=generator, dtype=torch.float64))
                module.bias.copy_(torch.randn(4, generator=generator, dtype=torch.float64))
                generator.manual_seed(1)
    return ours, theirs


@pytest.mark.parametrize("shape", [(16, 4), (8, 4, 5)])
@pytest.mark.parametrize(
    "options",
    [
        {},
        {"momentum": None},
        {"momentum": 0.3, "eps": 1e-3},
        {"affine": False},
        {"track_running_stats": False},
    ],
)
def test_batch_norm_equals_torch_in_train_and_eval(shape: tuple, options: dict) -> None:
    ours, theirs = twin_batch_norms(**options)
    generator = torch.Generator().manual_seed(0)
    for step in range(4):  # several batches: the running statistics accumulate
        z = 3.0 + 2.0 * torch.randn(shape, generator=generator, dtype=torch.float64)
        z_ours, z_theirs = z.clone().requires_grad_(), z.clone().requires_grad_()
        out_ours, out_theirs = ours(z_ours), theirs(z_theirs)
        assert_same(out_ours, out_theirs)
        upstream = torch.randn(shape, generator=generator, dtype=torch.float64)
        (out_ours * upstream).sum().backward()
        (out_theirs * upstream).sum().backward()
        assert_same(z_ours.grad, z_theirs.grad)
        if ours.affine:
            assert_same(ours.weight.grad, theirs.weight.grad)
            assert_same(ours.bias.grad, theirs.bias.grad)
        assert_same(ours.running_mean, theirs.running_mean)
        assert_same(ours.running_var, theirs.running_var)
        assert_same(ours.num_batches_tracked, theirs.num_batches_tracked)
        assert step < 0 or ours.training
    ours.eval()
    theirs.eval()
    z = torch.randn(shape, generator=generator, dtype=torch.float64)
    assert_same(ours(z), theirs(z))


def test_batch_norm_output_uses_the_biased_variance_and_running_var_the_unbiased() -> None:
    bn = N.BatchNorm1d(1, momentum=1.0, affine=False)
    z = torch.tensor([[1.0], [2.0], [3.0], [6.0]], dtype=torch.float64)
    out = bn.double()(z)
    assert abs(float(out.var(unbiased=False)) - 1.0) < 1e-4  # normalized with the biased one
    assert float(bn.running_var) == pytest.approx(float(z.var(unbiased=True)))
    assert float(bn.running_mean) == pytest.approx(3.0)


def test_batch_norm_refuses_a_training_batch_of_one_sample() -> None:
    bn = N.BatchNorm1d(3)
    with pytest.raises(ValueError, match=r"more than one value per feature.*\(1, 3\).*drop_last"):
        bn(torch.randn(1, 3))
    with pytest.raises(ValueError):  # torch refuses too
        nn.BatchNorm1d(3)(torch.randn(1, 3))
    bn.eval()
    assert bn(torch.randn(1, 3)).shape == (1, 3)  # a single prediction in eval mode is fine
    with pytest.raises(ValueError, match=r"z must have shape \(N, 3\) or \(N, 3, L\)"):
        bn(torch.randn(4, 5))


@pytest.mark.parametrize("normalized_shape", [5, (5,), (3, 5)])
@pytest.mark.parametrize("affine", [True, False])
def test_layer_norm_equals_torch(normalized_shape, affine: bool) -> None:
    ours = N.LayerNorm(normalized_shape, elementwise_affine=affine).double()
    theirs = nn.LayerNorm(normalized_shape, elementwise_affine=affine).double()
    generator = torch.Generator().manual_seed(0)
    if affine:
        with torch.no_grad():
            gamma = torch.randn(ours.weight.shape, generator=generator, dtype=torch.float64)
            for module in (ours, theirs):
                module.weight.copy_(gamma)
                module.bias.copy_(-gamma)
    z = 1.0 + 3.0 * torch.randn((4, 2, 3, 5), generator=generator, dtype=torch.float64)
    z_ours, z_theirs = z.clone().requires_grad_(), z.clone().requires_grad_()
    out_ours, out_theirs = ours(z_ours), theirs(z_theirs)
    assert_same(out_ours, out_theirs)
    upstream = torch.randn(z.shape, generator=generator, dtype=torch.float64)
    (out_ours * upstream).sum().backward()
    (out_theirs * upstream).sum().backward()
    assert_same(z_ours.grad, z_theirs.grad)
    if affine:
        assert_same(ours.weight.grad, theirs.weight.grad)
        assert_same(ours.bias.grad, theirs.bias.grad)
    ours.eval()
    assert_same(ours(z), out_ours.detach())  # no running statistics: eval computes the same


def test_layer_norm_does_not_depend_on_the_batch() -> None:
    ln = N.LayerNorm(6).double()
    z = torch.randn(8, 6, dtype=torch.float64)
    assert_same(ln(z)[:1], ln(z[:1]))
    with pytest.raises(ValueError, match=r"z must end in the dimensions \(6,\)"):
        ln(torch.randn(8, 5))


@pytest.mark.parametrize(
    ("make", "dim"),
    [
        (lambda: nn.Linear(5, 4), 0),
        (lambda: nn.Linear(5, 4), 1),
        (lambda: nn.Linear(5, 4), None),
        (lambda: nn.Conv1d(3, 4, 2), 0),
        (lambda: nn.Conv1d(3, 4, 2), -1),
        (lambda: nn.Conv1d(3, 4, 2), -2),
    ],
)
def test_weight_norm_equals_torch(make, dim) -> None:
    torch.manual_seed(0)
    base = make().double()
    ours = N.weight_norm(copy.deepcopy(base), dim=dim)
    theirs = torch_weight_norm(copy.deepcopy(base), dim=dim)
    g, v = ours.parametrizations.weight.original0, ours.parametrizations.weight.original1
    tg, tv = theirs.parametrizations.weight.original0, theirs.parametrizations.weight.original1
    assert_same(g, tg)
    assert_same(v, tv)
    assert_same(ours.weight, base.weight)  # the same function until the first update
    x = torch.randn((6, 5) if isinstance(base, nn.Linear) else (6, 3, 7), dtype=torch.float64)
    out, t_out = ours(x), theirs(x)
    assert_same(out, t_out)
    (out**2).sum().backward()
    (t_out**2).sum().backward()
    assert_same(g.grad, tg.grad)
    assert_same(v.grad, tv.grad)


def test_weight_norm_gradient_is_orthogonal_to_v_so_sgd_only_grows_it() -> None:
    torch.manual_seed(0)
    layer = N.weight_norm(nn.Linear(6, 3).double())
    v = layer.parametrizations.weight.original1
    x = torch.randn(20, 6, dtype=torch.float64)
    norms = [v.detach().norm(dim=1).clone()]
    for _ in range(5):
        layer.zero_grad()
        (layer(x).sin() ** 2).sum().backward()
        rows = (v.grad * v).sum(dim=1)  # <dL/dv_i, v_i> for each neuron i
        assert float(rows.detach().abs().max()) < 1e-10
        with torch.no_grad():
            v -= 0.5 * v.grad
        norms.append(v.detach().norm(dim=1).clone())
    assert all(bool((b >= a - 1e-12).all()) for a, b in itertools.pairwise(norms))
    assert bool((norms[-1] > norms[0]).any())


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda: N.BatchNorm1d(0), ValueError, "num_features must be an integer >= 1"),
        (lambda: N.BatchNorm1d(3, eps=0), ValueError, "eps must be > 0"),
        (lambda: N.BatchNorm1d(3, momentum=1.5), ValueError, r"momentum must be in \[0, 1\]"),
        (lambda: N.BatchNorm1d(3, affine="yes"), TypeError, "affine must be True or False"),
        (lambda: N.LayerNorm("5"), TypeError, "normalized_shape must be an integer"),
        (lambda: N.LayerNorm((5, 0)), ValueError, r"normalized_shape\[1\] must be an integer"),
        (lambda: N.weight_norm(nn.Linear(2, 2), name="w"), ValueError, "name must be one of"),
        (lambda: N.weight_norm(nn.Linear(2, 2), dim=2), ValueError, r"dim must be an integer"),
        (lambda: N.weight_norm("layer"), TypeError, "module must be a torch.nn.Module"),
    ],
)
def test_bad_arguments_are_named(make, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        make()


# ---- the measurements of 5.5 -------------------------------------------------------------------


def test_layer_gradient_norms_are_the_norms_of_the_weight_gradients() -> None:
    torch.manual_seed(0)
    X, y = torch.randn(12, 4), torch.randint(0, 3, (12,))
    for norm in (None, "batch", "weight"):
        model = ck.models.mlp([4, 5, 5, 3], seed=0, norm=norm)
        ours = N.layer_gradient_norms(model, X, y)
        model.zero_grad()
        torch.nn.functional.cross_entropy(model(X), y).backward()
        linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
        expected = [
            float(
                torch.sqrt(
                    sum((p.grad**2).sum() for n, p in m.named_parameters() if "bias" not in n)
                )
            )
            for m in linears
        ]
        assert ours == pytest.approx(expected, rel=1e-6)
        assert len(ours) == 3


def test_smoothness_along_gradient_on_a_quadratic_equals_the_closed_form() -> None:
    """L(theta) = 0.5 ||X theta - y||^2: the gradient changes by H u per unit length (H = X^T X)
    and the loss is L - r ||g|| + 0.5 r^2 u^T H u, exactly."""
    torch.manual_seed(0)
    X = torch.randn(10, 3, dtype=torch.float64)
    y = torch.randn(10, dtype=torch.float64)
    model = nn.Linear(3, 1, bias=False).double()
    theta = model.weight.detach().clone().reshape(-1)

    def loss_fn(out: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return 0.5 * ((out.squeeze(1) - target) ** 2).sum()

    lengths = [0.1, 0.5, 2.0]
    losses, changes = N.smoothness_along_gradient(model, X, y, lengths, loss_fn)
    H = X.T @ X
    g = H @ theta - X.T @ y
    u = g / g.norm()
    L0 = 0.5 * float(((X @ theta - y) ** 2).sum())
    for r, loss, change in zip(lengths, losses, changes, strict=True):
        assert loss == pytest.approx(L0 - r * float(g.norm()) + 0.5 * r**2 * float(u @ H @ u))
        assert change == pytest.approx(float((H @ u).norm()))
    torch.testing.assert_close(model.weight.detach().reshape(-1), theta)  # model unchanged
    with pytest.raises(ValueError, match="lengths must be > 0"):
        N.smoothness_along_gradient(model, X, y, [0.0], loss_fn)


def test_activation_inputs_are_the_net_inputs_or_their_normalized_form() -> None:
    torch.manual_seed(0)
    X = torch.randn(20, 4)
    plain = ck.models.mlp([4, 6, 6, 3], seed=0, activation="sigmoid")
    inputs = N.activation_inputs(plain, X)
    assert len(inputs) == 2
    torch.testing.assert_close(inputs[0], plain[0](X))
    torch.testing.assert_close(inputs[1], plain[2](torch.sigmoid(plain[0](X))))
    layered = ck.models.mlp([4, 6, 3], seed=0, activation="sigmoid", norm="layer")
    (z,) = N.activation_inputs(layered, X)
    torch.testing.assert_close(z.mean(dim=1), torch.zeros(20), atol=1e-5, rtol=0)
    batched = ck.models.mlp([4, 6, 3], seed=0, norm="batch")
    batched.train()
    N.activation_inputs(batched, X)
    assert batched.training  # the mode is restored


def test_data_dependent_init_gives_every_layer_zero_mean_unit_variance_outputs() -> None:
    """Salimans & Kingma's closed form: after the initialization each weight-normalized layer's
    output has mean 0 and (biased) standard deviation 1 per neuron on the batch, the weight
    directions v are unchanged, and the network still computes g v.x / ||v|| + b."""
    torch.manual_seed(0)
    X = torch.randn(64, 5, dtype=torch.float64) * 3 + 1
    model = ck.models.mlp([5, 7, 6, 3], seed=1, norm="weight").double()
    directions = [m.parametrizations.weight.original1.clone() for m in model[::2]]
    assert N.data_dependent_init(model, X) is model
    x = X
    for module in model:
        x = module(x)
        if isinstance(module, nn.Linear):
            torch.testing.assert_close(x.mean(dim=0), torch.zeros(x.shape[1], dtype=x.dtype))
            ones = torch.ones(x.shape[1], dtype=x.dtype)
            torch.testing.assert_close(x.std(dim=0, unbiased=False), ones)
    for module, v in zip(model[::2], directions, strict=True):
        torch.testing.assert_close(module.parametrizations.weight.original1, v)
        g = module.parametrizations.weight.original0
        torch.testing.assert_close(module.weight, g * v / v.norm(dim=1, keepdim=True))


def test_data_dependent_init_refuses_what_it_cannot_initialize() -> None:
    X = torch.randn(8, 4)
    with pytest.raises(ValueError, match="no weight-normalized Linear"):
        N.data_dependent_init(ck.models.mlp([4, 3, 2], seed=0), X)
    with pytest.raises(ValueError, match="at least 2 samples"):
        N.data_dependent_init(ck.models.mlp([4, 3, 2], seed=0, norm="weight"), X[:1])
    with pytest.raises(ValueError, match="the same for every sample"):
        N.data_dependent_init(ck.models.mlp([4, 3, 2], seed=0, norm="weight"), torch.ones(8, 4))
    whole = nn.Sequential(N.weight_norm(nn.Linear(4, 3), dim=None))
    with pytest.raises(ValueError, match="per neuron"):
        N.data_dependent_init(whole, X)
    with pytest.raises(TypeError, match=r"nn\.Sequential"):
        N.data_dependent_init(N.weight_norm(nn.Linear(4, 3)), X)
