"""The unrolled GAN (Metz et al., 2017): G plays against the discriminator k steps ahead.

The discriminator's parameters after k more steps of its own optimizer are a function of G's
parameters theta_G (through the fakes it is trained on):

    theta_D^0 = theta_D,    theta_D^{j+1} = step(theta_D^j, grad_{theta_D} L_D(theta_D^j; x, G(z; theta_G)))

and the generator minimises the surrogate  f_k(theta_G) = L_G(D(G(z; theta_G); theta_D^k(theta_G))).
Its gradient has the ordinary term (theta_D^k held fixed) plus

    dL_G/dtheta_D^k  d theta_D^k / d theta_G,

how the future D reacts to G's move: a G that piles its samples onto one mode is answered by a D
that pushes that mode down, and G sees that reaction in its own gradient (docs/THEORY.md 11.2).

The k steps are recorded (each gradient taken with create_graph=True, the step written in Tensor
ops by minigrad.functional_optim), so one backward of f_k differentiates through all of them.
As in the reference implementation, the same real batch and the same fakes are used for all k
steps and for the final score. D itself is not changed: its Parameters, its optimizer state and
its buffers are as before (the Trainer's D step is the ordinary one).
"""
import numpy as np

import minigrad as mg
from minigrad.functional_optim import functional_step
from minigrad.nn.stateless import functional_call


def unrolled_scores(discriminator, d_optimizer, d_loss_fn, real, fake, steps):
    """D_k(fake): the discriminator's raw scores of `fake` after `steps` recorded steps of
    `d_optimizer` (SGD or Adam over discriminator.parameters(), starting from its current state)
    on d_loss_fn(D(real), D(fake)). Differentiable with respect to fake (hence G) and D's parameters."""
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 0:
        raise ValueError(f"unrolled_scores: steps must be an int >= 0, got {steps!r}")
    named = list(discriminator.named_parameters())
    names = [name for name, _ in named]
    if [id(p) for _, p in named] != [id(p) for p in d_optimizer.params]:
        raise ValueError("unrolled_scores: d_optimizer must hold exactly discriminator.parameters(), in order")
    buffers = {name: np.array(array, copy=True) for name, array in discriminator.named_buffers()}
    params, state = [p for _, p in named], None
    try:
        for _ in range(steps):
            tensors = dict(zip(names, params))
            loss = d_loss_fn(functional_call(discriminator, tensors, real), functional_call(discriminator, tensors, fake))
            grads = mg.grad(loss, params, create_graph=True, allow_unused=True)
            params, state = functional_step(d_optimizer, params, list(grads), state)
        return functional_call(discriminator, dict(zip(names, params)), fake)
    finally:
        if buffers:  # a BatchNorm in D must not have its running statistics moved by imagined steps
            discriminator.load_state_dict({**discriminator.state_dict(), **buffers})
