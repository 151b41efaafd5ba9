"""Every Python block of README.md runs, in order, in one namespace (as a reader pastes them into one
session), and what its comments claim is checked:

* a `print(...)` line whose comment ends in `->  VALUE` must print VALUE (numbers to the digits
  written, the rest of the text exactly);
* each block also has a checker below that verifies, independently of minigrad, that the claimed
  values are right (a closed form or central finite differences). A block without a checker fails
  the test, so a block added to the README later stays red until it is covered here.

The blocks run in a temporary folder (the files they write, such as checkpoints, land there).
"""
import atexit
import contextlib
import io
import os
import re
import shutil
import tempfile
import warnings
from functools import lru_cache
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")


# ----------------------------------------------------------------------------- reading the README

def python_blocks(text):
    """[(key, code)]: every ```python block, keyed by the heading above it ('heading #2' for the
    second block under one heading)."""
    blocks, heading, counts, code = [], "", {}, None
    for line in text.splitlines():
        if code is not None:
            if line.startswith("```"):
                counts[heading] = counts.get(heading, 0) + 1
                key = heading if counts[heading] == 1 else f"{heading} #{counts[heading]}"
                blocks.append((key, "\n".join(code) + "\n"))
                code = None
            else:
                code.append(line)
        elif line.startswith("```python"):
            code = []
        elif line.startswith("#"):
            heading = line.lstrip("#").strip()
    return blocks


def claims(code):
    """The `->  VALUE` claims of the print lines of a block, in order (None for a print without one)."""
    found = []
    for line in code.splitlines():
        if re.match(r"\s*print\(", line):
            comment = line.split("#", 1)[1] if "#" in line else ""
            found.append(comment.rsplit("->", 1)[1].strip() if "->" in comment else None)
    return found


def decimals(number_text):
    mantissa = number_text.lower().split("e")[0]
    return len(mantissa.split(".")[1]) if "." in mantissa else 0


def assert_prints(claimed, printed):
    """`printed` says what `claimed` says: the same text around the numbers, numbers equal to the
    precision both are written with."""
    assert NUMBER.sub("#", claimed).replace(" ", "") == NUMBER.sub("#", printed).replace(" ", ""), \
        f"the README claims {claimed!r}, the code prints {printed!r}"
    for c, p in zip(NUMBER.findall(claimed), NUMBER.findall(printed)):
        tolerance = 0.5 * 10.0 ** -decimals(c) + 0.5 * 10.0 ** -decimals(p)
        assert abs(float(c) - float(p)) <= tolerance * (1 + 1e-9), f"claimed {c}, printed {p} ({printed!r})"


class Run:
    """One block's run: the values its print() calls printed (one string per call), everything
    written to stdout, the warnings raised, and the namespace after it."""

    def __init__(self, prints, stdout, caught, namespace, folder):
        self.prints, self.stdout, self.warnings, self.namespace = prints, stdout, caught, namespace
        self.folder = folder   # the folder the block ran in (the files it wrote)


@contextlib.contextmanager
def working_directory(folder):
    previous = os.getcwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(previous)


