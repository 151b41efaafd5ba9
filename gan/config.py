"""TrainConfig: every option of a GAN training run, checked when the config is made."""
import dataclasses
import difflib
import json
import math
import numbers
from dataclasses import dataclass
from typing import Optional, Tuple

from gan.losses import LOSS_FAMILIES, PROBABILITY_FAMILIES

OPTIMIZERS = ("adam", "rmsprop", "sgd")
UNROLLABLE_OPTIMIZERS = ("adam", "sgd")  # those with a functional step (minigrad.optim functional_step)


class ConfigError(ValueError):
    """An option of TrainConfig (or a model / data mismatch) is invalid; the message names it."""


class UnknownOptionError(ConfigError, TypeError):
    """TrainConfig got an option it does not have (a TypeError, as for any unknown keyword argument);
    the message says which option was probably meant."""


#: options people reach for that TrainConfig spells differently (each player has its own optimizer)
OPTION_HINTS = {
    "lr": "use g_lr and d_lr (G and D each have their own learning rate)",
    "learning_rate": "use g_lr and d_lr (G and D each have their own learning rate)",
    "betas": "use g_betas and d_betas",
    "optimizer": "use g_optimizer and d_optimizer",
    "k": "use n_critic (discriminator steps per generator step)",
    "d_steps": "use n_critic (discriminator steps per generator step)",
    "critic_iters": "use n_critic (discriminator steps per generator step)",
    "lambda_gp": "use gp_lambda",
    "gp_weight": "use gp_lambda",
    "clip": "use clip_value",
    "latent_dim": "use noise_dim",
    "z_dim": "use noise_dim",
    "iterations": "the number of iterations is the argument of Trainer.fit(iterations)",
    "steps": "the number of iterations is the argument of Trainer.fit(iterations)",
    "epochs": "the number of iterations is the argument of Trainer.fit(iterations)",
    "packing": "use pack (samples per discriminator input, PacGAN's m)",
    "pac": "use pack (samples per discriminator input, PacGAN's m)",
    "unrolled_steps": "use unroll (the number of unrolled discriminator steps)",
    "unroll_steps": "use unroll (the number of unrolled discriminator steps)",
}


