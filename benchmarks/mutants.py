"""The curated mutant list that `benchmarks/mutation.py` plants, one at a time, in a clean copy.

A mutant is one wrong formula a careful reviewer could miss: a flipped sign, a lost factor, an
off-by-one in a loop or a schedule, a wrong default, a dropped term. Each names

    file          the file it changes (relative to the repository root)
    original      an exact snippet of that file; it must occur exactly once
    replacement   what the snippet becomes (the result must still be valid Python)
    tests         pytest arguments: the test files (or node ids) that must notice the change

The suite "catches" a mutant when those tests fail on it. Tests are the files that mirror the
mutated module (the whole suite per mutant would take hours). `TRAIN_TESTS` leaves out the one
80-second quality test of the Trainer, so a mutant only that test would notice counts as survived.

Two sections:

* FORMULAS: gan/ (losses, train, config, metrics, theory), minigrad/optim.py, minigrad/gradcheck.py.
* ENGINE: minigrad/ops.py, activations.py, fused.py, autograd.py, functional.py, convolution.py,
  kernels/conv.py, nn/norm.py: the engine after the rewrite of its core (one backward rule per op).
  `python benchmarks/mutation.py --check` lists any snippet that no longer applies after an edit.

ESCAPED names the nine mutations that issue 18 found passing the whole suite.
"""
from collections import namedtuple

Mutant = namedtuple("Mutant", "name file original replacement tests")

LOSS_TESTS = ["tests/test_gan_losses.py"]
TRAIN_TESTS = ["tests/test_gan_train.py", "--deselect", "tests/test_gan_train.py::test_wgan_gp_covers_the_ring"]
METRICS_TESTS = ["tests/test_gan_metrics.py"]
THEORY_TESTS = ["tests/test_gan_theory.py"]
OPTIM_TESTS = ["tests/test_optim.py", "tests/test_kernels.py"]
GRADCHECK_TESTS = ["tests/test_gradcheck_ops.py"]
ENGINE_TESTS = ["tests/test_gradcheck_ops.py", "tests/test_tensor.py", "tests/test_nn.py"]
CONV_TESTS = ["tests/test_conv.py", "tests/test_nn_conv.py"]
KERNEL_TESTS = ["tests/test_kernels.py"]   # the activation table is the NumPy reference of the Numba kernels
CONV_KERNEL_TESTS = ["tests/test_conv_kernels.py"]   # the Numba unfold / fold against the NumPy reference


def _m(name, file, original, replacement, tests):
    return Mutant(name, file, original, replacement, tuple(tests))