@lru_cache(maxsize=None)
def run_readme():
    """Run every block in order in one namespace, in one temporary folder; {key: Run}."""
    import gan  # noqa: F401  (the packages are found from here, before the blocks change folder)
    import minigrad  # noqa: F401
    namespace, runs = {"__name__": "readme"}, {}
    folder = Path(tempfile.mkdtemp(prefix="readme-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    for key, code in python_blocks(README.read_text(encoding="utf-8")):
        prints, stdout = [], io.StringIO()

        def recording_print(*values, sep=" ", end="\n", file=None, flush=False, _prints=prints):
            _prints.append(sep.join(str(v) for v in values))
            print(*values, sep=sep, end=end, file=file, flush=flush)

        namespace["print"] = recording_print
        with contextlib.redirect_stdout(stdout), warnings.catch_warnings(record=True) as caught, \
                working_directory(folder):
            warnings.simplefilter("always")
            exec(compile(code, f"README.md block '{key}'", "exec"), namespace)
        runs[key] = Run(prints, stdout.getvalue(), list(caught), dict(namespace), folder)
    return runs


# ----------------------------------------------------------------------------- the checkers, one per block

def sigmoid(t):
    return 1.0 / (1.0 + np.exp(-t))


def check_backprop(run):
    """dL/dw of L = softplus(-x.w) is -(1 - sigmoid(x.w)) x (closed form)."""
    x, w = np.array([0.5, -1.0]), np.array([2.0, 1.0])
    expected = -(1.0 - sigmoid(x @ w)) * x
    printed = [float(v) for v in NUMBER.findall(run.prints[0])]
    np.testing.assert_allclose(printed, expected, atol=1e-4)


def check_gradient_of_gradient(run):
    """d penalty / d w by central differences of penalty(w) = (||d/dx tanh(x.w)|| - 1)^2, in float64:
    catches a printed value that still holds the first block's gradient."""
    x = np.array([0.5, -1.0])

    def penalty(w):
        grad_x = (1.0 - np.tanh(x @ w) ** 2) * w
        return (np.linalg.norm(grad_x) - 1.0) ** 2

    w, h = np.array([2.0, 1.0]), 1e-6
    expected = [(penalty(w + h * e) - penalty(w - h * e)) / (2 * h) for e in np.eye(2)]
    printed = [float(v) for v in NUMBER.findall(run.prints[0])]
    np.testing.assert_allclose(printed, expected, atol=1e-4)
    np.testing.assert_allclose(run.namespace["w"].grad.data.ravel(), expected, rtol=1e-6)  # w.grad itself


def check_fake_gradient(run):
    """fake.grad is dL/dG(z): checked entry by entry against central differences of the loss in float64
    (D copied to float64), and the report and mg.grad agree with it; print_report printed its table."""
    import minigrad as mg
    from gan import losses, models
    ns = run.namespace
    fake, D = ns["fake"].data.astype(np.float64), ns["D"]
    D64 = models.mlp_discriminator(15, hidden=(128,)).double()
    D64.load_state_dict(D.state_dict())

    def loss(x):
        with mg.no_grad():
            return float(losses.nonsaturating_generator_loss(D64(mg.tensor(x, dtype=np.float64))).item())

    rng, h = np.random.default_rng(1), 1e-4
    for i, j in zip(rng.integers(0, 64, 6), rng.integers(0, 15, 6)):
        step = np.zeros_like(fake)
        step[i, j] = h
        numeric = (loss(fake + step) - loss(fake - step)) / (2 * h)
        assert ns["fake"].grad.data[i, j] == pytest.approx(numeric, rel=1e-3, abs=1e-7), (i, j)
    np.testing.assert_allclose(ns["report"].fake_grad, ns["fake"].grad.data, rtol=1e-5, atol=1e-9)
    assert "dL_G/dG(z), shape (64, 15)" in run.stdout
    for name in ("D(x) mean", "D(G(z)) mean", "g_loss", "0.weight", "2.bias"):
        assert name in run.stdout


def check_non_leaf_grad(run):
    """Without retain_grad() a non-leaf keeps no gradient (and reading it warns)."""
    with pytest.warns(UserWarning, match=r"retain_grad\(\)"):
        assert run.namespace["fake3"].grad is None
    assert not run.namespace["fake3"].is_leaf


def check_saving(run):
    """The file itself, read with NumPy alone (allow_pickle=False: no object can hide in it), holds
    the network under PyTorch's keys; that network, evaluated in NumPy, is what net2 computes; and
    Adam's state went along."""
    ns = run.namespace
    with np.load(run.folder / "net.npz", allow_pickle=False) as archive:
        stored = {name: archive[name] for name in archive.files}
    weights = {key: stored[f"model/{key}"] for key in ("0.weight", "0.bias", "2.weight", "2.bias")}
    for key, array in weights.items():
        np.testing.assert_array_equal(array, ns["net"].state_dict()[key])
    x = ns["x"].numpy()
    hidden = np.tanh(x @ weights["0.weight"].T + weights["0.bias"])
    np.testing.assert_array_equal(ns["net2"](ns["x"]).numpy(), hidden @ weights["2.weight"].T + weights["2.bias"])
    assert weights["0.weight"].shape == (16, 2) and weights["2.weight"].shape == (1, 16)   # (out, in)
    assert ns["x"].dtype == np.float32 and ns["y"].dtype == np.float32
    np.testing.assert_array_equal(ns["y"].numpy()[:, 0], (x[:, 0] * x[:, 1] > 0).astype(np.float32))
    assert sum(name.startswith("optimizer/") for name in stored) >= 4   # step counts and moments
    assert ns["opt2"].state_dict().keys() == ns["opt"].state_dict().keys()


def check_resuming(run):
    """An uninterrupted run of 60 iterations, built here from the same seeds, ends where the resumed
    one does: every parameter of G and D is the same, to the bit."""
    import minigrad as mg
    from gan import data, models
    from gan.train import TrainConfig, Trainer
    mg.manual_seed(1)
    G, D = models.mlp_generator(5, 15, hidden=(32,)), models.mlp_discriminator(15, hidden=(32,))
    reference = Trainer(G, D, data.curves, TrainConfig(loss="nonsaturating", seed=0))
    reference.fit(60, progress=False)
    resumed = run.namespace["resumed"]
    assert resumed.iteration == reference.iteration == 60
    for mine, theirs in ((resumed.generator, G), (resumed.discriminator, D)):
        ours, expected = mine.state_dict(), theirs.state_dict()
        assert ours.keys() == expected.keys()
        for key in ours:
            np.testing.assert_array_equal(ours[key], expected[key], err_msg=key)
    with np.load(run.folder / "gan.npz", allow_pickle=False) as archive:   # no pickled objects in it
        assert archive.files


CHECKERS = {
    "Backprop with the engine": check_backprop,
    "Backprop with the engine #2": check_gradient_of_gradient,
    "The gradient D hands back to G: dL/dG(z)": check_fake_gradient,
    "The gradient D hands back to G: dL/dG(z) #2": check_non_leaf_grad,
    "Saving and resuming": check_saving,
    "Saving and resuming #2": check_resuming,
}


# ----------------------------------------------------------------------------- the tests

BLOCK_KEYS = [key for key, _ in python_blocks(README.read_text(encoding="utf-8"))]


@pytest.mark.parametrize("key", BLOCK_KEYS)
def test_readme_block_prints_what_its_comments_claim(key):
    code = dict(python_blocks(README.read_text(encoding="utf-8")))[key]
    run = run_readme()[key]
    claimed = claims(code)
    assert len(run.prints) == len(claimed), f"{len(claimed)} print lines but {len(run.prints)} print calls"
    for claim, printed in zip(claimed, run.prints):
        if claim is not None:
            assert_prints(claim, printed)


@pytest.mark.parametrize("key", BLOCK_KEYS)
def test_readme_block_claims_are_true(key):
    assert key in CHECKERS, (f"README block under '{key}' has no checker in tests/test_readme.py: "
                             "add one that verifies its claims independently")
    CHECKERS[key](run_readme()[key])


def test_every_checker_has_its_block():
    assert set(CHECKERS) <= set(BLOCK_KEYS), f"checkers without a README block: {set(CHECKERS) - set(BLOCK_KEYS)}"


def test_reading_grad_of_a_non_leaf_warns_as_the_readme_says():
    run = run_readme()["The gradient D hands back to G: dL/dG(z) #2"]
    messages = [str(w.message) for w in run.warnings if issubclass(w.category, UserWarning)]
    assert any("retain_grad()" in m for m in messages), messages


def test_the_claim_checker_catches_wrong_values():
    assert_prints("tensor([[-0.25, 0.5]])", "tensor([[-0.25,  0.5 ]])")
    with pytest.raises(AssertionError):
        assert_prints("tensor([[2.2111, 1.1056]])", "tensor([[1.9611, 1.6056]])")  # the old accumulated grad
    with pytest.raises(AssertionError):
        assert_prints("(64, 15)", "(64, 15, 1)")
    assert claims("print(a)   # words  ->  True\nprint(b)\nx = 1  # ->  2\n") == ["True", None]


# ----------------------------------------------------------------------------- the optional extras

def section(text, title):
    """The text of the '## title' section of a Markdown document."""
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", text, re.S | re.M)
    assert match, f"README.md has no '## {title}' section"
    return match.group(1)


def test_optional_extras_name_every_optional_package_and_program():
    """Each package a test skips without (pytest.importorskip) and each program the code looks for
    (shutil.which) is in the README's optional extras, with what it adds."""
    extras = section(README.read_text(encoding="utf-8"), "Optional extras")
    packages = {m for path in (REPO / "tests").glob("*.py")
                for m in re.findall(r"importorskip\(\"(\w+)\"\)", path.read_text(encoding="utf-8"))}
    programs = {m for folder in ("minigrad", "gan", "demos") for path in (REPO / folder).rglob("*.py")
                for m in re.findall(r"shutil\.which\(\"(\w+)\"\)", path.read_text(encoding="utf-8"))}
    assert "torch" in packages and "dot" in programs  # what the README section below is about
    for name in sorted(packages | programs):
        assert re.search(rf"(?<![\w.]){name}(?![\w.])", extras), f"the optional extras do not mention {name}"
    assert "skipped" in extras and "graph.png" in extras
