"""Checkpoints: save nested Python containers of arrays and numbers to ONE .npz file, safely.

    minigrad.save({"model": net.state_dict(), "optimizer": opt.state_dict(),
                   "rng": rng.bit_generator.state, "step": 1200}, "run.npz")
    checkpoint = minigrad.load("run.npz")

What can be stored: dicts (keys str or int), lists, tuples, ndarrays of numbers, bools or strings,
minigrad Tensors, NumPy scalars, Python int (of any size), float, bool, str and None.

The file. Every array is one .npy entry of the .npz archive, named by its path in the structure
(e.g. 'model/0.weight'); the entry '__manifest__' is a JSON text (stored as a string array) that
describes the structure and points at those entries. Python ints are written as decimal strings in
the manifest, so 128-bit RNG states come back exactly.

Safety. `load` opens the archive with allow_pickle=False, so a checkpoint can never run code. It
also refuses compressed entries (`save` never compresses; a small compressed entry can expand to
gigabytes) and entries whose header declares more data than the file holds, before reading any
array, so a hostile or damaged file costs no more memory than its own size.
`save` writes to a temporary file `.NAME.XXXXXXXX.tmp` in the same folder, flushes it to disk (fsync)
and only then renames it over `path` (os.replace is atomic), so a crash mid-write leaves the old file
intact. A process killed during a save (kill -9, power loss) cannot remove its temporary file, so
every `save` first deletes the temporary files that earlier saves to the same `path` left behind
(a save still in progress holds a lock on its file and is left alone). Every error of `save` names
`path`; `check_can_save(path)` finds an unwritable folder before a long run starts.

What comes back. Tensors load back as plain ndarrays (pass them to load_state_dict, or wrap them
with minigrad.tensor); NumPy scalars come back as NumPy scalars of the same dtype; everything else
comes back as it went in (tuples as tuples, int keys as int keys).
"""
import json
import math
import os
import re
import tempfile
import zipfile

try:
    import fcntl  # POSIX file locks: tell a live save's temporary file from a stale one
except ImportError:  # Windows: an open file cannot be deleted there, which protects it as well
    fcntl = None

import numpy as np

from .tensor import Tensor

MANIFEST = "__manifest__"
FORMAT = "minigrad-checkpoint"
VERSION = 1


class CheckpointError(ValueError):
    """A file is not a readable minigrad checkpoint (corrupt, truncated, foreign, or holds pickled objects)."""


# ============================================================================ save

def save(obj, path):
    """Write `obj` (nested dicts/lists/tuples of arrays, tensors and plain values) to the .npz file `path`
    atomically. The name is used as given (no '.npz' is appended). Unsupported values raise TypeError."""
    path = os.fspath(path)
    entries = {}
    try:
        root = _encode(obj, "", entries)
    except TypeError as error:
        raise TypeError(f"{error}; nothing was written to {path!r}") from None
    manifest = json.dumps({"format": FORMAT, "version": VERSION, "root": root})
    entries[MANIFEST] = np.array(manifest)
    try:
        _write_atomically(path, entries)
    except OSError as error:
        raise _naming_the_target(error, path) from error


