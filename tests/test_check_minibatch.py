"""coursekit.check.minibatch: the 5.2 exercises."""

from __future__ import annotations

import numpy as np
import pytest

from coursekit.check import CheckFailed, check_minibatch_indices, check_sgd_epoch
from coursekit.minibatch import minibatch_indices
from coursekit.models import softmax_regression_grad, softmax_sgd_epoch


@pytest.mark.parametrize("seed", [0, None])
def test_reference_solutions_pass(seed: int | None, capsys: pytest.CaptureFixture[str]) -> None:
    check_minibatch_indices(minibatch_indices, seed=seed)
    check_sgd_epoch(softmax_sgd_epoch, seed=seed)
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2
    if seed is None:
        assert out[0] == "OK minibatch_indices: the fresh random checks passed."
    else:
        assert out[1] == "OK sgd_epoch: the visible checks passed (grading runs more)."


def not_implemented(*args: object) -> None:
    raise NotImplementedError


@pytest.mark.parametrize("check", [check_minibatch_indices, check_sgd_epoch])
def test_unfinished_answers_get_not_implemented_yet(
    check, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(CheckFailed, match="not implemented yet"):
        check(not_implemented)
    assert capsys.readouterr().out == ""


def unshuffled(n, k, rng):
    return [np.arange(n)[i : i + k] for i in range(0, n, k)]


def dropped_last(n, k, rng):
    order = rng.permutation(n)
    return [order[i : i + k] for i in range(0, n - n % k, k)]


def with_replacement(n, k, rng):
    order = rng.integers(0, n, n)
    return [order[i : i + k] for i in range(0, n, k)]


def permutation_in_the_loop(n, k, rng):
    return [rng.permutation(n)[start : start + k] for start in range(0, n, k)]


def loop_from_one(n, k, rng):
    order = rng.permutation(n)
    starts = list(range(0, n, k))
    return [order[starts[i] : starts[i] + k] for i in range(1, len(starts))]


def other_shuffle(n, k, rng):
    order = np.random.default_rng(99).permutation(n)
    return [order[i : i + k] for i in range(0, n, k)]


def wrong_sizes(n, k, rng):
    order = rng.permutation(n)
    return (
        [order[: n - 1], order[n - 1 :]]
        if n // k + (n % k > 0) == 2
        else [order[i : i + k + 1] for i in range(0, n, k)]
    )


def returns_array(n, k, rng):
    return rng.permutation(n)


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (unshuffled, "in the order 0, 1, 2"),
        (dropped_last, "Did you drop the last, shorter batch"),
        (with_replacement, "appear more than once"),
        (permutation_in_the_loop, "Draw one permutation per epoch"),
        (loop_from_one, "does your loop start at 0"),
        (other_shuffle, "not in the order rng.permutation"),
        (returns_array, "return a list of index arrays"),
    ],
)
def test_minibatch_indices_mistakes_get_specific_messages(answer, message: str) -> None:
    with pytest.raises(CheckFailed, match=message):
        check_minibatch_indices(answer)
    with pytest.raises(CheckFailed, match=message):
        check_minibatch_indices(answer, seed=None)  # the hidden tests catch it too


def epoch_with(step):
    def sgd_epoch(theta, X, y, batches, lr):
        theta = theta.copy()
        for index in batches:
            theta = step(theta, X, y, index, lr)
        return theta

    return sgd_epoch


def grad(theta, X, y, index):
    return softmax_regression_grad(theta, X[index], y[index])


def transposed_grad(theta, X, y, index):
    # (P - Y) @ X where X.T @ (P - Y) is meant: the shapes do not fit, numpy says "matmul"
    logits = X[index] @ theta
    P = np.exp(logits - logits.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    Y = np.eye(theta.shape[1])[y[index]]
    return (P - Y) @ X[index] / len(index)


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (
            epoch_with(lambda t, X, y, i, lr: t - lr * grad(t, X, y, i) * len(i)),
            "summed the batch gradients",
        ),
        (epoch_with(lambda t, X, y, i, lr: t + lr * grad(t, X, y, i)), "goes uphill"),
        (
            epoch_with(lambda t, X, y, i, lr: t - lr * grad(t, X, y, np.arange(len(y)))),
            "whole data set",
        ),
        (epoch_with(lambda t, X, y, i, lr: t - 0.5 * lr * grad(t, X, y, i)), "Check the gradient"),
        (
            lambda theta, X, y, batches, lr: theta - lr * grad(theta, X, y, batches[-1]),
            "only the last batch",
        ),
        (lambda theta, X, y, batches, lr: None, "returned None"),
        (epoch_with(lambda t, X, y, i, lr: t - lr * transposed_grad(t, X, y, i)), "A transposed"),
        (lambda theta, X, y, batches, lr: theta[:-1], "keep its shape"),
    ],
)
def test_sgd_epoch_mistakes_get_specific_messages(answer, message: str) -> None:
    with pytest.raises(CheckFailed, match=message):
        check_sgd_epoch(answer)


def test_sgd_epoch_that_modifies_its_input_is_caught() -> None:
    def in_place(theta, X, y, batches, lr):
        for index in batches:
            theta -= lr * grad(theta, X, y, index)
        return theta

    with pytest.raises(CheckFailed, match="was modified"):
        check_sgd_epoch(in_place)


def test_hard_coded_answers_fail_the_hidden_checks() -> None:
    """An answer that memorised the visible cases passes them but not fresh random inputs."""
    memo = {}
    for n, k in [(10, 3), (12, 4), (7, 1), (9, 9), (100, 32)]:
        memo[(n, k)] = minibatch_indices(n, k, np.random.default_rng(0))

    def memorised(n, k, rng):
        rng.permutation(n)
        return memo.get((n, k), [np.arange(n)])

    with pytest.raises(CheckFailed):
        check_minibatch_indices(memorised, seed=None)


def test_a_permutation_that_happens_to_be_in_order_is_not_called_unshuffled(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import coursekit.check.minibatch as module

    # rng.permutation(3) returns 0, 1, 2 for 1 seed in 6: here it does, and the answer is right
    in_order = next(
        s for s in range(100) if np.array_equal(np.random.default_rng(s).permutation(3), [0, 1, 2])
    )
    monkeypatch.setattr(module, "cases", lambda seed, fixed, draw: [((3, 1), in_order)])
    check_minibatch_indices(minibatch_indices, seed=None)
    with pytest.raises(CheckFailed, match=r"order rng\.permutation"):  # a wrong order still fails
        check_minibatch_indices(lambda n, k, rng: [np.array([i]) for i in (2, 1, 0)], seed=None)
