"""Work counted from the layer shapes: the multiply-adds of a forward pass and of a GAN iteration.

A comparison of two models "after the same wall time" measures the machine as much as the models:
another program slows the clock's side, and a different computer changes the ratio. Counting the
multiply-adds instead gives every run, on any machine, the same budget. Per sample:

    Linear(i, o)                            i * o
    Conv2d(c_in, c_out, k, ...)             H_out * W_out * c_out * c_in * k_h * k_w
    ConvTranspose2d(c_in, c_out, k, ...)    H_in * W_in * c_in * c_out * k_h * k_w
                                            (every input pixel adds a k x k patch to c_out maps)

Batch norm, activations and the optimizer are elementwise (a few operations per value, not per
weight) and are not counted. A backward pass costs about twice its forward pass (the gradient of
the layer's input and that of its weights are each a product as large as the forward one).

One iteration of the Trainer (k critic steps, then one generator step), per sample of the batch:

    D step (k times): G forward (no graph), D forward and backward on the real and the fake batch
                      = G + 2 (D + 2 D) = G + 6 D
    G step:           G forward, D forward, backward through D and G = 3 G + 3 D
    iteration:        (k + 3) G + (6 k + 3) D       (k = 1: 4 G + 9 D)

(The gradient penalty of wgan-gp, a second backward through D, is not counted.)
"""
import minigrad as mg
from minigrad import nn

#: layers with parameters whose work is elementwise (not counted)
ELEMENTWISE = (nn.BatchNorm1d, nn.BatchNorm2d, nn.LayerNorm)


def forward_multiply_adds(model, input_shape):
    """Multiply-adds of one forward pass of `model` for ONE sample of shape `input_shape` (without
    the batch axis), counted from the shapes each Linear / Conv2d / ConvTranspose2d layer sees.

    The model runs once on a batch of 2 zeros, in eval mode and without a graph (its weights and
    statistics are not changed), so a layer's input size is known however the layers are nested."""
    counts = []
    modes = [m.training for m in model.modules()]
    model.eval()
    try:
        with mg.no_grad():
            _walk(model, mg.zeros((2, *input_shape)), counts)
    finally:
        for module, mode in zip(model.modules(), modes):
            object.__setattr__(module, "training", mode)
    return sum(counts)


def _walk(module, x, counts):
    if isinstance(module, nn.Sequential):
        for child in module:
            x = _walk(child, x, counts)
        return x
    y = module(x)
    if isinstance(module, nn.Linear):
        counts.append(module.in_features * module.out_features)
    elif isinstance(module, nn.ConvTranspose2d):
        kh, kw = module.kernel_size
        counts.append(x.shape[2] * x.shape[3] * module.in_channels * module.out_channels * kh * kw)
    elif isinstance(module, nn.Conv2d):
        kh, kw = module.kernel_size
        counts.append(y.shape[2] * y.shape[3] * module.out_channels * module.in_channels * kh * kw)
    elif list(module.parameters()) and not isinstance(module, ELEMENTWISE):
        raise TypeError(f"forward_multiply_adds: cannot count the products of {type(module).__name__}")
    return y


def iteration_multiply_adds(generator_forward, discriminator_forward, batch_size, n_critic=1):
    """Multiply-adds of one Trainer iteration from the per-sample forward counts of G and D (see
    the module docstring): batch_size * ((k + 3) G + (6 k + 3) D)."""
    k = n_critic
    return batch_size * ((k + 3) * generator_forward + (6 * k + 3) * discriminator_forward)
