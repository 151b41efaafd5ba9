"""Checkpoints of a Trainer: everything needed to continue a run bit for bit.

A checkpoint is one .npz file written by `minigrad.save` (atomically: a temp file, then a rename,
so a crash or Ctrl-C while saving never leaves a half-written file) and read with
allow_pickle=False (opening a checkpoint can never run code). It holds

    generator, discriminator      parameter arrays (state_dict)
    g_optimizer, d_optimizer      optimizer state (Adam's m, v and step count, ...)
    rng                           the state of the trainer's numpy Generator (as JSON text:
                                  PCG64's state is a 128-bit integer, too big for an int64 array)
    history                       one float64 array per history key
    iteration                     completed iterations
    config                        the TrainConfig (as JSON text)
"""
import json

import numpy as np

import minigrad as mg

FORMAT = "minigrad-gan-checkpoint"
VERSION = 1


class NonFiniteError(FloatingPointError):
    """Training produced NaN or inf; the message names the iteration and the quantity."""


def first_non_finite_parameter(named_modules):
    """'generator.0.weight' for the first parameter holding NaN/inf, or None if all are finite."""
    for prefix, module in named_modules:
        for name, p in module.named_parameters():
            if not np.isfinite(p.data).all():
                return f"{prefix}.{name}"
    return None


def trainer_state(trainer):
    """The trainer as a nested dict of arrays, numbers and strings (what minigrad.save stores)."""
    return {
        "format": FORMAT,
        "version": VERSION,
        "iteration": int(trainer.iteration),
        "config": trainer.config.to_json(),
        "rng": json.dumps(trainer.rng.bit_generator.state),
        "generator": dict(trainer.generator.state_dict()),
        "discriminator": dict(trainer.discriminator.state_dict()),
        "g_optimizer": trainer.g_optimizer.state_dict(),
        "d_optimizer": trainer.d_optimizer.state_dict(),
        "history": {key: np.asarray(values, dtype=np.float64) for key, values in trainer.history.items()},
    }


def save_checkpoint(trainer, path):
    """Write the trainer's state to `path` (atomic). Refuses to save a state with NaN/inf parameters,
    so a good checkpoint is never replaced by a broken one."""
    bad = first_non_finite_parameter((("generator", trainer.generator), ("discriminator", trainer.discriminator)))
    if bad is not None:
        raise NonFiniteError(f"iteration {trainer.iteration}: parameter {bad} is not finite; "
                             f"checkpoint {path} was not written")
    mg.save(trainer_state(trainer), path)


def read_checkpoint(path):
    """Load a checkpoint file as a dict, checking that it is one."""
    state = mg.load(path)
    if not isinstance(state, dict) or _text(state.get("format")) != FORMAT:
        raise ValueError(f"read_checkpoint: {path} is not a {FORMAT} file")
    return state


def config_of(state):
    from gan.config import TrainConfig
    return TrainConfig.from_json(_text(state["config"]))


def restore_trainer_state(trainer, state):
    """Put a checkpoint's state into `trainer` (models, optimizers, RNG, history, iteration)."""
    trainer.generator.load_state_dict(state["generator"])
    trainer.discriminator.load_state_dict(state["discriminator"])
    trainer.g_optimizer.load_state_dict(state["g_optimizer"])
    trainer.d_optimizer.load_state_dict(state["d_optimizer"])
    trainer.rng.bit_generator.state = json.loads(_text(state["rng"]))
    trainer.history = {key: [float(v) for v in np.asarray(state["history"][key]).ravel()]
                       for key in trainer.history}
    trainer.iteration = int(np.asarray(state["iteration"]))


def _text(value):
    """Strings may come back from .npz as 0-d arrays."""
    if isinstance(value, np.ndarray):
        value = value.item()
    return value
