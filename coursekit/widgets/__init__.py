"""Interactive figures for lectures, one module per lesson, on shared machinery.

* :mod:`.core` - :class:`SliderApp`, :func:`slider_app` and the helpers every widget uses
* :mod:`.landscape` - escaping a saddle (5.1)
* :mod:`.minibatch` - retraining for a batch size and a rate (5.2)
* :mod:`.optim` - the schedule explorer and the optimizer race (5.3)
* :mod:`.initialization` - per-layer activations and gradients (5.4)
* :mod:`.normalization` - retraining with and without a layer-wise normalization (5.5)
* :mod:`.hpo` - grid against random search, one step of Bayesian optimization (5.6)
* :mod:`.regularization` - width and weight decay, dropout and its uncertainty, on the moons (5.7)

Every factory returns a :class:`SliderApp`, the widget *and* its update function, so that tests
can move a control and read what was drawn without a browser.
"""

from .core import LATENCY_BUDGET, WIDGET_KINDS, SliderApp, freeze, slider_app, style_controls
from .hpo import TRIAL_COUNTS, bayes_explorer, importance_explorer
from .initialization import INIT_CHOICES, init_explorer
from .landscape import saddle_escape
from .minibatch import BATCH_SIZES, minibatch_explorer
from .normalization import NORM_BATCH_SIZES, NORM_CHOICES, normalization_explorer
from .optim import RACE_RULES, optimizer_race, schedule_explorer
from .regularization import (
    DECAY_CHOICES,
    HIDDEN_CHOICES,
    MC_CHOICES,
    dropout_explorer,
    regularization_explorer,
)

__all__ = [
    "BATCH_SIZES",
    "DECAY_CHOICES",
    "HIDDEN_CHOICES",
    "INIT_CHOICES",
    "LATENCY_BUDGET",
    "MC_CHOICES",
    "NORM_BATCH_SIZES",
    "NORM_CHOICES",
    "RACE_RULES",
    "TRIAL_COUNTS",
    "WIDGET_KINDS",
    "SliderApp",
    "bayes_explorer",
    "dropout_explorer",
    "freeze",
    "importance_explorer",
    "init_explorer",
    "minibatch_explorer",
    "normalization_explorer",
    "optimizer_race",
    "regularization_explorer",
    "saddle_escape",
    "schedule_explorer",
    "slider_app",
    "style_controls",
]
