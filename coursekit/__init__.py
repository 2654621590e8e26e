"""coursekit: readable implementations behind the course on network optimization and regularization.

One module per idea of the lecture (chapter 5):

* :mod:`coursekit.minibatch` - batches, epochs and mini-batch gradient descent (5.2)
* :mod:`coursekit.train` - the training loop every notebook uses
* :mod:`coursekit.models` - a torch MLP and softmax regression in NumPy
* :mod:`coursekit.data` - bundled digits, local MNIST, 2-D toy sets
* :mod:`coursekit.plot`, :mod:`coursekit.widgets` - figures and lecture sliders
* :mod:`coursekit.check` - feedback for the graded exercises
* :mod:`coursekit.notebook` - notebook set-up and ``show_source``
"""

from . import check, data, minibatch, models, notebook, plot, train, widgets
from .notebook import setup, show_source

__all__ = [
    "check",
    "data",
    "minibatch",
    "models",
    "notebook",
    "plot",
    "setup",
    "show_source",
    "train",
    "widgets",
]
__version__ = "0.1.0"