FORMULAS = [
    # ------------------------------------------------------------------ gan/losses.py
    _m("minimax D: real term sign", "gan/losses.py",
       "real_term = -F.log_sigmoid(real_logits)", "real_term = F.log_sigmoid(real_logits)", LOSS_TESTS),
    _m("minimax D: label-smoothing weights swapped", "gan/losses.py",
       "real_term = real_label * real_term + (1.0 - real_label) * F.softplus(real_logits)",
       "real_term = (1.0 - real_label) * real_term + real_label * F.softplus(real_logits)", LOSS_TESTS),
    _m("minimax D: fake term log D instead of log(1 - D)", "gan/losses.py",
       "fake_term = F.softplus(fake_logits)", "fake_term = F.softplus(-fake_logits)", LOSS_TESTS),
    _m("saturating G loss: sign", "gan/losses.py",
       "return mg.mean(-F.softplus(fake_logits))", "return mg.mean(F.softplus(fake_logits))", LOSS_TESTS),
    _m("non-saturating G loss: log D(-l)", "gan/losses.py",
       "return mg.mean(-F.log_sigmoid(fake_logits))", "return mg.mean(-F.log_sigmoid(-fake_logits))", LOSS_TESTS),
    _m("WGAN critic loss: sign", "gan/losses.py",
       "return mg.mean(fake_scores) - mg.mean(real_scores)", "return mg.mean(real_scores) - mg.mean(fake_scores)",
       LOSS_TESTS),
    _m("WGAN G loss: sign", "gan/losses.py",
       '"idea 2")."""\n    return -mg.mean(fake_scores)', '"idea 2")."""\n    return mg.mean(fake_scores)', LOSS_TESTS),
    _m("clip_weights: upper bound 2c", "gan/losses.py",
       "np.clip(p.data, -c, c, out=p.data)", "np.clip(p.data, -c, 2 * c, out=p.data)", LOSS_TESTS),
    _m("WGAN-GP: interpolation weights swapped", "gan/losses.py",
       "eps * real_data + (1 - eps) * fake_data", "(1 - eps) * real_data + eps * fake_data", LOSS_TESTS),
    _m("WGAN-GP: target norm 1 dropped", "gan/losses.py",
       "return weight * mg.mean((norms - 1.0) ** 2)", "return weight * mg.mean(norms ** 2)", LOSS_TESTS),
    _m("WGAN-GP: weight lambda dropped", "gan/losses.py",
       "return weight * mg.mean((norms - 1.0) ** 2)", "return mg.mean((norms - 1.0) ** 2)", LOSS_TESTS),
    _m("WGAN-GP: squared norm instead of norm", "gan/losses.py",
       "norms = mg.sqrt(mg.sum(grad_x * grad_x, axis=1) + 1e-12)", "norms = mg.sum(grad_x * grad_x, axis=1) + 1e-12",
       LOSS_TESTS),
    _m("WGAN-GP: norm over the batch instead of per example", "gan/losses.py",
       "mg.sum(grad_x * grad_x, axis=1)", "mg.sum(grad_x * grad_x, axis=0)", LOSS_TESTS),
    _m("LSGAN D: real target 0", "gan/losses.py",
       "0.5 * mg.mean((real_scores - 1.0) ** 2)", "0.5 * mg.mean((real_scores - 0.0) ** 2)", LOSS_TESTS),
    _m("LSGAN G: factor 1/2 dropped", "gan/losses.py",
       "return 0.5 * mg.mean((fake_scores - 1.0) ** 2)", "return mg.mean((fake_scores - 1.0) ** 2)", LOSS_TESTS),
    _m("hinge D: fake margin sign", "gan/losses.py",
       "mg.relu(1.0 + fake_scores)", "mg.relu(1.0 - fake_scores)", LOSS_TESTS),
    _m("LOSS_FAMILIES: minimax wired to the non-saturating G loss", "gan/losses.py",
       '"minimax": (minimax_discriminator_loss, saturating_generator_loss)',
       '"minimax": (minimax_discriminator_loss, nonsaturating_generator_loss)', LOSS_TESTS + TRAIN_TESTS),

    # ------------------------------------------------------------------ gan/train.py, gan/config.py
    _m("Trainer: one-sided label smoothing inverted (escaped)", "gan/train.py",
       "real_label=1.0 - self.config.label_smoothing", "real_label=self.config.label_smoothing", TRAIN_TESTS),
    _m("Trainer: no instance noise in the G step (escaped)", "gan/train.py",
       "fake = pack(self._with_instance_noise(self.generator(z), sigma), cfg.pack)",
       "fake = pack(self.generator(z), cfg.pack)", TRAIN_TESTS),
    _m("Trainer: sample() not in eval mode (escaped)", "gan/train.py",
       "return self._eval_forward(self.generator, z)",
       "with mg.no_grad():\n            return self.generator(z).data", TRAIN_TESTS),
    _m("Trainer: discriminate() not in eval mode", "gan/train.py",
       "scores = self._eval_forward(self.discriminator, mg.Tensor(np.asarray(x, dtype=self.dtype)))[:, 0]",
       "scores = self.discriminator(mg.Tensor(np.asarray(x, dtype=self.dtype))).data[:, 0]", TRAIN_TESTS),
    _m("Trainer: n_critic + 1 D steps (off by one)", "gan/train.py",
       "for _ in range(cfg.n_critic):", "for _ in range(cfg.n_critic + 1):", TRAIN_TESTS),
    _m("Trainer: gp_lambda ignored (weight 10)", "gan/train.py",
       "weight=cfg.gp_lambda)", "weight=10.0)", TRAIN_TESTS),
    _m("make_optimizer: Adam betas dropped", "gan/train.py",
       "return optim.Adam(params, lr=lr, betas=tuple(betas))", "return optim.Adam(params, lr=lr)", TRAIN_TESTS),
    _m("make_optimizer: RMSprop momentum dropped", "gan/train.py",
       "return optim.RMSprop(params, lr=lr, momentum=momentum)", "return optim.RMSprop(params, lr=lr)", TRAIN_TESTS),
    _m("Trainer: instance noise on real samples only", "gan/train.py",
       "fake = pack(self._with_instance_noise(fake, sigma), cfg.pack)", "fake = pack(fake, cfg.pack)", TRAIN_TESTS),
    _m("Trainer: instance noise not scaled by sigma", "gan/train.py",
       "mg.Tensor((sigma * self.rng.standard_normal(x.shape, dtype=np.float32))",
       "mg.Tensor((self.rng.standard_normal(x.shape, dtype=np.float32))", TRAIN_TESTS),
    _m("Trainer: D step without zero_grad (dropped term)", "gan/train.py",
       "self.d_optimizer.zero_grad()  # also clears", "pass  # also clears", TRAIN_TESTS),
    _m("Trainer: Wasserstein estimate sign", "gan/train.py",
       "wasserstein = real_mean - fake_mean if", "wasserstein = fake_mean - real_mean if", TRAIN_TESTS),
    _m("gradient_norm: L1 instead of squared L2", "gan/train.py",
       "total += float(np.dot(g, g))", "total += float(np.abs(g).sum())", TRAIN_TESTS),
    # options that only change the arguments of a loss: each is caught by a test of the option's
    # effect on D's loss and update, not of the arguments the Trainer passes
    _m("Trainer: D loss called without real_label (label smoothing ignored)", "gan/train.py",
       "return self.d_loss_fn(real_scores, fake_scores, real_label=1.0 - self.config.label_smoothing)",
       "return self.d_loss_fn(real_scores, fake_scores)", TRAIN_TESTS),
    _m("LOSS_FAMILIES: the non-saturating D loss drops real_label (label smoothing ignored)", "gan/losses.py",
       '"nonsaturating": (minimax_discriminator_loss, nonsaturating_generator_loss)',
       '"nonsaturating": (lambda real, fake, real_label=1.0: minimax_discriminator_loss(real, fake), '
       'nonsaturating_generator_loss)', LOSS_TESTS + TRAIN_TESTS),
    _m("Trainer: clip_value ignored (clips at the WGAN default 0.01)", "gan/train.py",
       "losses.clip_weights(self.discriminator, clip)", "losses.clip_weights(self.discriminator, 0.01)", TRAIN_TESTS),
    _m("Trainer: clip_value applied only with loss='wgan'", "gan/train.py",
       "if clip is not None:\n            losses.clip_weights",
       "if clip is not None and cfg.loss == \"wgan\":\n            losses.clip_weights", TRAIN_TESTS),
    _m("Trainer: gradient penalty added as a constant (its gradient never reaches D)", "gan/train.py",
       "rng=self.rng, weight=cfg.gp_lambda)", "rng=self.rng, weight=cfg.gp_lambda).detach()", TRAIN_TESTS),
    _m("Trainer: unrolled D steps without label smoothing", "gan/train.py",
       "self.d_optimizer, self._d_loss, real, fake", "self.d_optimizer, self.d_loss_fn, real, fake", TRAIN_TESTS),
    _m("Trainer: unrolled D steps on real samples without instance noise", "gan/train.py",
       "real = pack(self._with_instance_noise(self._real_batch(n), sigma), cfg.pack)",
       "real = pack(self._real_batch(n), cfg.pack)", TRAIN_TESTS),
    _m("Trainer: unrolled D steps on unpacked real samples", "gan/train.py",
       "real = pack(self._with_instance_noise(self._real_batch(n), sigma), cfg.pack)",
       "real = self._with_instance_noise(self._real_batch(n), sigma)", TRAIN_TESTS),
    _m("TrainConfig: noise schedule one iteration early", "gan/config.py",
       "max(0.0, 1.0 - iteration / self.instance_noise_iters)",
       "max(0.0, 1.0 - (iteration + 1) / self.instance_noise_iters)", TRAIN_TESTS),
    _m("TrainConfig: WGAN clip default 0.1", "gan/config.py",
       'if self.clip_value is None and self.loss == "wgan":\n            return 0.01',
       'if self.clip_value is None and self.loss == "wgan":\n            return 0.1', TRAIN_TESTS),
    _m("TrainConfig: gp_lambda default 1", "gan/config.py",
       "gp_lambda: float = 10.0", "gp_lambda: float = 1.0", TRAIN_TESTS),

    # ------------------------------------------------------------------ gan/metrics.py
    _m("mode_coverage: high quality within 4 std", "gan/metrics.py",
       "is_high_quality = distance_to_nearest < threshold * std",
       "is_high_quality = distance_to_nearest < (threshold + 1) * std", METRICS_TESTS),
    _m("mode_coverage: covered needs more than min_count", "gan/metrics.py",
       '"modes": int(np.sum(counts >= min_count))', '"modes": int(np.sum(counts > min_count))', METRICS_TESTS),
    _m("KL to uniform: 1/(K+1)", "gan/metrics.py",
       "uniform = np.full_like(p, 1.0 / p.size)", "uniform = np.full_like(p, 1.0 / (p.size + 1))", METRICS_TESTS),
    _m("wasserstein_1d: widths over n + m", "gan/metrics.py",
       "widths = np.diff(breaks, prepend=0) / (n * m)", "widths = np.diff(breaks, prepend=0) / (n + m)",
       METRICS_TESTS),
    _m("wasserstein_1d: quantile index off by one", "gan/metrics.py",
       "index_b = (breaks + n - 1) // n - 1", "index_b = np.maximum((breaks + n - 1) // n - 2, 0)", METRICS_TESTS),
    _m("W1 to uniform: factor 2 dropped", "gan/metrics.py",
       "pieces = (e_end * np.abs(e_end) - e_start * np.abs(e_start)) / (2.0 * length)",
       "pieces = (e_end * np.abs(e_end) - e_start * np.abs(e_start)) / length", METRICS_TESTS),
    _m("fit_curve_a: y - 1 instead of y + 1", "gan/metrics.py",
       "a_hat = (curves + 1.0) @ phi / np.dot(phi, phi)", "a_hat = (curves - 1.0) @ phi / np.dot(phi, phi)",
       METRICS_TESTS),
    _m("classifier_score: conditional entropy dropped", "gan/metrics.py",
       "mean_kl = _entropy(marginal) - _entropy(probs, axis=1).mean()", "mean_kl = _entropy(marginal)",
       METRICS_TESTS),
    _m("frechet_distance: factor 2 of the cross term dropped", "gan/metrics.py",
       "- 2.0 * trace_sqrt_product", "- trace_sqrt_product", METRICS_TESTS),
    _m("frechet_distance: Tr S_a twice", "gan/metrics.py",
       "np.trace(cov_a) + np.trace(cov_b)", "np.trace(cov_a) + np.trace(cov_a)", METRICS_TESTS),
    _m("js_divergence_hist: q normalised by a's count", "gan/metrics.py",
       "q = counts_b.ravel() / counts_b.sum()", "q = counts_b.ravel() / counts_a.sum()", METRICS_TESTS),
    _m("curves_quality: variance instead of std", "gan/metrics.py",
       '"a_std": float(a_hat.std())', '"a_std": float(a_hat.var())', METRICS_TESTS),

    # ------------------------------------------------------------------ gan/theory.py
    _m("optimal_discriminator: p_g on top", "gan/theory.py",
       "np.divide(p_data, total, out=d, where=total > 0)", "np.divide(p_g, total, out=d, where=total > 0)",
       THEORY_TESTS),
    _m("value_function: log D for the fakes", "gan/theory.py",
       "_weighted_log(p_g, 1.0 - d)", "_weighted_log(p_g, d)", THEORY_TESTS),
    _m("optimal_value: m instead of p_data + p_g for the fakes", "gan/theory.py",
       "integrand = _x_log_ratio(p_data, total) + _x_log_ratio(p_g, total)",
       "integrand = _x_log_ratio(p_data, total) + _x_log_ratio(p_g, 0.5 * total)", THEORY_TESTS),
    _m("kl_divergence: reversed", "gan/theory.py",
       "return float(np.sum(_x_log_ratio(p, q)) * dx)", "return float(np.sum(_x_log_ratio(q, p)) * dx)",
       THEORY_TESTS),
    _m("js_divergence: m = p + q", "gan/theory.py",
       "m = 0.5 * (p + q)\n", "m = p + q\n", THEORY_TESTS),
    _m("js_divergence: factor 1/2 dropped", "gan/theory.py",
       "return float(0.5 * np.sum(_x_log_ratio(p, m) + _x_log_ratio(q, m)) * dx)",
       "return float(np.sum(_x_log_ratio(p, m) + _x_log_ratio(q, m)) * dx)", THEORY_TESTS),
    _m("kl_normal: -1 instead of -1/2", "gan/theory.py",
       "(2.0 * std_q**2) - 0.5", "(2.0 * std_q**2) - 1.0", THEORY_TESTS),
    _m("normal_pdf: std dropped from the normalisation", "gan/theory.py",
       "np.exp(-0.5 * z * z) / (std * np.sqrt(2.0 * np.pi))", "np.exp(-0.5 * z * z) / np.sqrt(2.0 * np.pi)",
       THEORY_TESTS),
    _m("0 log 0: weight >= 0 counts as present", "gan/theory.py",
       "present = weight > 0", "present = weight >= 0", THEORY_TESTS),
    _m("w1_parallel_lines: theta instead of |theta|", "gan/theory.py",
       "return np.abs(np.asarray(theta, dtype=np.float64))[()]", "return np.asarray(theta, dtype=np.float64)[()]",
       THEORY_TESTS),
    _m("js_parallel_lines: log 4", "gan/theory.py",
       "np.where(theta != 0, LOG_2, 0.0)", "np.where(theta != 0, LOG_4, 0.0)", THEORY_TESTS),

    # ------------------------------------------------------------------ minigrad/optim.py
    _m("SGD: dampening dropped", "minigrad/optim.py",
       "buf[...] = momentum * buf + (1 - dampening) * d", "buf[...] = momentum * buf + d", OPTIM_TESTS),
    _m("SGD: first step damped", "minigrad/optim.py",
       "if first_step:\n            buf[...] = d", "if first_step:\n            buf[...] = (1 - dampening) * d",
       OPTIM_TESTS),
    _m("SGD: Nesterov without the gradient term", "minigrad/optim.py",
       "d = d + momentum * buf if nesterov else buf", "d = momentum * buf if nesterov else buf", OPTIM_TESTS),
    _m("SGD: weight decay squared", "minigrad/optim.py",
       "d = g + weight_decay * p if weight_decay != 0 else g", "d = g + weight_decay * p * p if weight_decay != 0 else g",
       OPTIM_TESTS),
    _m("Adam: bias correction 1 off by one step", "minigrad/optim.py",
       "bias_correction1 = 1 - beta1 ** step", "bias_correction1 = 1 - beta1 ** (step + 1)", OPTIM_TESTS),
    _m("Adam: bias correction 2 dropped", "minigrad/optim.py",
       "denom = np.sqrt(v) / math.sqrt(bias_correction2) + eps", "denom = np.sqrt(v) + eps", OPTIM_TESTS),
    _m("Adam: eps inside the square root", "minigrad/optim.py",
       "denom = np.sqrt(v) / math.sqrt(bias_correction2) + eps", "denom = np.sqrt(v / bias_correction2 + eps)",
       OPTIM_TESTS),
    _m("AMSGrad: min instead of max", "minigrad/optim.py",
       "np.maximum(vmax, v, out=vmax)", "np.minimum(vmax, v, out=vmax)", OPTIM_TESTS),
    _m("Adam: weight decay sign", "minigrad/optim.py",
       "        g = g + weight_decay * p\n    m[...]", "        g = g - weight_decay * p\n    m[...]", OPTIM_TESTS),
    _m("Adam: default beta1 0.5", "minigrad/optim.py",
       "lr=1e-3, betas=(0.9, 0.999)", "lr=1e-3, betas=(0.5, 0.999)", OPTIM_TESTS),
    _m("RMSprop: centred eps inside the square root", "minigrad/optim.py",
       "s = np.sqrt(square_avg - grad_avg * grad_avg) + eps", "s = np.sqrt(square_avg - grad_avg * grad_avg + eps)",
       OPTIM_TESTS),
    _m("RMSprop: centred average of g^2 instead of g", "minigrad/optim.py",
       "grad_avg[...] = alpha * grad_avg + (1 - alpha) * g\n", "grad_avg[...] = alpha * grad_avg + (1 - alpha) * g * g\n",
       OPTIM_TESTS),
    _m("RMSprop: momentum buffer not decayed", "minigrad/optim.py",
       "momentum_buf[...] = momentum * momentum_buf + g / s", "momentum_buf[...] = momentum_buf + g / s", OPTIM_TESTS),
    _m("RMSprop: alpha instead of 1 - alpha for g^2", "minigrad/optim.py",
       "square_avg[...] = alpha * square_avg + (1 - alpha) * g * g",
       "square_avg[...] = alpha * square_avg + alpha * g * g", OPTIM_TESTS),
    _m("RMSprop: default alpha 0.9", "minigrad/optim.py",
       "lr=1e-2, alpha=0.99", "lr=1e-2, alpha=0.9", OPTIM_TESTS),

    # ------------------------------------------------------------------ minigrad/gradcheck.py
    _m("gradcheck: one-sided step in the central difference", "minigrad/gradcheck.py",
       "numeric[j] = (plus - minus) / (2 * eps)", "numeric[j] = (plus - minus) / eps", GRADCHECK_TESTS),
    _m("gradcheck: tolerance loosened by 1", "minigrad/gradcheck.py",
       "if not abs(value - reference) <= atol + rtol * abs(reference):",
       "if not abs(value - reference) <= 1.0 + atol + rtol * abs(reference):", GRADCHECK_TESTS),
    _m("gradgradcheck: no create_graph vs plain comparison", "minigrad/gradcheck.py",
       '_compare("gradgradcheck (first order, create_graph=True vs plain backward)"',
       '(lambda *args, **kwargs: None)("gradgradcheck (first order, create_graph=True vs plain backward)"',
       GRADCHECK_TESTS),
    _m("gradgradcheck: no comparison with finite differences", "minigrad/gradcheck.py",
       '_compare("gradgradcheck (first order, create_graph=True vs finite differences)"',
       '(lambda *args, **kwargs: None)("gradgradcheck (first order, create_graph=True vs finite differences)"',
       GRADCHECK_TESTS),
    _m("gradgradcheck: second-order check dropped", "minigrad/gradcheck.py",
       "return gradcheck(first_gradient, inputs, eps=eps, atol=atol, rtol=rtol, seed=seed + 2)", "return True",
       GRADCHECK_TESTS),
]

