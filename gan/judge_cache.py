"""The trained judge's cache: train the digit classifier once, load it in every later run.

    classifier = load_or_train(folder, key, build, train, rng)

The file is `folder/judge-<first 16 hex digits of key>.npz`, written by `minigrad.save` (atomic:
a temporary file, then a rename) and read with `minigrad.load` (allow_pickle=False: opening it can
never run code). It holds

    format, key       "minigrad-gan-judge" and the whole key (so a file renamed or from another
                      recipe is never taken for this one)
    classifier        the classifier's state_dict
    rng_after         the state of the training rng when training ended

`key` names everything the trained weights depend on (gan.judge.cache_key: the training images and
labels, the rng's state before training, the epochs, the classifier and the training recipe), so a
change to any of them gives another file: a cached judge is never stale, only absent. A hit
restores the rng to `rng_after`, so a caller that draws from the rng afterwards draws exactly what
it would have drawn after training: a run reads the same numbers whether its judge was trained or
loaded. A file that cannot be read (truncated, corrupt, foreign, of another shape) is trained
again with a one-line message, and overwritten.

Processes that start together (the tests run every lesson at once) take turns on one lock file
per key: the first trains and saves, the others wait and then load. (POSIX file locks; where there
are none, each process trains on its own and the last rename wins, which is still correct.)
"""
import contextlib
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None

import minigrad as mg

FORMAT = "minigrad-gan-judge"


def cache_path(folder, key):
    return Path(folder) / f"judge-{key[:16]}.npz"


def load_or_train(folder, key, build, train, rng):
    """The classifier stored under `key` in `folder`, or `train()`'s (then saved there).

    build() -> an untrained classifier of the right architecture (its weights are overwritten);
    train() -> a trained classifier (it draws from `rng`). Prints "judge: loaded from <path>" on a
    hit, one line naming the file and the reason when a file is there but cannot be used."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = cache_path(folder, key)
    with _locked(path.with_suffix(".lock")):
        if path.exists():
            try:
                classifier = _load(path, key, build, rng)
                print(f"judge: loaded from {path}")
                return classifier
            except (ValueError, KeyError, TypeError, OSError) as error:  # CheckpointError, StateDictError
                print(f"judge: {path} is unreadable ({_first_line(error)}); training the judge again")
        classifier = train()
        mg.save({"format": FORMAT, "key": key, "classifier": classifier.state_dict(),
                 "rng_after": rng.bit_generator.state}, path)
        return classifier


def _load(path, key, build, rng):
    """Read and check everything before the rng is touched (a bad file leaves it as it was)."""
    stored = mg.load(path)
    if not isinstance(stored, dict) or stored.get("format") != FORMAT or stored.get("key") != key:
        raise ValueError("not a judge cache file of this key")
    classifier = build()
    classifier.load_state_dict(stored["classifier"])
    probe = type(rng.bit_generator)()
    probe.state = stored["rng_after"]          # raises on a state of another kind
    rng.bit_generator.state = probe.state
    return classifier


@contextlib.contextmanager
def _locked(lock_path):
    if fcntl is None:
        yield
        return
    with open(lock_path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _first_line(error):
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}"[:200]
