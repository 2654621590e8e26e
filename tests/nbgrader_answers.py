"""Typical wrong answers, one per exercise, that tests/test_nbgrader.py hands in."""

#: One typical wrong answer per exercise (grade_id -> (the cell's code, a phrase of its hint)).
WRONG = {
    "ex1_classify_critical_point": (
        """def classify_critical_point(H):
    d = np.diag(H)  # the diagonal instead of the eigenvalues
    if np.all(d > 1e-8):
        return "minimum"
    if np.all(d < -1e-8):
        return "maximum"
    if np.any(d > 1e-8) and np.any(d < -1e-8):
        return "saddle"
    return "degenerate"
""",
        "use the eigenvalues",
    ),
    "ex2_probability_all_positive": (
        """def probability_all_positive(d, n, rng):
    return 0.5**d  # every sign a coin flip
""",
        "coin flip",
    ),
    "ex1_minibatch_indices": (
        """def minibatch_indices(n, batch_size, rng):
    return [rng.permutation(n)[s : s + batch_size] for s in range(0, n, batch_size)]
""",
        "Draw one permutation per epoch",
    ),
    "ex2_sgd_epoch": (
        """def sgd_epoch(theta, X, y, batches, lr):
    theta = theta.copy()
    for index in batches:
        X_b, y_b = X[index], y[index]
        residual = ck.models.softmax(X_b @ theta)
        residual[np.arange(len(index)), y_b] -= 1
        theta = theta + lr * X_b.T @ residual / len(index)  # + instead of -
    return theta
""",
        "goes uphill",
    ),
    "ex1_momentum_step": (
        """def momentum_step(theta, velocity, grad, lr, momentum):
    velocity = momentum * velocity - lr * grad
    return theta - velocity, velocity  # the slide's sign
""",
        "add it",
    ),
    "ex2_rmsprop_step": (
        """def rmsprop_step(theta, G, grad, lr, beta, eps):
    G = beta * G + (1 - beta) * grad * grad
    return theta - lr * grad / np.sqrt(G + eps), G
""",
        "eps inside the square root",
    ),
    "ex3_adam_step": (
        """def adam_step(theta, m, v, grad, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    return theta - lr * m / (np.sqrt(v) + eps), m, v  # no bias correction
""",
        "without bias correction",
    ),
    "ex4_clip_by_norm": (
        """def clip_by_norm(g, max_norm):
    return np.clip(g, -max_norm, max_norm)
""",
        "clipping by value",
    ),
    "ex1_xavier_uniform_bound": (
        """def xavier_uniform_bound(fan_in, fan_out, gain=1.0):
    return gain * np.sqrt(2.0 / (fan_in + fan_out))  # the standard deviation, not the bound
""",
        "r = sqrt(3) times it",
    ),
    "ex2_he_normal": (
        """def he_normal(shape, rng):
    return rng.normal(0.0, 2.0 / shape[1], size=shape)  # the variance as the spread
""",
        "take its square root",
    ),
    "ex3_zca_whitening": (
        """def zca_whitening(X, epsilon):
    centred = X - X.mean(axis=0)
    eigenvalues, U = np.linalg.eigh(np.cov(centred, rowvar=False))
    return centred @ U @ np.diag(1.0 / np.sqrt(eigenvalues + epsilon))  # PCA: no rotation back
""",
        "rotate back",
    ),
    "ex1_batch_norm_forward": (
        """def batch_norm_forward(Z, gamma, beta, r_mean, r_var, momentum, eps, training):
    mean, var = Z.mean(axis=0), Z.var(axis=0)  # batch statistics, in evaluation too
    if training:
        r_mean = (1 - momentum) * r_mean + momentum * mean
        r_var = (1 - momentum) * r_var + momentum * Z.var(axis=0, ddof=1)
    return gamma * (Z - mean) / np.sqrt(var + eps) + beta, r_mean, r_var
""",
        "batch statistics in evaluation",
    ),
    "ex2_batch_norm_backward": (
        """def batch_norm_backward(dout, Z, gamma, eps):
    std = np.sqrt(Z.var(axis=0) + eps)
    z_hat = (Z - Z.mean(axis=0)) / std
    return gamma * dout / std, (dout * z_hat).sum(axis=0), dout.sum(axis=0)
""",
        "as if mu and sigma were",
    ),
    "ex3_layer_norm_forward": (
        """def layer_norm_forward(Z, gamma, beta, eps):
    return gamma * (Z - Z.mean(axis=0)) / np.sqrt(Z.var(axis=0) + eps) + beta
""",
        "over the samples, axis 0",
    ),
    "ex4_bias_before_batch_norm": (
        """def bias_gradient_prediction():  # return your prediction: "a", "b" or "c"
    return "a"
""",
        "Hint: batch",
    ),
    "ex1_expected_improvement": (
        """from scipy.stats import norm


def expected_improvement(mu, sigma, best, xi):
    improvement = mu - best - xi  # the formula for maximization
    ei = np.maximum(improvement, 0.0)
    known = sigma > 0
    z = improvement[known] / sigma[known]
    ei[known] = improvement[known] * norm.cdf(z) + sigma[known] * norm.pdf(z)
    return ei
""",
        "formula for maximization",
    ),
    "ex2_gp_posterior": (
        """def gp_posterior(X, y, X_star, length_scale, noise):
    def k(A, B):
        squared = ((A[:, None, :] - B[None, :, :]) ** 2).sum(axis=-1)
        return np.exp(-squared / (2 * length_scale**2))

    L = np.linalg.cholesky(k(X, X) + noise * np.eye(len(X)))
    alpha = np.linalg.solve(L.T, np.linalg.solve(L, y))
    K_star = k(X, X_star)
    v = np.linalg.solve(L, K_star)
    return K_star.T @ alpha, np.maximum(1.0 - (v**2).sum(axis=0), 0.0)  # the variance
""",
        "variance instead of the standard deviation",
    ),
    "ex3_hyperband_brackets": (
        """def hyperband_brackets(max_resource, eta):
    s_max = 0
    while eta ** (s_max + 1) <= max_resource:
        s_max += 1
    brackets = []
    for s in range(s_max, -1, -1):
        n = int((s_max + 1) * eta**s / (s + 1))  # rounded down
        r = max_resource * eta ** (-s)
        brackets.append([(n // eta**i, r * eta**i) for i in range(s + 1)])
    return brackets
""",
        "round up",
    ),
    "ex4_trials_needed": (
        """def trials_needed(fraction, confidence):
    return math.floor(math.log(1 - confidence) / math.log(1 - fraction))  # rounded down
""",
        "round up, not down",
    ),
    "ex5_bo_design": (
        """def bo_design():
    return {"n_initial": 3}
""",
        "needs 'n_initial' and 'length_scale'",
    ),
    "ex1_soft_threshold": (
        """def soft_threshold(x, threshold):
    return np.where(np.abs(x) > threshold, x, 0.0)  # hard thresholding
""",
        "hard thresholding",
    ),
    "ex2_dropout_forward_backward": (
        """def dropout_forward_backward(x, mask, p, dout):
    return x * mask, dout * mask
""",
        "without the 1 / (1 - p) scale",
    ),
    "ex3_early_stopping": (
        """def early_stopping(losses, patience, min_delta):
    best, best_index, waited = np.inf, None, 0
    for i, value in enumerate(losses):
        if value <= best - min_delta:  # <= instead of <
            best, best_index, waited = value, i, 0
        else:
            waited += 1
            if waited >= patience:
                return i, best_index
    return None, best_index
""",
        "use <, not <=",
    ),
    "ex4_decay_factor": (
        """def decay_factor(lr, weight_decay, momentum, steps):
    return (1 - lr * weight_decay) ** steps  # plain SGD's factor
""",
        "plain SGD's factor",
    ),
    "ex5_regularization_design": (
        """def regularization_design():
    return {"weight_decay": 0.01}
""",
        "exactly the keys",
    ),
    "ex3_escape_saving": (
        """def escape_saving(lr, curvature, factor):
    return np.log(factor) / (lr * curvature)  # log(1 + x) taken as x
""",
        "log(1 + x) ~ x",
    ),
    "ex4_saddle_design": (
        """def saddle_design():
    return {"lr": 0.5, "noise": 0.0}  # no noise: never leaves the saddle
""",
        "never moves",
    ),
    "ex3_stationary_variance": (
        """def stationary_variance(lr, curvature, grad_variance, batch_size):
    return lr * grad_variance / (2 * batch_size * curvature)  # the small-rate approximation
""",
        "small-rate approximation",
    ),
    "ex4_batch_design": (
        """def batch_design():
    return {"batch_size": 32, "lr": 0.1}  # a large batch at a small rate
""",
        "making use",
    ),
    "ex5_divergence_thresholds": (
        """def divergence_thresholds(curvature, momentum):
    return 2 * (1 + momentum) / curvature, 2 * (1 + momentum) / curvature
""",
        "look-ahead",
    ),
    "ex6_schedule_design": (
        """def schedule(t):
    return 0.05  # a constant rate
""",
        "constant rate",
    ),
    "ex4_preactivation_rms": (
        """def preactivation_rms(width, std, depth):
    return np.sqrt((width * std**2) ** depth)  # without ReLU's 1/2
""",
        "factor 1/2",
    ),
    "ex5_leaky_init_design": (
        """def init_weights(fan_in, fan_out, rng):
    return rng.normal(0.0, np.sqrt(2 / fan_in), (fan_out, fan_in))  # He's ReLU setting
""",
        "slope",
    ),
    "ex5_deep_network_design": (
        """def deep_network_design():
    return {"norm": "none", "lr": 0.1}
""",
        "chance level",
    ),
}