@dataclass
class TrainConfig:
    """Options of the textbook's Algorithm 13.1 and its common variants. Every option is checked when
    the config is made: an unknown or invalid one raises ConfigError naming it.

    loss           'minimax' (saturating G loss, as in the original paper and the parabola tutorial), 'nonsaturating',
                   'wgan' (weight clipping), 'wgan-gp' (gradient penalty), 'lsgan', 'hinge'
    n_critic       k: discriminator / critic steps per generator step (>= 1; WGAN papers use 5)
    batch_size     M: real samples and noise vectors per step
    noise_dim      size of z ~ N(0, I); None = read it from the generator (its first layer)
    g_optimizer, d_optimizer     'adam' | 'rmsprop' | 'sgd' (separate optimizers for G and D)
    g_lr, d_lr     learning rates (>= 0)
    g_betas, d_betas             Adam's (beta1, beta2); ignored by the other optimizers
    momentum       momentum of 'sgd' and 'rmsprop' (both players)
    clip_value     clip D's weights into [-c, c] after each D step; None = 0.01 for 'wgan', off otherwise
    gp_lambda      weight of the WGAN-GP gradient penalty (used by 'wgan-gp'; >= 0)
    instance_noise sigma_0 of instance noise (the first remedy of the notes on training problems): N(0, sigma_t^2) is added to both
                   real and fake inputs of D; 0 = off
    instance_noise_iters         sigma_t = sigma_0 (1 - t / T) decays linearly to 0 over T
                   iterations; None = no decay
    label_smoothing              s: one-sided label smoothing, real target 1 - s (classic losses only)
    pack           m: PacGAN packing (Lin et al., 2018). D sees m samples side by side: each D input is m
                   real samples (or m fakes) concatenated along the feature axis, so D's input has
                   m * d features (m * C channels for images). A batch is still batch_size D inputs,
                   i.e. batch_size * m samples of each kind (any batch_size works). 1 = no packing
    unroll         k: the unrolled GAN (Metz et al., 2017). G's loss is taken against D after k further
                   steps of D's optimizer (recorded, differentiated through); D's own update is the
                   ordinary one. 0 = off. Needs d_optimizer 'adam' or 'sgd' and a loss without
                   clipping or gradient penalty
    aux_weight     weight of AC-GAN's class cross-entropy (gan/conditional.py), added to both players' losses
                   when D has the 'acgan' head (a conditional pair of models); ignored otherwise
    seed           seed of the one numpy Generator that draws all data, noise and eps
    """
    loss: str = "nonsaturating"
    n_critic: int = 1
    batch_size: int = 64
    noise_dim: Optional[int] = None
    g_optimizer: str = "adam"
    d_optimizer: str = "adam"
    g_lr: float = 1e-4
    d_lr: float = 1e-4
    g_betas: Tuple[float, float] = (0.9, 0.999)
    d_betas: Tuple[float, float] = (0.9, 0.999)
    momentum: float = 0.0
    clip_value: Optional[float] = None
    gp_lambda: float = 10.0
    instance_noise: float = 0.0
    instance_noise_iters: Optional[int] = None
    label_smoothing: float = 0.0
    pack: int = 1
    unroll: int = 0
    aux_weight: float = 1.0
    seed: int = 0

    def __new__(cls, *args, **options):
        """Refuse an unknown option with a hint before the dataclass __init__ sees it (which would
        only say "unexpected keyword argument")."""
        known = [f.name for f in dataclasses.fields(cls)]
        for name in options:
            if name not in known:
                close = difflib.get_close_matches(name, known, n=1)
                hint = OPTION_HINTS.get(name) or (f"did you mean {close[0]!r}?" if close else f"the options are {known}")
                raise UnknownOptionError(f"TrainConfig: unknown option {name!r}; {hint}")
        return super().__new__(cls)

    def __post_init__(self):
        self.validate()

    # ------------------------------------------------------------------ derived values
    @property
    def effective_clip_value(self):
        """The clip value in use: clip_value, or 0.01 for 'wgan' when it is None."""
        if self.clip_value is None and self.loss == "wgan":
            return 0.01
        return self.clip_value

    @property
    def outputs_probability(self):
        """True if D's output is a logit of a probability (classic losses), False for critic scores."""
        return self.loss in PROBABILITY_FAMILIES

    def noise_sigma(self, iteration):
        """Instance-noise sigma for (0-based) iteration t: sigma_0 * max(0, 1 - t / T)."""
        if self.instance_noise == 0 or self.instance_noise_iters is None:
            return float(self.instance_noise)
        return float(self.instance_noise) * max(0.0, 1.0 - iteration / self.instance_noise_iters)

    # ------------------------------------------------------------------ checks
    def validate(self):
        """Raise ConfigError naming the first invalid option; return self."""
        if self.loss not in LOSS_FAMILIES:
            close = difflib.get_close_matches(str(self.loss), list(LOSS_FAMILIES), n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise ConfigError(f"TrainConfig.loss: unknown loss {self.loss!r}; {hint}choose one of {sorted(LOSS_FAMILIES)}")
        _positive_int("n_critic", self.n_critic)
        _positive_int("batch_size", self.batch_size)
        if self.noise_dim is not None:
            _positive_int("noise_dim", self.noise_dim)
        for player in ("g", "d"):
            name = getattr(self, f"{player}_optimizer")
            if name not in OPTIMIZERS:
                raise ConfigError(f"TrainConfig.{player}_optimizer: unknown optimizer {name!r}; choose one of {OPTIMIZERS}")
            _non_negative(f"{player}_lr", getattr(self, f"{player}_lr"))
            betas = getattr(self, f"{player}_betas")
            if len(tuple(betas)) != 2 or not all(_is_number(b) and 0 <= b < 1 for b in betas):
                raise ConfigError(f"TrainConfig.{player}_betas: need two numbers in [0, 1), got {betas!r}")
        _non_negative("momentum", self.momentum)
        if self.clip_value is not None and not (_is_number(self.clip_value) and self.clip_value > 0):
            raise ConfigError(f"TrainConfig.clip_value: must be > 0 (or None), got {self.clip_value!r}")
        _non_negative("gp_lambda", self.gp_lambda)
        _non_negative("instance_noise", self.instance_noise)
        if self.instance_noise_iters is not None:
            _positive_int("instance_noise_iters", self.instance_noise_iters)
        if not (_is_number(self.label_smoothing) and 0 <= self.label_smoothing < 1):
            raise ConfigError(f"TrainConfig.label_smoothing: must be in [0, 1), got {self.label_smoothing!r}")
        if self.label_smoothing and not self.outputs_probability:
            raise ConfigError(f"TrainConfig.label_smoothing: only for the classic losses {PROBABILITY_FAMILIES}, "
                              f"not for loss={self.loss!r}")
        _positive_int("pack", self.pack)
        if isinstance(self.unroll, bool) or not isinstance(self.unroll, numbers.Integral) or self.unroll < 0:
            raise ConfigError(f"TrainConfig.unroll: must be an int >= 0 (0 = off), got {self.unroll!r}")
        if self.unroll:
            if self.d_optimizer not in UNROLLABLE_OPTIMIZERS:
                raise ConfigError(f"TrainConfig.unroll: the unrolled steps need a recordable optimizer "
                                  f"{UNROLLABLE_OPTIMIZERS} for D, got d_optimizer={self.d_optimizer!r}")
            if self.loss in ("wgan", "wgan-gp"):
                raise ConfigError(f"TrainConfig.unroll: not with loss={self.loss!r} (weight clipping and the "
                                  f"gradient penalty are not part of the recorded D steps)")
        _non_negative("aux_weight", self.aux_weight)
        if isinstance(self.seed, bool) or not isinstance(self.seed, numbers.Integral) or self.seed < 0:
            raise ConfigError(f"TrainConfig.seed: must be an int >= 0, got {self.seed!r}")
        return self

    # ------------------------------------------------------------------ saving
    def to_json(self):
        """The options as a JSON object (text), as checkpoints store them; from_json reads it back."""
        return json.dumps(dataclasses.asdict(self), sort_keys=True, default=lambda value: value.item())  # numpy numbers

    @classmethod
    def from_json(cls, text):
        """The TrainConfig that to_json wrote (the betas come back as tuples); checked like any other."""
        values = json.loads(text)
        for key in ("g_betas", "d_betas"):
            values[key] = tuple(values[key])
        return cls(**values)


def _is_number(value):
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)


def _positive_int(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ConfigError(f"TrainConfig.{name}: must be an int >= 1, got {value!r}")


def _non_negative(name, value):
    if not (_is_number(value) and value >= 0):
        raise ConfigError(f"TrainConfig.{name}: must be a finite number >= 0, got {value!r}")