ENGINE = [
    # ------------------------------------------------------------------ minigrad/ops.py and activations.py
    # (one rule per op since the engine rewrite: a mutant breaks the plain and the create_graph
    # backward alike; the escaped create_graph-only slips of issue 18 are no longer expressible)
    _m("sigmoid: derivative y instead of y (1 - y), one rule for both paths now (escaped)", "minigrad/activations.py",
       "slope=lambda y, s: y * (1 - y),", "slope=lambda y, s: y,", ENGINE_TESTS + KERNEL_TESTS),
    _m("leaky_relu: slope doubled in the derivative, one rule for both paths now (escaped)", "minigrad/activations.py",
       "slope=lambda y, s: np.where(y > 0, y.dtype.type(1), y.dtype.type(s)),",
       "slope=lambda y, s: np.where(y > 0, y.dtype.type(1), y.dtype.type(2 * s)),", ENGINE_TESTS + KERNEL_TESTS),
    _m("tanh: derivative 1 - y", "minigrad/activations.py",
       "slope=lambda y, s: 1 - y * y,", "slope=lambda y, s: 1 - y,", ENGINE_TESTS + KERNEL_TESTS),
    _m("tanh: curvature sign (second derivative only)", "minigrad/activations.py",
       "curvature=lambda y, s: -2 * y),", "curvature=lambda y, s: 2 * y),", ENGINE_TESTS),
    _m("sigmoid: curvature 1 + 2y (second derivative only)", "minigrad/activations.py",
       "curvature=lambda y, s: 1 - 2 * y),", "curvature=lambda y, s: 1 + 2 * y),", ENGINE_TESTS),
    _m("act_backward: no curvature term (second derivative only)", "minigrad/ops.py",
       "h * g * curvature(y, slope) if need[1] and curvature is not None else None)",
       "None)", ENGINE_TESTS),
    _m("mean: gradient n times too large (escaped)", "minigrad/ops.py",
       "_copy_back(g * (y.size / builtins.max(a.size, 1)), a.shape, axis, keepdims)",
       "_copy_back(g, a.shape, axis, keepdims)", ENGINE_TESTS),
    _m("mean: forward is the sum", "minigrad/ops.py",
       "return total * a.dtype.type(total.size / builtins.max(a.size, 1))", "return total", ENGINE_TESTS),
    _m("softplus: sigmoid(-a)", "minigrad/ops.py",
       "lambda g, y, a: g * sigmoid(a), _as_input(a))", "lambda g, y, a: g * sigmoid(-a), _as_input(a))", ENGINE_TESTS),
    _m("linear: bias gradient doubled", "minigrad/fused.py",
       "sum(gu, axis=0) if len(need) == 3 and need[2] else None)", "sum(gu, axis=0) * 2.0 if len(need) == 3 and need[2] else None)",
       ENGINE_TESTS),
    _m("linear: input gradient through W^T instead of W", "minigrad/fused.py",
       "grads = (mm(gu, weight) if need[0] else None,", "grads = (mm(gu, weight) * 0.5 if need[0] else None,", ENGINE_TESTS),
    _m("div: sign of d/db", "minigrad/ops.py",
       "unbroadcast(-(g * y) / b, b.shape)", "unbroadcast((g * y) / b, b.shape)", ENGINE_TESTS),
    _m("pow: exponent p - 2 in the derivative", "minigrad/ops.py",
       "return g * (p * a ** (p - 1)) if p != 0 else g * 0.0", "return g * (p * a ** (p - 2)) if p != 0 else g * 0.0",
       ENGINE_TESTS),
    _m("max: ties not shared", "minigrad/ops.py",
       "share = is_max / _fold(np.add, is_max, axis, keepdims=True)", "share = is_max", ENGINE_TESTS),
    _m("unbroadcast: stretched axes not summed", "minigrad/ops.py",
       "axes = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(shape) if n == 1 and g_shape[lead + i] != 1)",
       "axes = tuple(range(lead))", ENGINE_TESTS),
    _m("mm: sign of dA", "minigrad/ops.py",
       "return mm_nt(g, b) if need[0] else None, mm_tn(a, g) if need[1] else None",
       "return mm_nt(-g, b) if need[0] else None, mm_tn(a, g) if need[1] else None", ENGINE_TESTS),
    _m("bce_with_logits: gradient sigmoid(x) + t", "minigrad/ops.py",
       "return g * (sigmoid(x) - t) if need[0] else None", "return g * (sigmoid(x) + t) if need[0] else None", ENGINE_TESTS),
    _m("engine: gradients of a shared input overwrite instead of add", "minigrad/autograd.py",
       "grads[key] = pg if key not in grads else grads[key] + pg", "grads[key] = pg", ENGINE_TESTS),

    # ------------------------------------------------------------------ minigrad/functional.py
    _m("mse_loss: sum instead of mean (escaped)", "minigrad/functional.py",
       "return ops.mean(diff * diff)", "return ops.sum(diff * diff)", ENGINE_TESTS),
    _m("norm: squared norm (escaped)", "minigrad/functional.py",
       "return ops.sqrt(ops.sum(x * x, axis=axis, keepdims=keepdims))", "return ops.sum(x * x, axis=axis, keepdims=keepdims)",
       ENGINE_TESTS),
    _m("logsumexp: shift not added back", "minigrad/functional.py",
       "total = ops.log(ops.sum(ops.exp(x - m), axis=axis, keepdims=True)) + m",
       "total = ops.log(ops.sum(ops.exp(x - m), axis=axis, keepdims=True))", ENGINE_TESTS),
    _m("log_softmax: the log term dropped", "minigrad/functional.py",
       "return shifted - ops.log(ops.sum(ops.exp(shifted), axis=axis, keepdims=True))", "return shifted", ENGINE_TESTS),
    _m("cross_entropy: sum over the batch", "minigrad/functional.py",
       "return -ops.mean(picked)", "return -ops.sum(picked)", ENGINE_TESTS),
    _m("leaky_relu (slope <= 0): slope doubled", "minigrad/functional.py",
       "return ops.where(x > 0, x, x * negative_slope)", "return ops.where(x > 0, x, x * (2 * negative_slope))",
       ENGINE_TESTS + ["tests/test_semantics.py"]),
    _m("dropout: survivors not rescaled", "minigrad/functional.py",
       "keep = (rng.random(x.shape) >= p).astype(x.dtype) / (1.0 - p)", "keep = (rng.random(x.shape) >= p).astype(x.dtype)",
       ENGINE_TESTS),

    # ------------------------------------------------------------------ minigrad/nn/norm.py
    _m("BatchNorm: running variance biased", "minigrad/nn/norm.py",
       "m * var * (n / (n - 1))", "m * var", ENGINE_TESTS + CONV_TESTS),
    _m("BatchNorm: eps outside the square root", "minigrad/kernels/norm.py",
       "rstd = 1.0 / np.sqrt(var + eps)", "rstd = 1.0 / (np.sqrt(var) + eps)", ENGINE_TESTS + CONV_TESTS),
    _m("LayerNorm: variance not centred", "minigrad/nn/norm.py",
       "        var = ops.mean(centered * centered, axis=axes, keepdims=True)\n        x_hat = centered / ops.sqrt(var + self.eps)\n        return",
       "        var = ops.mean(x * x, axis=axes, keepdims=True)\n        x_hat = centered / ops.sqrt(var + self.eps)\n        return",
       CONV_TESTS),

    # ------------------------------------------------------------------ minigrad/convolution.py, kernels/conv.py
    _m("unfold: vjp is unfold, not fold", "minigrad/convolution.py",
       "lambda g, y, x: fold(g, x.shape[2:], *sizes), x)", "lambda g, y, x: x * 0 + 1, x)", CONV_TESTS),
    _m("conv2d: weight not flattened as (O, C kh kw) but transposed", "minigrad/convolution.py",
       "out = mm(reshape(weight, (O, C * kh * kw)), matrix)",
       "out = mm(reshape(transpose(weight, 0, 1, 3, 2), (O, C * kh * kw)), matrix)", CONV_TESTS),
    _m("conv2d: bias added per position instead of per channel", "minigrad/convolution.py",
       "out = out + reshape(bias, (O, 1))", "out = out + reshape(bias, (O, 1)) * 0", CONV_TESTS),
    _m("conv_transpose2d: output size without the dilation", "minigrad/convolution.py",
       "size = tuple((n - 1) * s - 2 * p + d * (k - 1) + e + 1",
       "size = tuple((n - 1) * s - 2 * p + (k - 1) + e + 1", CONV_TESTS),
    _m("output_size: off by one", "minigrad/kernels/conv.py",
       "return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1",
       "return (size + 2 * padding - dilation * (kernel - 1)) // stride + 1", CONV_TESTS),
    _m("max_pool2d: pads with zeros", "minigrad/convolution.py",
       'windows, shape = _windows("max_pool2d", input, kernel_size, stride, padding, -np.inf)',
       'windows, shape = _windows("max_pool2d", input, kernel_size, stride, padding, 0.0)', CONV_TESTS),

    # ------------------------------------------------------------------ kernels/_nb_conv.py, _nb_norm.py, batchnorm.py
    _m("Numba fold: padding ignored along the width", "minigrad/kernels/_nb_conv.py",
       "w = q * sw + j * dw - pw\n                if 0 <= w < W:",
       "w = q * sw + j * dw\n                if 0 <= w < W:", CONV_KERNEL_TESTS),
    _m("Numba unfold: dilation ignored along the width", "minigrad/kernels/_nb_conv.py",
       "w = q * sw + j * dw - pw\n                dst",
       "w = q * sw + j - pw\n                dst", CONV_KERNEL_TESTS),
    _m("Numba batch-norm backward: the y mean(g y) term dropped", "minigrad/kernels/_nb_norm.py",
       "dst[t] = r * (gr[t] - mg - yr[t] * mgy)", "dst[t] = r * (gr[t] - mg)", KERNEL_TESTS),
    _m("Numba batch-norm statistics: the variance sums |x - mean| instead of its square",
       "minigrad/kernels/_nb_norm.py", "        s += d * d\n", "        s += abs(d)\n", KERNEL_TESTS),
    _m("Numba BatchNorm1d backward: the y mean(g y) term dropped", "minigrad/kernels/_nb_norm.py",
       "dst[t] = r[t] * (gr[t] - sg[t] - yr[t] * sgy[t])", "dst[t] = r[t] * (gr[t] - sg[t])", KERNEL_TESTS),
    _m("batch-norm second order: dF/dx with the wrong sign", "minigrad/batchnorm.py",
       "-(r * r) * c * _channel_mean(h * f)", "(r * r) * c * _channel_mean(h * f)", ENGINE_TESTS + CONV_TESTS),
]

SECTIONS = {"formulas": FORMULAS, "engine": ENGINE}

#: the nine mutations of issue 18 that passed the whole suite then
ESCAPED = [m.name for m in FORMULAS + ENGINE if m.name.endswith("(escaped)")]
