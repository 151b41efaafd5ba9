"""Checkpoints of a Trainer: everything needed to continue a run bit for bit, and the checkpoint
side of one `fit` (FitCheckpoints: when to write, what was written, what a stopped run says).

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

Loading checks the WHOLE checkpoint against the trainer before it changes anything
(`check_trainer_state`), so a checkpoint of another architecture, or one whose values were
tampered with, leaves the caller's models, optimizers and RNG as they were. The error names the
file and the part at fault: "generator: ...", "discriminator: ...", "generator's optimizer: ...".
"""
import contextlib
import copy
import json
import os
import sys

import numpy as np

import minigrad as mg
from minigrad.serialization import check_can_save
from gan import interrupt
from gan.config import ConfigError

FORMAT = "minigrad-gan-checkpoint"
VERSION = 1


class NonFiniteError(FloatingPointError):
    """Training produced NaN or inf; the message names the iteration and the quantity."""


class CheckpointMismatchError(ConfigError):
    """A checkpoint does not fit the trainer it is loaded into (another architecture or optimizer, or
    values that were tampered with); the message names the file and the part: 'generator: ...'."""


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


class FitCheckpoints:
    """The checkpoints of one Trainer.fit: written to `path` (None: none) every `every` iterations
    (None: only at the end and on Ctrl-C), and what a stopped fit or the NaN guard says about them.
    An unwritable folder fails when this is made, not after the whole run."""

    def __init__(self, trainer, path, every):
        if path is not None:
            check_can_save(path)
        self.trainer, self.every = trainer, every
        self.path = None if path is None else os.fspath(path)
        self.written = None   # the iteration of the last checkpoint written to `path` during this fit

    def saved(self, path):
        """Note that the trainer's state was just saved to `path` (by the fit or by a callback)."""
        if self.path is not None and self.path == os.fspath(path):
            self.written = self.trainer.iteration

    def after_iteration(self, iteration):
        """The periodic checkpoint."""
        if self.path is not None and self.every and iteration % self.every == 0:
            self.trainer.save_checkpoint(self.path)

    def at_end(self):
        if self.path is not None:
            self.trainer.save_checkpoint(self.path)

    def note(self):
        """What happened to the checkpoint, for an error message: nothing when there is none."""
        if self.path is None:
            return ""
        if self.written is None:
            return f"; no checkpoint had been written yet to {self.path}" if not os.path.exists(self.path) else \
                f"; the checkpoint {self.path} was left unchanged"
        return f"; the checkpoint {self.path} (iteration {self.written}) was left unchanged"

    @contextlib.contextmanager
    def stop_on_ctrl_c(self, until):
        """The Ctrl-C side of a fit that trains until iteration `until` (gan/interrupt.py): yields
        the interrupt scope, whose `requested` ends the training loop after the current iteration.

        On a normal end the final checkpoint is written. A fit that owns Ctrl-C (no caller, such as
        a lesson's runner, has a scope open) says once what was saved and raises KeyboardInterrupt;
        inside a caller's scope it returns quietly with trainer.interrupted = True and the caller
        reports. A second Ctrl-C (or a KeyboardInterrupt raised by a callback) stops at once."""
        trainer = self.trainer
        trainer.interrupted, owner = False, True
        try:
            with interrupt.stop_on_ctrl_c() as ctrl_c:
                owner = ctrl_c.outermost
                yield ctrl_c
                self.at_end()
                trainer.interrupted = ctrl_c.requested and trainer.iteration < until
                if trainer.interrupted and owner:
                    self.report_stop(trainer.in_step)
                    raise KeyboardInterrupt
        except KeyboardInterrupt:
            if not trainer.interrupted:
                trainer.interrupted = True
                if owner:
                    self.report_stop(trainer.in_step, save=not trainer.in_step)
            raise

    def report_stop(self, in_step, save=False):
        """The one message of a stopped fit; with save=True the checkpoint is written first (never
        inside a half-done iteration, `in_step`, whose state is not consistent)."""
        iteration, path = self.trainer.iteration, self.path
        if path is None:
            print(f"\ninterrupted after iteration {iteration} (no checkpoint_path, nothing saved)", file=sys.stderr)
        elif in_step:
            print(f"\ninterrupted inside iteration {iteration + 1}; the last periodic checkpoint "
                  f"in {path} is kept", file=sys.stderr)
        else:
            if save:
                self.trainer.save_checkpoint(path)
            print(f"\ninterrupted after iteration {iteration}; checkpoint saved to {path}\n"
                  f"continue with Trainer.resume({path!r}, generator, discriminator, data).fit(...)",
                  file=sys.stderr)


