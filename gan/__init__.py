"""gan: generative adversarial networks built on minigrad, plus the theory to check them.

The package is a set of small modules, each holding one idea. Import the one you
need, for example ``from gan import data`` or ``import gan.theory``, or just
``import gan`` and use ``gan.train.Trainer``: a module is loaded the first time
it is used, so loading one module never loads the others.

data
    Samplers for the toy training sets: the parabola curves of the parabola tutorial
    (``y = a x^2 + a - 1``, ``a ~ U[1, 3]``), 1-D Gaussians and mixtures, the
    8-Gaussian ring, the 25-Gaussian grid, the swiss roll. Pure NumPy.
digits
    Handwritten digits: the 5,000 MNIST digits shipped inside the package, and a
    reader for the standard MNIST IDX files (the full set). Pure NumPy.
models
    Builders for the MLP generator G(z) and discriminator D(x).
losses
    The GAN losses, one function each with its formula in the docstring:
    minimax (saturating), non-saturating, Wasserstein critic, gradient penalty,
    least squares, hinge.
train
    The training loop of Algorithm 13.1 (k discriminator steps per generator
    step), with weight clipping, gradient penalty, instance noise, history,
    checkpoints and a NaN guard.
inspection
    Gradient reports for one training step: per-layer gradient norms of D and G,
    the gradient dL/dG(z) that D hands back to G, and D(x), D(G(z)).
metrics
    Numbers that say how good a generator is: modes covered and share of
    high-quality samples, exact 1-D Wasserstein-1 distances, histogram JS
    estimates, the curve fit of the parabola demo, and digit-classifier scores
    (classifier score, Frechet distance, class coverage), image sharpness
    (mean absolute Laplacian). Pure NumPy.
judge
    The digit judge: a digit classifier trained with minigrad on real digits,
    and the scores it gives a set of images (classes covered, classifier score,
    Frechet distance in its features, sharpness).
conditional
    The conditional GAN: G(z, y) and D(x, y) see a label (one-hot appended to
    z, to D's input, or as label maps), with an auxiliary classifier (AC-GAN)
    or a projection head in D; the Trainer trains them on (images, labels).
vae
    The GAN's neighbours on the same engine: an autoencoder and a VAE (ELBO,
    reparameterisation, Gaussian KL, importance-weighted log p(x)).
theory
    Closed forms on densities sampled on a grid: the optimal discriminator
    D* = p_data / (p_data + p_g), the value function V(D, G), KL and JS
    divergences, the identity V(D*, G) = -log 4 + 2 JS(p_data || p_g), and the
    "parallel lines" example where JS is stuck at log 2 but W1 = |theta|.
    Pure NumPy.
"""
import importlib as _importlib
import pkgutil as _pkgutil

#: every module of the package (gan.train, gan.data, ...), found on disk, so new modules are included
_MODULES = tuple(sorted(info.name for info in _pkgutil.iter_modules(__path__) if not info.name.startswith("_")))


def __getattr__(name):
    """`gan.train`, `gan.data`, ... after a plain `import gan`: load the module on first use."""
    if name in _MODULES:
        return _importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'gan' has no attribute {name!r}; its modules are {list(_MODULES)}")


def __dir__():
    return sorted(set(globals()) | set(_MODULES))
