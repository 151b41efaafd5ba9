"""minigrad.save / minigrad.load: exact round trips, resumable training, and refusal of bad files."""
import json
import os
import pickle
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn, optim
from minigrad.serialization import CheckpointError


def everything():
    return {
        "weights": np.arange(6, dtype=np.float32).reshape(2, 3),
        "float64": np.array([0.1, -0.0, np.inf, np.nan]),
        "uint32": np.array([0, 2**32 - 1], dtype=np.uint32),
        "mask": np.array([True, False]),
        "names": np.array(["generator", "d"]),
        "empty": np.zeros((0, 4)),
        "zero_d": np.array(3.5),
        "tensor": mg.tensor([1.0, 2.0]),
        "numpy_scalar": np.float32(0.25),
        "numpy_int": np.int64(-7),
        "big": 2**200 + 1,
        "negative_big": -(2**130),
        "float": 0.1 + 0.2,
        "special": [float("inf"), float("-inf")],
        "flags": (True, False, None),
        "text": "d/loss é",
        "nested": {0: {"step": 3}, 12: [1, (2, "x")], "file": 1},
    }


def test_round_trip_keeps_values_types_and_dtypes(tmp_path):
    path = tmp_path / "all.npz"
    mg.save(everything(), path)
    back = mg.load(path)
    original = everything()
    assert set(back) == set(original)
    for key in ("weights", "float64", "uint32", "mask", "names", "empty", "zero_d"):
        assert back[key].dtype == original[key].dtype, key
        assert back[key].shape == original[key].shape, key
        np.testing.assert_array_equal(back[key], original[key])
    assert isinstance(back["tensor"], np.ndarray) and back["tensor"].tolist() == [1.0, 2.0]
    assert type(back["numpy_scalar"]) is np.float32 and back["numpy_scalar"] == 0.25
    assert type(back["numpy_int"]) is np.int64 and back["numpy_int"] == -7
    assert back["big"] == 2**200 + 1 and back["negative_big"] == -(2**130)
    assert back["float"] == 0.30000000000000004
    assert back["special"] == [float("inf"), float("-inf")]
    assert back["flags"] == (True, False, None) and isinstance(back["flags"], tuple)
    assert back["text"] == "d/loss é"
    assert back["nested"] == {0: {"step": 3}, 12: [1, (2, "x")], "file": 1}
    assert list(back["nested"]) == [0, 12, "file"]


def test_the_file_is_a_plain_npz_with_a_manifest(tmp_path):
    path = tmp_path / "model.npz"
    mg.save({"model": {"0.weight": np.ones((2, 2))}}, path)
    with np.load(path, allow_pickle=False) as archive:
        assert sorted(archive.files) == ["__manifest__", "model/0.weight"]
        manifest = json.loads(str(archive["__manifest__"]))
    assert manifest["format"] == "minigrad-checkpoint"


def test_the_path_is_used_as_given_and_no_temporary_files_remain(tmp_path):
    path = tmp_path / "checkpoint.bin"
    mg.save({"a": 1}, path)
    mg.save({"a": 2}, path)  # overwrite
    assert os.listdir(tmp_path) == ["checkpoint.bin"]
    assert mg.load(path) == {"a": 2}


@pytest.mark.parametrize("bit_generator", [np.random.PCG64, np.random.MT19937, np.random.Philox])
def test_rng_state_round_trips_exactly(tmp_path, bit_generator):
    rng = np.random.Generator(bit_generator(2024))
    rng.standard_normal(11)
    mg.save({"rng": rng.bit_generator.state}, tmp_path / "rng.npz")
    expected = rng.standard_normal(5)
    restored = np.random.Generator(bit_generator())
    restored.bit_generator.state = mg.load(tmp_path / "rng.npz")["rng"]
    assert np.array_equal(restored.standard_normal(5), expected)


@pytest.mark.parametrize("value, message", [
    ({1, 2}, "cannot store a set at 'bad'"),
    (np.array([{"a": 1}], dtype=object), "dtype object"),
    ({1.5: "x"}, "dict keys must be str or int"),
])
def test_unsupported_values_are_refused_when_saving(tmp_path, value, message):
    with pytest.raises(TypeError, match=message):
        mg.save({"bad": value}, tmp_path / "x.npz")
    assert not os.listdir(tmp_path)


