"""Data preprocessing (5.4), scikit-learn style: ``fit``, ``transform``, ``inverse_transform``.

Features on very different scales stretch the loss into long, narrow valleys (5.3), so the
learning rate has to suit the steepest direction and everything else crawls. Rescaling the
inputs makes the valley round:

* :class:`MinMaxScaler`: x' = (x - min) / (max - min), each feature into [0, 1];
* :class:`StandardScaler`: x' = (x - mu) / sigma, each feature to mean 0 and variance 1;
* :func:`subtract_sample_mean`: each *sample* minus its own mean (e.g. an image's brightness);
* :class:`PCAWhitening`: rotate onto the principal axes and divide by their standard deviations,
  x' = Lambda^{-1/2} U^T (x - mu): decorrelated features of unit variance;
* :class:`ZCAWhitening`: the same, rotated back, x' = U Lambda^{-1/2} U^T (x - mu): the whitened
  data closest to the original (Bell & Sejnowski, 1997), so images still look like images.

Fitted attributes end in ``_``, as in scikit-learn.
"""

from __future__ import annotations

import numpy as np

from . import validate

__all__ = [
    "MinMaxScaler",
    "NotFittedError",
    "PCAWhitening",
    "StandardScaler",
    "ZCAWhitening",
    "subtract_sample_mean",
]


class NotFittedError(RuntimeError):
    """``transform`` was called before ``fit``."""


class _Transformer:
    _fitted_attribute = "mean_"

    def _check_input(self, X: np.ndarray, *, fitting: bool = False) -> np.ndarray:
        X = validate.array("X", X, ndim=2)
        if fitting:
            if len(X) < 2:
                raise ValueError(f"fit needs at least 2 samples, got {len(X)}")
            return X
        if getattr(self, self._fitted_attribute, None) is None:
            raise NotFittedError(f"{type(self).__name__} is not fitted yet: call fit(X) first")
        if X.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {X.shape[1]} features, but {type(self).__name__} was fitted with "
                f"{self.n_features_in_}"
            )
        return X

    def fit_transform(self, X: np.ndarray) -> np.ndarray:
        return self.fit(X).transform(X)


class MinMaxScaler(_Transformer):
    """x' = (x - min_j) / (max_j - min_j) per feature j; constant features map to 0."""

    _fitted_attribute = "data_min_"

    def __init__(self) -> None:
        self.data_min_: np.ndarray | None = None
        self.data_max_: np.ndarray | None = None

    def fit(self, X: np.ndarray) -> MinMaxScaler:
        X = self._check_input(X, fitting=True)
        self.n_features_in_ = X.shape[1]
        self.data_min_, self.data_max_ = X.min(axis=0), X.max(axis=0)
        span = self.data_max_ - self.data_min_
        self.scale_ = 1.0 / np.where(span > 0, span, 1.0)
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:
        X = self._check_input(X)
        return (X - self.data_min_) * self.scale_

    def inverse_transform(self, X: np.ndarray) -> np.ndarray:
        X = self._check_input(X)
        return X / self.scale_ + self.data_min_


class StandardScaler(_Transformer):
    """x' = (x - mu_j) / sigma_j per feature (population sigma); constant features keep scale 1."""

    def __init__(self) -> None:
        self.mean_: np.ndarray | None = None

    def fit(self, X: np.ndarray) -> StandardScaler:
        X = self._check_input(X, fitting=True)
        self.n_features_in_ = X.shape[1]
        self.mean_ = X.mean(axis=0)
        self.var_ = X.var(axis=0)
        self.scale_ = np.where(self.var_ > 0, np.sqrt(self.var_), 1.0)
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:
        X = self._check_input(X)
        return (X - self.mean_) / self.scale_

    def inverse_transform(self, X: np.ndarray) -> np.ndarray:
        X = self._check_input(X)
        return X * self.scale_ + self.mean_


def subtract_sample_mean(X: np.ndarray) -> np.ndarray:
    """Each row minus its own mean: removes a per-sample offset such as an image's brightness."""
    X = validate.array("X", X, ndim=2)
    return X - X.mean(axis=1, keepdims=True)


class PCAWhitening(_Transformer):
    """x' = Lambda^{-1/2} U^T (x - mu) with C = U Lambda U^T the covariance (eigenvalues sorted
    large to small); ``epsilon`` is added to Lambda against division by ~0.

    An eigenvector's sign is arbitrary, and LAPACK builds differ in the one they return (MKL,
    OpenBLAS, Accelerate), which would flip whitened coordinates from one machine to another. So
    each component is flipped to make its largest-magnitude entry positive, scikit-learn's
    ``svd_flip`` convention; with ``epsilon = 0`` it then equals
    ``sklearn.decomposition.PCA(whiten=True)``.
    """

    def __init__(self, epsilon: float = 1e-5) -> None:
        self.epsilon = validate.real("epsilon", epsilon, low=0)
        self.mean_: np.ndarray | None = None

    def fit(self, X: np.ndarray) -> PCAWhitening:
        X = self._check_input(X, fitting=True)
        self.n_features_in_ = X.shape[1]
        self.mean_ = X.mean(axis=0)
        covariance = np.cov(X - self.mean_, rowvar=False)  # divides by N - 1, like sklearn
        eigenvalues, eigenvectors = np.linalg.eigh(np.atleast_2d(covariance))
        order = np.argsort(eigenvalues)[::-1]
        self.explained_variance_ = np.clip(eigenvalues[order], 0.0, None)
        components = eigenvectors[:, order].T  # rows: principal axes
        largest = np.argmax(np.abs(components), axis=1)
        signs = np.sign(components[np.arange(len(components)), largest])
        self.components_ = components * signs[:, None]  # the same signs on every machine
        tiny = 1e-12 * max(float(self.explained_variance_[0]), 1e-300)  # round-off level
        if self.epsilon == 0 and np.any(self.explained_variance_ <= tiny):
            raise ValueError(
                "the covariance is singular (some feature combinations are constant): use "
                "epsilon > 0"
            )
        self.scale_ = 1.0 / np.sqrt(self.explained_variance_ + self.epsilon)
        return self

    def _matrix(self) -> np.ndarray:
        return self.scale_[:, None] * self.components_  # Lambda^{-1/2} U^T

    def transform(self, X: np.ndarray) -> np.ndarray:
        X = self._check_input(X)
        return (X - self.mean_) @ self._matrix().T

    def inverse_transform(self, X: np.ndarray) -> np.ndarray:
        X = np.asarray(X, dtype=float)
        self._check_input(X)
        return (X / self.scale_) @ self.components_ + self.mean_


class ZCAWhitening(PCAWhitening):
    """x' = U Lambda^{-1/2} U^T (x - mu): PCA whitening rotated back (a symmetric matrix)."""

    def _matrix(self) -> np.ndarray:
        return self.components_.T @ (self.scale_[:, None] * self.components_)

    @property
    def whitening_matrix_(self) -> np.ndarray:
        """W = U Lambda^{-1/2} U^T; symmetric, and W C W^T = I (for epsilon = 0)."""
        if self.mean_ is None:
            raise NotFittedError("ZCAWhitening is not fitted yet: call fit(X) first")
        return self._matrix()

    def inverse_transform(self, X: np.ndarray) -> np.ndarray:
        X = np.asarray(X, dtype=float)
        self._check_input(X)
        unwhiten = self.components_.T @ (self.components_ / self.scale_[:, None])
        return X @ unwhiten.T + self.mean_