def read_checkpoint(path):
    """Load a checkpoint file as a dict, checking that it is one."""
    state = mg.load(path)
    if not isinstance(state, dict) or _text(state.get("format")) != FORMAT:
        raise ValueError(f"read_checkpoint: {path} is not a {FORMAT} file")
    return state


def config_of(state):
    from gan.config import TrainConfig
    return TrainConfig.from_json(_text(state["config"]))


def check_trainer_state(trainer, state, path, caller="load_checkpoint"):
    """Raise CheckpointMismatchError unless every part of `state` can be loaded into `trainer`.
    Changes nothing: the optimizers are tried on copies, the RNG state on a fresh generator."""
    def fail(part, problem):
        raise CheckpointMismatchError(f"{caller}: {path}: {part}: {problem}; nothing was loaded")

    if _text(state.get("version")) != VERSION:
        fail("version", f"checkpoint version {_text(state.get('version'))!r}, this code reads {VERSION}")
    for part, module in (("generator", trainer.generator), ("discriminator", trainer.discriminator)):
        problem = _module_state_problem(module, state.get(part))
        if problem:
            fail(part, problem)
    for part, key, optimizer in (("generator's optimizer", "g_optimizer", trainer.g_optimizer),
                                 ("discriminator's optimizer", "d_optimizer", trainer.d_optimizer)):
        scratch = copy.copy(optimizer)  # its own group dicts: load_state_dict updates them
        scratch.param_groups = [dict(group) for group in optimizer.param_groups]
        try:
            scratch.load_state_dict(state.get(key))
        except (ValueError, TypeError, KeyError) as error:
            fail(part, error)
    try:
        type(trainer.rng.bit_generator)().state = json.loads(_text(state.get("rng")))
    except (ValueError, TypeError, KeyError) as error:
        fail("rng", f"not a state of {type(trainer.rng.bit_generator).__name__} ({error})")
    iteration = _text(state.get("iteration"))
    if isinstance(iteration, (bool, np.bool_)) or not isinstance(iteration, (int, np.integer)) or iteration < 0:
        fail("iteration", f"must be an int >= 0, got {iteration!r}")
    history = state.get("history")
    for key in trainer.history:
        values = history.get(key) if isinstance(history, dict) else None
        if not (isinstance(values, np.ndarray) and values.dtype.kind == "f" and values.shape == (iteration,)):
            if isinstance(values, np.ndarray):
                found = f"shape {values.shape}, dtype {values.dtype}"
            else:
                found = "nothing" if values is None else type(values).__name__
            fail("history", f"'{key}' must be {iteration} floats (one per iteration), got {found}")


def _module_state_problem(module, saved):
    """What keeps `saved` from loading into `module` (keys, shapes, float values), or None."""
    if not isinstance(saved, dict):
        return f"expected a dict of parameter arrays, got {type(saved).__name__}"
    ours = module.state_dict()
    missing, unexpected = [k for k in ours if k not in saved], [k for k in saved if k not in ours]
    if missing or unexpected:
        parts = ([f"missing keys {missing}"] if missing else []) + ([f"unexpected keys {unexpected}"] if unexpected else [])
        return f"{' and '.join(parts)} (the model has {list(ours)}): another architecture?"
    for name, array in ours.items():
        value = saved[name]
        # floats where the model has floats; integers where it has integer counters (num_batches_tracked)
        kinds = "f" if array.dtype.kind == "f" else "iu"
        if not isinstance(value, np.ndarray) or value.dtype.kind not in kinds:
            what = f"dtype {value.dtype}" if isinstance(value, np.ndarray) else type(value).__name__
            need = "floating-point arrays" if kinds == "f" else f"integer arrays like the model's {array.dtype}"
            return f"'{name}' holds {what} values; it must hold {need}"
        if value.shape != array.shape:
            return f"'{name}' has shape {value.shape} in the checkpoint but {array.shape} in the model"
    return None


def restore_trainer_state(trainer, state):
    """Put a checkpoint's state into `trainer` (models, optimizers, RNG, history, iteration).
    Call check_trainer_state first: this assumes every part fits."""
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