# ----------------------------------------------------------------------------- resuming a training run

def make_run(seed):
    net = nn.Sequential(nn.Linear(2, 16, rng=np.random.default_rng(seed)), nn.BatchNorm1d(16), nn.Tanh(),
                        nn.Linear(16, 1, rng=np.random.default_rng(seed + 1)))
    return net, optim.Adam(net.parameters(), lr=0.01, amsgrad=True)


def train(net, opt, rng, steps):
    for _ in range(steps):
        x = rng.standard_normal((32, 2)).astype(np.float32)
        y = np.sin(3 * x[:, :1]) * x[:, 1:]
        loss = mg.functional.mse_loss(net(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_resumed_training_is_bitwise_identical(tmp_path, backend):
    saved_backend = mg.get_backend()
    mg.set_backend(backend)
    try:
        net, opt = make_run(seed=0)
        rng = np.random.default_rng(42)
        train(net, opt, rng, 10)
        mg.save({"model": net.state_dict(), "optimizer": opt.state_dict(),
                 "rng": rng.bit_generator.state, "step": 10}, tmp_path / "run.npz")
        train(net, opt, rng, 10)

        checkpoint = mg.load(tmp_path / "run.npz")
        resumed, resumed_opt = make_run(seed=99)  # a different start: everything must come from the file
        resumed.load_state_dict(checkpoint["model"])
        resumed_opt.load_state_dict(checkpoint["optimizer"])
        resumed_rng = np.random.default_rng()
        resumed_rng.bit_generator.state = checkpoint["rng"]
        assert checkpoint["step"] == 10
        train(resumed, resumed_opt, resumed_rng, 10)
    finally:
        mg.set_backend(saved_backend)

    for (name, a), (_, b) in zip(net.state_dict().items(), resumed.state_dict().items()):
        assert a.dtype == b.dtype == (np.int64 if name.endswith("num_batches_tracked") else np.float32)
        assert np.array_equal(a, b), name
    assert resumed_opt.state[0]["step"] == 20


# ----------------------------------------------------------------------------- bad files

@pytest.fixture
def good_file(tmp_path):
    path = tmp_path / "good.npz"
    mg.save({"model": {"w": np.arange(1000, dtype=np.float64)}, "step": 5}, path)
    return path


def test_truncated_file(good_file):
    data = good_file.read_bytes()
    good_file.write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match="good.npz"):
        mg.load(good_file)


def test_empty_and_random_files(tmp_path):
    for name, content in (("empty.npz", b""), ("noise.npz", os.urandom(300))):
        (tmp_path / name).write_bytes(content)
        with pytest.raises(CheckpointError, match=name):
            mg.load(tmp_path / name)


def test_corrupted_bytes_inside_an_entry(good_file):
    data = bytearray(good_file.read_bytes())
    data[len(data) // 3] ^= 0xFF  # inside the stored array: the zip CRC no longer matches
    good_file.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match="corrupt"):
        mg.load(good_file)


class SetsAFlag:
    """Unpickling this calls os.system-like code; here it only creates a file we can look for."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_pickled_object_array_is_refused_and_never_run(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.npz"
    manifest = json.dumps({"format": "minigrad-checkpoint", "version": 1,
                           "root": {"type": "array", "entry": "payload"}})
    np.savez(path, __manifest__=np.array(manifest),
             payload=np.array([SetsAFlag(str(marker))], dtype=object))
    with pytest.raises(CheckpointError, match="pickled"):
        mg.load(path)
    assert not marker.exists()


def test_plain_pickle_file_is_refused(tmp_path):
    path = tmp_path / "model.pkl"
    path.write_bytes(pickle.dumps({"w": [1, 2, 3]}))
    with pytest.raises(CheckpointError, match="not an .npz archive"):
        mg.load(path)


def test_foreign_npz_is_refused(tmp_path):
    path = tmp_path / "foreign.npz"
    np.savez(path, weights=np.ones(3))
    with pytest.raises(CheckpointError, match="not a minigrad checkpoint"):
        mg.load(path)


@pytest.mark.parametrize("manifest, message", [
    ("not json", "not a minigrad manifest"),
    (json.dumps({"format": "something-else", "root": {}}), "not a minigrad manifest"),
    (json.dumps({"format": "minigrad-checkpoint", "version": 99, "root": {"type": "none"}}), "version 99"),
    (json.dumps({"format": "minigrad-checkpoint", "version": 1,
                 "root": {"type": "array", "entry": "missing"}}), "lacks the entry 'missing'"),
    (json.dumps({"format": "minigrad-checkpoint", "version": 1, "root": {"type": "mystery"}}), "unknown type"),
    (json.dumps({"format": "minigrad-checkpoint", "version": 1, "root": {"type": "none"}}), "does not mention"),
])
def test_bad_manifests(tmp_path, manifest, message):
    path = tmp_path / "bad.npz"
    np.savez(path, __manifest__=np.array(manifest), extra=np.ones(2))
    with pytest.raises(CheckpointError, match=message):
        mg.load(path)


def test_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothing.npz"):
        mg.load(tmp_path / "nothing.npz")


def test_crash_mid_save_leaves_the_old_file_intact(tmp_path, monkeypatch):
    path = tmp_path / "run.npz"
    mg.save({"w": np.ones(100), "step": 1}, path)
    writes = []
    real_write_array = np.lib.format.write_array

    def write_then_crash(*args, **kwargs):
        writes.append(1)
        if len(writes) == 2:  # the first array is written, then the "disk" fails
            raise OSError("simulated crash while writing")
        return real_write_array(*args, **kwargs)

    monkeypatch.setattr(np.lib.format, "write_array", write_then_crash)
    with pytest.raises(OSError, match="simulated crash"):
        mg.save({"w": np.zeros(100), "b": np.zeros(3), "step": 2}, path)
    monkeypatch.undo()
    assert len(writes) == 2  # the failure really happened in the middle of the write
    back = mg.load(path)
    assert back["step"] == 1 and np.array_equal(back["w"], np.ones(100))
    assert os.listdir(tmp_path) == ["run.npz"]  # the temporary file was removed


def test_state_dict_errors_after_loading_a_checkpoint(tmp_path):
    """A checkpoint from another architecture fails on load_state_dict with the key and both shapes."""
    mg.save({"model": nn.MLP([2, 8, 1]).state_dict()}, tmp_path / "small.npz")
    bigger = nn.MLP([2, 16, 1])
    with pytest.raises(ValueError, match=r"'0.weight' has shape \(8, 2\) in the state dict but \(16, 2\)"):
        bigger.load_state_dict(mg.load(tmp_path / "small.npz")["model"])


def test_zip_entries_are_uncompressed_npy(good_file):
    with zipfile.ZipFile(good_file) as archive:
        names = archive.namelist()
    assert all(name.endswith(".npy") for name in names)


# ----------------------------------------------------------------------------- files that claim more than they hold

def test_compressed_entries_are_refused_before_reading(tmp_path):
    """A DEFLATE entry of zeros is tiny on disk but huge in memory; save never compresses, load refuses."""
    path = tmp_path / "zipped.npz"
    manifest = json.dumps({"format": "minigrad-checkpoint", "version": 1, "root": {"type": "array", "entry": "w"}})
    np.savez_compressed(path, __manifest__=np.array(manifest), w=np.zeros(200_000))
    assert path.stat().st_size < 10_000
    with pytest.raises(CheckpointError, match=r"zipped\.npz.*compressed"):
        mg.load(path)


def forge_header(path, entry, shape):
    """Rewrite the .npy header of `entry` in the stored (uncompressed) archive at `path` so that it
    declares `shape`, keeping the header's length (the zip CRC is fixed up by rewriting the archive)."""
    with zipfile.ZipFile(path) as archive:
        members = {info.filename: archive.read(info) for info in archive.infolist()}
    data = members[entry]
    header_len = int.from_bytes(data[8:10], "little")
    header = data[10:10 + header_len].decode("latin1")
    forged = header.replace(header[header.index("'shape'"):header.index(")") + 1], f"'shape': {shape}")
    forged = forged.rstrip().ljust(header_len - 1) + "\n"
    assert len(forged) == header_len
    members[entry] = data[:10] + forged.encode("latin1") + data[10 + header_len:]
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)