def check_can_save(path):
    """Raise OSError (naming `path`) unless a checkpoint can be written to `path`: its folder exists,
    is a folder, and accepts new files. Call it before a long run rather than fail at its end."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise IsADirectoryError(21, f"save: cannot write checkpoint {path!r}: it is a folder")
    try:
        handle, probe = tempfile.mkstemp(dir=folder, prefix=".minigrad-write-test.", suffix=".probe")
        os.close(handle)
        os.remove(probe)
    except OSError as error:
        raise _naming_the_target(error, path) from error


def _naming_the_target(error, path):
    """The same kind of OSError, with a message that names the checkpoint `path` (the temporary
    file's name means nothing to the caller)."""
    reason = error.strerror or str(error)
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        reason += f" (the folder {folder!r} does not exist)"
    message = f"save: cannot write checkpoint {path!r}: {reason}"
    try:
        return type(error)(error.errno, message) if error.errno is not None else type(error)(message)
    except TypeError:  # an OSError subclass with another constructor
        return OSError(error.errno, message)


def _encode(obj, where, entries):
    """The manifest node describing `obj`; arrays go into `entries` under a name made from `where`."""
    if obj is None:
        return {"type": "none"}
    if isinstance(obj, bool):
        return {"type": "bool", "value": obj}
    if isinstance(obj, int) and not isinstance(obj, bool):
        return {"type": "int", "value": str(obj)}  # as text: exact for ints of any size
    if isinstance(obj, float):
        return {"type": "float", "value": obj}  # JSON keeps the shortest repr: exact round trip
    if isinstance(obj, str):
        return {"type": "str", "value": obj}
    if isinstance(obj, np.generic):
        return {"type": "scalar", "entry": _add_entry(np.asarray(obj), where or "scalar", entries)}
    if isinstance(obj, Tensor):
        return {"type": "array", "entry": _add_entry(obj.data, where or "tensor", entries)}
    if isinstance(obj, np.ndarray):
        return {"type": "array", "entry": _add_entry(obj, where or "array", entries)}
    if isinstance(obj, dict):
        items = []
        for key, value in obj.items():
            if isinstance(key, str):
                key_type = "str"
            elif isinstance(key, (int, np.integer)) and not isinstance(key, (bool, np.bool_)):
                key, key_type = int(key), "int"
            else:
                raise TypeError(f"save: dict keys must be str or int, got {key!r} ({type(key).__name__}) "
                                f"at '{where or '/'}'")
            child = f"{where}/{key}" if where else str(key)
            items.append({"key": key, "key_type": key_type, "value": _encode(value, child, entries)})
        return {"type": "dict", "items": items}
    if isinstance(obj, (list, tuple)):
        kind = "list" if isinstance(obj, list) else "tuple"
        return {"type": kind, "items": [_encode(value, f"{where}/{i}" if where else str(i), entries)
                                        for i, value in enumerate(obj)]}
    raise TypeError(f"save: cannot store a {type(obj).__name__} at '{where or '/'}' "
                    "(only dicts, lists, tuples, arrays, tensors, numbers, strings, bools and None)")


def _add_entry(array, name, entries):
    if array.dtype.kind not in "biufcUS":
        raise TypeError(f"save: the array at '{name}' has dtype {array.dtype}; only numbers, bools and "
                        "strings can be stored (object arrays would need pickle)")
    unique, n = name, 1
    while unique in entries or unique == MANIFEST:  # only possible when a key itself contains '/'
        unique, n = f"{name}#{n}", n + 1
    entries[unique] = array
    return unique


def _write_atomically(path, entries):
    """Write the archive to a temporary file next to `path`, fsync it, then rename it over `path`."""
    folder = os.path.dirname(os.path.abspath(path))
    _remove_stale_temporaries(folder, os.path.basename(path))
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(path)}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            if fcntl is not None:
                fcntl.flock(file, fcntl.LOCK_EX)  # released when the file closes or the process dies
            _write_npz(file, entries)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise
    _fsync_folder(folder)


def _remove_stale_temporaries(folder, name):
    """Delete the temporary files `.NAME.XXXXXXXX.tmp` (tempfile's 8 random characters) that saves to
    the same target left behind when they were killed. A file another save is still writing is
    locked (POSIX) or cannot be deleted (Windows), and is skipped."""
    pattern = re.compile(r"\." + re.escape(name) + r"\.[a-z0-9_]{8}\.tmp")
    try:
        candidates = [n for n in os.listdir(folder) if pattern.fullmatch(n)]
    except OSError:
        return  # the folder cannot be listed; mkstemp will report the real problem
    for candidate in candidates:
        stale = os.path.join(folder, candidate)
        try:
            with open(stale, "rb") as file:
                if fcntl is not None:
                    fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)  # BlockingIOError: a live save
                os.remove(stale)
        except OSError:
            continue


def _write_npz(file, entries):
    """The .npz layout (what np.savez writes): a zip archive with one '<name>.npy' member per array.
    Written here rather than through np.savez so that any entry name works (even 'file')."""
    with zipfile.ZipFile(file, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        for name, array in entries.items():
            with archive.open(name + ".npy", "w", force_zip64=True) as member:
                np.lib.format.write_array(member, np.asanyarray(array), allow_pickle=False)


def _fsync_folder(folder):
    """Make the rename itself durable (POSIX); silently skipped where folders cannot be opened."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


# ============================================================================ load

def load(path):
    """Read a checkpoint written by `save`. Arrays and Tensors come back as ndarrays.
    Raises FileNotFoundError if there is no file, CheckpointError if it is not a valid checkpoint."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"load: no checkpoint file at {path!r}")
    arrays = _read_entries(path)
    if MANIFEST not in arrays:
        raise CheckpointError(f"load: {path!r} is an .npz file but not a minigrad checkpoint "
                              f"(it has no '{MANIFEST}' entry; entries: {sorted(arrays)[:10]})")
    manifest = _parse_manifest(path, arrays.pop(MANIFEST))
    used = set()
    obj = _decode(manifest["root"], arrays, used, path)
    unused = sorted(set(arrays) - used)
    if unused:
        raise CheckpointError(f"load: {path!r} has entries the manifest does not mention: {unused[:10]}")
    return obj


def _read_entries(path):
    """name -> ndarray for every entry, read eagerly with allow_pickle=False."""
    if not zipfile.is_zipfile(path):
        raise CheckpointError(f"load: {path!r} is not an .npz archive (not a zip file: empty, truncated "
                              "or some other format)")
    arrays = {}
    try:
        _check_declared_sizes(path)
        with np.load(path, allow_pickle=False) as archive:
            for name in archive.files:
                try:
                    arrays[name] = archive[name]
                except ValueError as error:
                    if "allow_pickle" in str(error) or "Object arrays" in str(error):
                        raise CheckpointError(f"load: entry '{name}' of {path!r} holds pickled Python objects, "
                                              "which minigrad never loads (they could run code)") from None
                    raise
    except CheckpointError:
        raise
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, KeyError) as error:
        raise CheckpointError(f"load: {path!r} is corrupt or truncated ({type(error).__name__}: {error})") from None
    return arrays


