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
from minigrad.creation import default_generator


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


# ----------------------------------------------------------------------------- DCGAN (28 x 28 x 1)

DCGAN_INITS = ("dcgan", "pytorch")


def dcgan_generator(noise_dim=100, channels=128, init="dcgan", rng=None):
    """DCGAN generator for 28 x 28 single-channel images: z (n, noise_dim) -> x (n, 1, 28, 28) in [-1, 1].

    The DCGAN rules (Radford, Metz & Chintala 2015; the textbook's DCGAN section), each at the line
    that applies it, for channels c = 128:

        Linear(noise_dim, c*7*7)          the only fully connected layer: the projection of z
                                          (rule 3: no fully connected hidden layers)
        BatchNorm1d(c*7*7), ReLU          rule 2 (batch norm in G) and rule 4 (ReLU in G)
        Unflatten(1, (c, 7, 7))           the projection read as c feature maps of 7 x 7
        ConvTranspose2d(c, c/2, 4, 2, 1)  rule 1: a strided (fractionally strided) transposed
                                          convolution upsamples 7 -> 14, no unpooling
        BatchNorm2d(c/2), ReLU            rules 2 and 4
        ConvTranspose2d(c/2, 1, 4, 2, 1)  rule 1: 14 -> 28
        Tanh                              rule 4: tanh output (pixels in [-1, 1]);
                                          rule 2: NO batch norm on G's output layer

    Layers followed by batch norm have no bias: BN subtracts the batch mean, which cancels any
    bias (as in PyTorch's DCGAN example). init='dcgan' draws the weights as the paper does (see
    `dcgan_init`); init='pytorch' keeps PyTorch's default initialisation.
    The module gets `noise_dim` as an attribute (the Trainer reads it).
    """
    _check_sizes("dcgan_generator", noise_dim=noise_dim, channels=channels)
    if channels % 2:
        raise ValueError(f"dcgan_generator: channels must be even (the second layer has channels/2), got {channels}")
    c = channels
    G = nn.Sequential(
        nn.Linear(noise_dim, c * 7 * 7, bias=False, rng=rng),               # rule 3: projection of z only
        nn.BatchNorm1d(c * 7 * 7), nn.ReLU(),                                # rules 2, 4
        nn.Unflatten(1, (c, 7, 7)),
        nn.ConvTranspose2d(c, c // 2, 4, 2, 1, bias=False, rng=rng),        # rule 1: 7 -> 14
        nn.BatchNorm2d(c // 2), nn.ReLU(),                                   # rules 2, 4
        nn.ConvTranspose2d(c // 2, 1, 4, 2, 1, rng=rng),                    # rule 1: 14 -> 28
        nn.Tanh(),                                                           # rule 4; rule 2: no BN here
    )
    G.noise_dim = noise_dim
    return _initialise(G, init, rng, "dcgan_generator")


def dcgan_discriminator(channels=64, norm="batch", init="dcgan", rng=None):
    """DCGAN discriminator for 28 x 28 single-channel images: x (n, 1, 28, 28) -> one logit (n, 1).

    For channels c = 64:

        Conv2d(1, c, 4, 2, 1)             rule 1: a strided convolution downsamples 28 -> 14, no pooling;
                                          rule 2: NO batch norm on D's input layer
        LeakyReLU(0.2)                    rule 5: LeakyReLU in D (slope 0.2, as in the paper)
        Conv2d(c, 2c, 4, 2, 1)            rule 1: 14 -> 7
        BatchNorm2d(2c)                   rule 2: batch norm in D (norm='batch')
        LeakyReLU(0.2)                    rule 5
        Flatten, Linear(2c*7*7, 1)        rule 3: no fully connected hidden layer, only the one
                                          output unit; a logit, no sigmoid (the losses take logits)

    norm='layer' is the critic for WGAN-GP (`dcgan_critic`): LayerNorm((2c, 7, 7)) instead of batch
    norm. The gradient penalty is a per-sample quantity, ||grad_x D(x_i)|| for each x_i, and batch
    norm makes D(x_i) depend on the other samples of the batch, so the per-sample gradient is no
    longer the critic's gradient at x_i. Layer norm normalises each sample over its own features
    (the WGAN-GP paper's recommendation). norm=None drops the normalisation altogether.
    """
    _check_sizes("dcgan_discriminator", channels=channels)
    c = channels
    norms = {"batch": lambda: nn.BatchNorm2d(2 * c), "layer": lambda: nn.LayerNorm((2 * c, 7, 7)), None: None}
    if norm not in norms:
        raise ValueError(f"dcgan_discriminator: norm must be 'batch', 'layer' or None, got {norm!r}")
    layers = [
        nn.Conv2d(1, c, 4, 2, 1, rng=rng),                                   # rule 1; rule 2: no BN on the input
        nn.LeakyReLU(0.2),                                                   # rule 5
        nn.Conv2d(c, 2 * c, 4, 2, 1, bias=norm != "batch", rng=rng),        # rule 1: 14 -> 7
    ]
    if norm is not None:
        layers.append(norms[norm]())                                         # rule 2 (or layer norm for WGAN-GP)
    layers += [nn.LeakyReLU(0.2),                                            # rule 5
               nn.Flatten(), nn.Linear(2 * c * 7 * 7, 1, rng=rng)]           # rule 3: one output logit
    return _initialise(nn.Sequential(*layers), init, rng, "dcgan_discriminator")


def dcgan_critic(channels=64, init="dcgan", rng=None):
    """The WGAN-GP critic: `dcgan_discriminator` with layer norm instead of batch norm (see there why)."""
    return dcgan_discriminator(channels, norm="layer", init=init, rng=rng)


def dcgan_init(module, rng=None, std=0.02):
    """The DCGAN paper's initialisation, in place: every Linear, Conv2d and ConvTranspose2d weight
    ~ N(0, std^2) with std = 0.02, their biases 0; every batch norm weight ~ N(1, std^2), bias 0.
    Layer norm keeps weight 1, bias 0. Returns `module`."""
    rng = default_generator() if rng is None else rng
    for layer in module.modules():
        if isinstance(layer, (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)):
            layer.weight.data[...] = rng.normal(0.0, std, layer.weight.shape)
        elif isinstance(layer, (nn.BatchNorm1d, nn.BatchNorm2d)):
            layer.weight.data[...] = rng.normal(1.0, std, layer.weight.shape)
        else:
            continue
        if layer.bias is not None:
            layer.bias.data[...] = 0.0
    return module


def _initialise(module, init, rng, function_name):
    if init == "dcgan":
        return dcgan_init(module, rng)
    if init == "pytorch":
        return module
    raise ValueError(f"{function_name}: init must be one of {DCGAN_INITS}, got {init!r}")
