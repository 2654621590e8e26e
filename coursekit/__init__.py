"""coursekit: readable implementations behind the course on network optimization and regularization.

One module per idea of the lecture (chapter 5):

* :mod:`coursekit.init`, :mod:`coursekit.preprocessing` - initializers; scalers and whitening (5.4)
* :mod:`coursekit.normalization` - batch, layer and weight normalization (5.5)
* :mod:`coursekit.hpo` - grid, random and Bayesian search, successive halving, Hyperband (5.6)
* :mod:`coursekit.augment` - rotations, flips, zooms, shifts and noise for image batches (5.7)
* :mod:`coursekit.regularization` - ℓ1/ℓ2 penalties, soft threshold, dropout, early stopping (5.7)
* :mod:`coursekit.landscape` - critical points, Hessians and loss landscapes (5.1)
* :mod:`coursekit.minibatch` - batches, epochs and mini-batch gradient descent (5.2)
* :mod:`coursekit.optim` - update rules (momentum, AdaGrad, RMSprop, Adam), torch optimizers (5.3)
* :mod:`coursekit.paths` - optimizer paths on 2-D surfaces, Newton's method (5.1, 5.3)
* :mod:`coursekit.schedules` - learning-rate decay, warmup and cyclic schedules (5.3)
* :mod:`coursekit.clipping` - gradient clipping by value and by norm (5.3)
* :mod:`coursekit.surfaces` - 2-D test functions with gradients and Hessians (5.1, 5.3)
* :mod:`coursekit.train` - the training loop every notebook uses
* :mod:`coursekit.models` - a torch MLP and softmax regression in NumPy
* :mod:`coursekit.data` - bundled digits, local MNIST, 2-D toy sets
* :mod:`coursekit.plot`, :mod:`coursekit.widgets` - figures and lecture sliders
* :mod:`coursekit.check` - feedback for the graded exercises
* :mod:`coursekit.designs` - the experiments that grade the design exercises (5.1-5.5)
* :mod:`coursekit.notebook` - notebook set-up and ``show_source``
* :mod:`coursekit.validate` - the argument checks every module shares
"""

from . import (
    augment,
    check,
    clipping,
    data,
    designs,
    hpo,
    init,
    landscape,
    minibatch,
    models,
    normalization,
    notebook,
    optim,
    paths,
    plot,
    preprocessing,
    regularization,
    schedules,
    surfaces,
    train,
    validate,
    widgets,
)
from .notebook import seed, setup, show_source

__all__ = [
    "augment",
    "check",
    "clipping",
    "data",
    "designs",
    "hpo",
    "init",
    "landscape",
    "minibatch",
    "models",
    "normalization",
    "notebook",
    "optim",
    "paths",
    "plot",
    "preprocessing",
    "regularization",
    "schedules",
    "seed",
    "setup",
    "show_source",
    "surfaces",
    "train",
    "validate",
    "widgets",
]
__version__ = "0.1.0"