@pytest.mark.parametrize("shape", [(10 ** 12,), (2 ** 40, 2 ** 20), (1001,)])
def test_header_declaring_more_data_than_the_file_holds_is_refused(good_file, shape):
    forge_header(good_file, "model/w.npy", shape)
    with pytest.raises(CheckpointError, match=r"good\.npz.*declares an array of shape"):
        mg.load(good_file)


# ----------------------------------------------------------------------------- save errors name the target

def test_save_into_a_missing_folder_names_the_target(tmp_path):
    target = tmp_path / "no" / "such" / "run.npz"
    with pytest.raises(FileNotFoundError) as caught:
        mg.save({"a": 1}, target)
    message = str(caught.value)
    assert str(target) in message and "does not exist" in message
    assert ".tmp" not in message
    with pytest.raises(FileNotFoundError, match="run.npz"):
        mg.serialization.check_can_save(target)


def test_save_errors_name_the_target(tmp_path, monkeypatch):
    target = tmp_path / "run.npz"
    with pytest.raises(TypeError, match=r"cannot store a set.*nothing was written to .*run\.npz"):
        mg.save({"bad": {1}}, target)

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(np.lib.format, "write_array", disk_full)
    with pytest.raises(OSError, match=r"cannot write checkpoint .*run\.npz.*No space left") as caught:
        mg.save({"w": np.ones(3)}, target)
    assert caught.value.errno == 28
    assert os.listdir(tmp_path) == []