_NPY_HEADER_READERS = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}


def _check_declared_sizes(path):
    """Before any array is read: every entry is stored uncompressed (as `save` writes it), and no entry
    (nor the array its .npy header declares) is larger than the file itself. A compressed entry or a
    forged header would otherwise make `load` allocate far more memory than the file's size."""
    file_size = os.path.getsize(path)
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            name = info.filename
            if info.compress_type != zipfile.ZIP_STORED:
                raise CheckpointError(f"load: entry '{name}' of {path!r} is compressed (zip method "
                                      f"{info.compress_type}); minigrad.save never compresses, so this file "
                                      "was not written by it and is not read")
            if info.file_size > file_size:
                raise CheckpointError(f"load: entry '{name}' of {path!r} declares {info.file_size} bytes, "
                                      f"more than the whole file ({file_size} bytes)")
            if not name.endswith(".npy"):
                continue
            with archive.open(info) as member:
                version = np.lib.format.read_magic(member)
                if version not in _NPY_HEADER_READERS:
                    raise CheckpointError(f"load: entry '{name}' of {path!r} has .npy format version {version}, "
                                          "which minigrad.save never writes")
                shape, _, dtype = _NPY_HEADER_READERS[version](member)
                declared = math.prod(shape) * dtype.itemsize  # Python ints: no overflow
                if declared > info.file_size - member.tell():
                    raise CheckpointError(f"load: entry '{name}' of {path!r} declares an array of shape {shape} "
                                          f"and dtype {dtype} ({declared} bytes), but the file holds only "
                                          f"{info.file_size - member.tell()} bytes of it")


def _parse_manifest(path, stored):
    try:
        manifest = json.loads(str(stored[()]) if stored.dtype.kind == "U" and stored.ndim == 0 else "")
    except json.JSONDecodeError:
        manifest = None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT or "root" not in manifest:
        raise CheckpointError(f"load: {path!r} has a '{MANIFEST}' entry that is not a minigrad manifest")
    if manifest.get("version") != VERSION:
        raise CheckpointError(f"load: {path!r} is checkpoint format version {manifest.get('version')}; "
                              f"this minigrad reads version {VERSION}")
    return manifest


def _decode(node, arrays, used, path):
    if not isinstance(node, dict):
        raise CheckpointError(f"load: {path!r} has a malformed manifest node {str(node)[:80]}")
    try:
        kind = node["type"]
        if kind == "none":
            return None
        if kind in ("bool", "float", "str"):
            return {"bool": bool, "float": float, "str": str}[kind](node["value"])
        if kind == "int":
            return int(node["value"])
        if kind in ("array", "scalar"):
            name = node["entry"]
            if name not in arrays:
                raise CheckpointError(f"load: {path!r} lacks the entry '{name}' its manifest points at")
            used.add(name)
            return arrays[name][()] if kind == "scalar" else arrays[name]
        if kind == "dict":
            return {(int(item["key"]) if item["key_type"] == "int" else str(item["key"])):
                    _decode(item["value"], arrays, used, path) for item in node["items"]}
        if kind in ("list", "tuple"):
            items = [_decode(item, arrays, used, path) for item in node["items"]]
            return items if kind == "list" else tuple(items)
    except (KeyError, TypeError, ValueError) as error:
        if isinstance(error, CheckpointError):
            raise
        raise CheckpointError(f"load: {path!r} has a malformed manifest node {str(node)[:80]} "
                              f"({type(error).__name__}: {error})") from None
    raise CheckpointError(f"load: {path!r} has a manifest node of unknown type {node.get('type')!r}")
