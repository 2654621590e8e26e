"""coursekit.preprocessing against scikit-learn's scalers and PCA."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.preprocessing import MinMaxScaler as SkMinMax
from sklearn.preprocessing import StandardScaler as SkStandard

from coursekit import preprocessing as P


@pytest.fixture(scope="module")
def X() -> np.ndarray:
    rng = np.random.default_rng(0)
    base = rng.standard_normal((300, 6)) @ rng.standard_normal((6, 6))
    return base * np.array([1, 10, 100, 0.1, 5, 1]) + np.array([0, 5, -50, 1, 0, 3])


@pytest.mark.parametrize(
    ("ours", "theirs"), [(P.MinMaxScaler, SkMinMax), (P.StandardScaler, SkStandard)]
)
def test_scalers_equal_sklearn(X, ours, theirs) -> None:
    a, b = ours().fit(X), theirs().fit(X)
    np.testing.assert_allclose(a.transform(X), b.transform(X), rtol=1e-12, atol=1e-12)
    X_new = X[:10] * 2 + 1
    np.testing.assert_allclose(a.transform(X_new), b.transform(X_new), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(a.inverse_transform(a.transform(X)), X, rtol=1e-12, atol=1e-9)


def test_constant_features_do_not_divide_by_zero() -> None:
    X = np.array([[1.0, 3.0], [2.0, 3.0], [4.0, 3.0]])
    for scaler, sk in ((P.MinMaxScaler(), SkMinMax()), (P.StandardScaler(), SkStandard())):
        np.testing.assert_allclose(scaler.fit_transform(X), sk.fit_transform(X), atol=1e-12)


def test_pca_whitening_equals_sklearn_signs_included(X) -> None:
    ours = P.PCAWhitening(epsilon=0.0).fit(X)
    theirs = PCA(whiten=True).fit(X)
    np.testing.assert_allclose(ours.components_, theirs.components_, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(ours.transform(X), theirs.transform(X), rtol=1e-9, atol=1e-9)


def test_pca_signs_do_not_depend_on_the_sign_lapack_returns(X, monkeypatch) -> None:
    reference = P.PCAWhitening().fit(X).components_
    eigh = np.linalg.eigh

    def flipped(matrix):  # another LAPACK: the same eigenvectors, some with the other sign
        values, vectors = eigh(matrix)
        return values, vectors * np.where(np.arange(vectors.shape[1]) % 2 == 0, -1.0, 1.0)

    monkeypatch.setattr(np.linalg, "eigh", flipped)
    np.testing.assert_array_equal(P.PCAWhitening().fit(X).components_, reference)
    rows = np.arange(len(reference))
    assert np.all(reference[rows, np.abs(reference).argmax(axis=1)] > 0)


@pytest.mark.parametrize("whitening", [P.PCAWhitening, P.ZCAWhitening])
def test_whitened_covariance_is_identity_and_inverse_round_trips(X, whitening) -> None:
    w = whitening(epsilon=0.0).fit(X)
    Z = w.transform(X)
    np.testing.assert_allclose(np.cov(Z, rowvar=False), np.eye(X.shape[1]), atol=1e-9)
    np.testing.assert_allclose(w.inverse_transform(Z), X, rtol=1e-9, atol=1e-8)


def test_zca_is_symmetric_and_stays_closest_to_the_input() -> None:
    digits = load_digits().data
    X = digits / 16.0
    zca = P.ZCAWhitening(epsilon=0.1).fit(X)
    pca = P.PCAWhitening(epsilon=0.1).fit(X)
    W = zca.whitening_matrix_
    np.testing.assert_allclose(W, W.T, atol=1e-12)
    centred = X - X.mean(axis=0)

    def closeness(Z: np.ndarray) -> float:  # mean correlation of each image with its whitened self
        return float(np.mean([np.corrcoef(a, b)[0, 1] for a, b in zip(centred, Z, strict=True)]))

    assert closeness(zca.transform(X)) > closeness(pca.transform(X)) + 0.3


def test_subtract_sample_mean() -> None:
    X = np.array([[1.0, 2.0, 3.0], [10.0, 10.0, 13.0]])
    np.testing.assert_allclose(P.subtract_sample_mean(X), [[-1, 0, 1], [-1, -1, 2]])
    with pytest.raises(ValueError, match="must be 2-D"):
        P.subtract_sample_mean(np.ones(3))


@pytest.mark.parametrize(
    "transformer", [P.MinMaxScaler, P.StandardScaler, P.PCAWhitening, P.ZCAWhitening]
)
def test_misuse_gets_a_clear_error(X, transformer) -> None:
    with pytest.raises(P.NotFittedError, match="call fit"):
        transformer().transform(X)
    fitted = transformer().fit(X)
    with pytest.raises(ValueError, match=r"X has 5 features, but .* was fitted with 6"):
        fitted.transform(X[:, :5])
    with pytest.raises(ValueError, match="must be 2-D"):
        fitted.transform(X[0])
    with pytest.raises(ValueError, match="at least 2 samples"):
        transformer().fit(X[:1])


def test_whitening_arguments() -> None:
    with pytest.raises(ValueError, match="epsilon must be >= 0"):
        P.PCAWhitening(epsilon=-1.0)
    X = np.array([[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])  # perfectly correlated: singular
    with pytest.raises(ValueError, match="use epsilon > 0"):
        P.ZCAWhitening(epsilon=0.0).fit(X)
    with pytest.raises(P.NotFittedError):
        _ = P.ZCAWhitening().whitening_matrix_