def test_check_can_save_refuses_a_folder_and_a_file_as_folder(tmp_path):
    mg.serialization.check_can_save(tmp_path / "fine.npz")
    assert os.listdir(tmp_path) == []  # the probe leaves nothing behind
    (tmp_path / "plain_file").write_text("x")
    with pytest.raises(OSError, match="plain_file"):
        mg.serialization.check_can_save(tmp_path / "plain_file" / "run.npz")
    with pytest.raises(OSError, match="is a folder"):
        mg.serialization.check_can_save(tmp_path)


# ----------------------------------------------------------------------------- temporary files of killed saves

def test_stale_temporaries_of_killed_saves_are_removed_by_the_next_save(tmp_path):
    """What kill -9 during a save leaves (a hidden temporary file per killed save) does not pile up."""
    script = ("import sys, numpy as np, minigrad as mg\n"
              "np.lib.format.write_array = lambda *a, **k: __import__('os')._exit(9)  # dies mid-write\n"
              "mg.save({'w': np.ones(10)}, sys.argv[1])\n")
    target = tmp_path / "run.npz"
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    for _ in range(2):
        result = subprocess.run([sys.executable, "-c", script, str(target)], env=env, timeout=120)
        assert result.returncode == 9
        left = os.listdir(tmp_path)  # each save removed what the killed one before it left
        assert len(left) == 1 and left[0].startswith(".run.npz.") and left[0].endswith(".tmp"), left
    other = tmp_path / ".other.npz.abcdefgh.tmp"   # another target's temporary file: not ours to delete
    other.write_bytes(b"x")
    mg.save({"w": np.zeros(2)}, target)
    assert sorted(os.listdir(tmp_path)) == [other.name, "run.npz"]


@pytest.mark.skipif(not hasattr(os, "fork") or getattr(mg.serialization, "fcntl", None) is None, reason="POSIX file locks")
def test_a_save_in_progress_keeps_its_temporary_file(tmp_path):
    """The temporary file of a save that is still writing (it holds the lock) is not deleted."""
    import fcntl
    live = tmp_path / ".run.npz.live0000.tmp"
    with open(live, "wb") as file:
        fcntl.flock(file, fcntl.LOCK_EX)
        child = os.fork()
        if child == 0:  # another process saves while this one "writes"
            try:
                mg.save({"a": 1}, tmp_path / "run.npz")
            finally:
                os._exit(0)
        os.waitpid(child, 0)
    assert live.exists() and (tmp_path / "run.npz").exists()
