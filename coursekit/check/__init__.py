"""Feedback for the graded exercises, one module per lesson, on one shared core.

* :mod:`.core` - :class:`CheckFailed`, :func:`rel_error`, how cases are made and hints matched
* :mod:`.landscape` - critical points and random Hessians (5.1)
* :mod:`.minibatch` - mini-batch indices and an SGD epoch (5.2)
* :mod:`.optim` - momentum, RMSprop, Adam and clipping (5.3)
* :mod:`.initialization` - the Xavier bound, He initialization and ZCA whitening (5.4)
* :mod:`.normalization` - batch norm forward and backward, layer norm forward, a prediction (5.5)
* :mod:`.hpo` - EI, a GP posterior, Hyperband's brackets, trials needed, a BO design (5.6)
* :mod:`.experiments` - the predict-then-measure and design exercises of 5.1-5.5 (escape from a
  saddle, SGD's noise floor, a batch for a budget, divergence thresholds, a schedule, the rms of
  a ReLU network, an initialization for leaky ReLU, a deep network in one epoch)
* :mod:`.regularization` - soft threshold, dropout, early stopping, weight decay, and a design
  of regularization graded by training with it (5.7)

Notebooks and nbgrader cells call ``ck.check.check_<exercise>(student_function)``.
"""

from .core import CheckFailed, rel_error
from .experiments import (
    check_batch_design,
    check_deep_network_design,
    check_divergence_thresholds,
    check_escape_saving,
    check_leaky_init_design,
    check_preactivation_rms,
    check_saddle_design,
    check_schedule_design,
    check_stationary_variance,
)
from .hpo import (
    check_bo_design,
    check_expected_improvement,
    check_gp_posterior,
    check_hyperband_brackets,
    check_trials_needed,
)
from .initialization import check_he_normal, check_xavier_uniform_bound, check_zca_whitening
from .landscape import check_classify_critical_point, check_probability_all_positive
from .minibatch import check_minibatch_indices, check_sgd_epoch
from .normalization import (
    check_batch_norm_backward,
    check_batch_norm_forward,
    check_bias_before_batch_norm,
    check_layer_norm_forward,
)
from .optim import check_adam_step, check_clip_by_norm, check_momentum_step, check_rmsprop_step
from .regularization import (
    check_decay_factor,
    check_dropout_forward_backward,
    check_early_stopping,
    check_regularization_design,
    check_soft_threshold,
)

__all__ = [
    "CheckFailed",
    "check_adam_step",
    "check_batch_design",
    "check_batch_norm_backward",
    "check_batch_norm_forward",
    "check_bias_before_batch_norm",
    "check_bo_design",
    "check_classify_critical_point",
    "check_clip_by_norm",
    "check_decay_factor",
    "check_deep_network_design",
    "check_divergence_thresholds",
    "check_dropout_forward_backward",
    "check_early_stopping",
    "check_escape_saving",
    "check_expected_improvement",
    "check_gp_posterior",
    "check_he_normal",
    "check_hyperband_brackets",
    "check_layer_norm_forward",
    "check_leaky_init_design",
    "check_minibatch_indices",
    "check_momentum_step",
    "check_preactivation_rms",
    "check_probability_all_positive",
    "check_regularization_design",
    "check_rmsprop_step",
    "check_saddle_design",
    "check_schedule_design",
    "check_sgd_epoch",
    "check_soft_threshold",
    "check_stationary_variance",
    "check_trials_needed",
    "check_xavier_uniform_bound",
    "check_zca_whitening",
    "rel_error",
]
