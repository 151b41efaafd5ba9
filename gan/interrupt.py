"""Ctrl-C as "stop after this iteration": a training loop ends cleanly, and what was done is kept.

    with interrupt.stop_on_ctrl_c():
        while not interrupt.requested() and step < n:
            train_one_step()

Inside the block the first Ctrl-C (SIGINT) only sets a flag, which every loop of the library
checks between iterations (Trainer.fit, the VAE's and the judge's training, the lessons' own
loops); the second Ctrl-C raises KeyboardInterrupt at once, for a user who really wants out.

Blocks nest: an inner block (Trainer.fit's own) shares the flag of the outermost one, and only the
outermost installs the handler and puts the previous one back. So the one who opened the outermost
block decides what a stop means: a lesson's runner (demos/common.py) writes the figures of the
work done and exits with status 130; Trainer.fit called on its own saves its checkpoint and raises
KeyboardInterrupt (the Scope that the block yields tells whether it is the outermost).

Outside the main thread (where Python cannot install a signal handler) a block does nothing and
Ctrl-C keeps its default behaviour.
"""
import contextlib
import signal
import threading

_state = {"depth": 0, "requested": False, "previous": None}


def requested():
    """True once Ctrl-C was pressed inside the current (outermost) block."""
    return _state["requested"]


def request_stop():
    """What the first Ctrl-C does: ask every loop to stop after its current iteration (also
    callable from code, e.g. a window's close button, or a test)."""
    _state["requested"] = True


def _on_sigint(signum, frame):
    if _state["requested"]:
        raise KeyboardInterrupt  # the second Ctrl-C: stop at once
    request_stop()


class Scope:
    """What `stop_on_ctrl_c` yields: `outermost` is True for the block that installed the handler
    (its owner decides what a stop means); `requested` is the shared flag."""

    def __init__(self, outermost):
        self.outermost = outermost

    @property
    def requested(self):
        return _state["requested"]


@contextlib.contextmanager
def stop_on_ctrl_c():
    """Turn Ctrl-C into `requested()` for the duration of the block (see the module docstring).
    Yields a Scope. The outermost block clears the flag when it ends: what a stop meant is for
    its owner to record inside the block (a lesson's metrics, `Trainer.interrupted`)."""
    if threading.current_thread() is not threading.main_thread():
        yield Scope(outermost=False)
        return
    outermost = _state["depth"] == 0
    if outermost:
        _state["requested"] = False
        _state["previous"] = signal.signal(signal.SIGINT, _on_sigint)
    _state["depth"] += 1
    try:
        yield Scope(outermost)
    finally:
        _state["depth"] -= 1
        if outermost:
            signal.signal(signal.SIGINT, _state["previous"])
            _state["previous"] = None
            _state["requested"] = False
