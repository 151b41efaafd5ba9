"""Builders for the two players of a GAN: the generator G(z) and the discriminator D(x).

Both are plain multilayer perceptrons (the introductory GAN notes: "G ... is essentially a
multilayer perceptron"; the parabola tutorial uses G 5-128-15 and D 15-128-1 with ReLU).

    G = mlp_generator(noise_dim=5, out_dim=15, hidden=(128,))     z (n, 5)  -> x (n, 15)
    D = mlp_discriminator(in_dim=15, hidden=(128,))               x (n, 15) -> logit (n, 1)

The discriminator returns LOGITS, not probabilities: D(x) = sigmoid(logit). The losses in
``gan.losses`` take logits so that log D(x) = log_sigmoid(logit) never becomes log(0).
For the Wasserstein losses the raw output is the critic value f(x) itself.
"""
from minigrad import nn


def _check_sizes(function_name, **sizes):
    for name, value in sizes.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{function_name}: {name} must be a positive int, got {value!r}")


def _hidden_sizes(function_name, hidden):
    hidden = (hidden,) if isinstance(hidden, int) else tuple(hidden)
    for i, size in enumerate(hidden):
        _check_sizes(function_name, **{f"hidden[{i}]": size})
    return hidden


def mlp_generator(noise_dim, out_dim, hidden=(128,), activation="relu", out_activation=None, rng=None):
    """G: noise z of shape (n, noise_dim) -> samples of shape (n, out_dim).

    Layers: Linear(noise_dim, hidden[0]), activation, ..., Linear(hidden[-1], out_dim), and
    `out_activation` (e.g. 'tanh' for data scaled to [-1, 1]; None for unbounded data).
    `rng` (a numpy Generator) makes the initial weights reproducible.
    """
    _check_sizes("mlp_generator", noise_dim=noise_dim, out_dim=out_dim)
    sizes = [noise_dim, *_hidden_sizes("mlp_generator", hidden), out_dim]
    return nn.MLP(sizes, activation=activation, out_activation=out_activation, rng=rng)


def mlp_discriminator(in_dim, hidden=(128,), activation="relu", rng=None):
    """D: samples of shape (n, in_dim) -> one logit per sample, shape (n, 1).

    There is deliberately no sigmoid at the end: D(x) = sigmoid(logit) is applied inside the
    classic losses (as log_sigmoid), and the Wasserstein critic uses the raw logit.
    """
    _check_sizes("mlp_discriminator", in_dim=in_dim)
    sizes = [in_dim, *_hidden_sizes("mlp_discriminator", hidden), 1]
    return nn.MLP(sizes, activation=activation, out_activation=None, rng=rng)
