"""Mutation run: plant each wrong formula of benchmarks/mutants.py, one at a time, and see whether
the test suite notices. Run by hand (it takes tens of minutes), never in CI:

    python benchmarks/mutation.py                      # every mutant, torch-free (as a student's install)
    python benchmarks/mutation.py --section formulas   # only gan/, optim.py, gradcheck.py
    python benchmarks/mutation.py --only "AMSGrad: min instead of max"
    python benchmarks/mutation.py --check              # only check that every snippet applies
    python benchmarks/mutation.py --with-torch         # let the PyTorch comparisons count too

How: the tracked and untracked-but-not-ignored files of this repository are copied into a
temporary folder (the working tree is never touched). Every snippet must occur exactly once in
its file and the mutated file must still compile, or the run refuses to start. The selected
tests first run on the clean copy (they must pass); then, for each mutant, the file is rewritten,
`python -m pytest -x <its tests>` runs in the copy, and the file is restored. A failing test
means "caught", passing tests mean "survived". The score is caught / all.
By default pytest runs with `--no-torch` (tests/conftest.py): the goal is that the torch-free
suite alone catches every mutant.
"""
import argparse
import json
import os
import py_compile
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))

from mutants import ESCAPED, SECTIONS  # noqa: E402


def repository_files(root):
    """Tracked files and untracked files that .gitignore does not exclude, relative to root."""
    listing = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                             cwd=root, check=True, capture_output=True).stdout.decode()
    return [name for name in listing.split("\0") if name and (root / name).is_file()]


def copy_repository(root, target):
    for name in repository_files(root):
        destination = target / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / name, destination)


def check_mutants(mutants, root):
    """Problems that make a mutant unusable: snippet not found exactly once, or invalid result."""
    problems = []
    names = [m.name for m in mutants]
    for name in sorted({n for n in names if names.count(n) > 1}):
        problems.append(f"{name}: the name is used twice")
    for m in mutants:
        path = root / m.file
        if not path.exists():
            problems.append(f"{m.name}: {m.file} does not exist")
            continue
        text = path.read_text()
        count = text.count(m.original)
        if count != 1:
            problems.append(f"{m.name}: the snippet occurs {count} times in {m.file} (must be exactly once)")
            continue
        with tempfile.TemporaryDirectory() as scratch:
            mutated = Path(scratch) / Path(m.file).name
            mutated.write_text(text.replace(m.original, m.replacement))
            try:
                py_compile.compile(str(mutated), doraise=True)
            except py_compile.PyCompileError as error:
                problems.append(f"{m.name}: the mutated {m.file} does not compile: {error.msg.strip()}")
    return problems


def run_pytest(copy, tests, with_torch, timeout):
    """(exit code or 'timeout', seconds, last lines of output) of pytest -x on `tests` in `copy`."""
    command = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "-rf"]
    command += ([] if with_torch else ["--no-torch"]) + list(tests)
    env = dict(os.environ, PYTHONPATH=str(copy), PYTHONDONTWRITEBYTECODE="1")
    started = time.perf_counter()
    try:
        result = subprocess.run(command, cwd=copy, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return "timeout", time.perf_counter() - started, ""
    return result.returncode, time.perf_counter() - started, result.stdout + result.stderr


def first_failure(output):
    for line in output.splitlines():
        if line.startswith(("FAILED ", "ERROR ")):
            return line.split(" - ")[0].split(" ", 1)[1]
    return ""


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--section", choices=[*SECTIONS, "all"], default="all")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="run only the mutants with these names")
    parser.add_argument("--check", action="store_true", help="check that every snippet applies, run nothing")
    parser.add_argument("--with-torch", action="store_true", help="do not hide PyTorch from the tests")
    parser.add_argument("--timeout", type=float, default=900, help="seconds per pytest run (a hang counts as caught)")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    args = parser.parse_args(argv)

    sections = list(SECTIONS) if args.section == "all" else [args.section]
    mutants = [(section, m) for section in sections for m in SECTIONS[section]]
    if args.only:
        unknown = set(args.only) - {m.name for _, m in mutants}
        if unknown:
            parser.error(f"no mutant named {sorted(unknown)}")
        mutants = [(s, m) for s, m in mutants if m.name in args.only]
    problems = check_mutants([m for _, m in mutants], REPO)
    if problems:
        print("refusing to run; fix these mutants first:\n  " + "\n  ".join(problems), file=sys.stderr)
        return 2
    if args.check:
        print(f"all {len(mutants)} mutants apply cleanly")
        return 0

    results = []
    with tempfile.TemporaryDirectory(prefix="minigrad-mutation-") as scratch:
        copy = Path(scratch) / "repo"
        copy_repository(REPO, copy)
        deselected = sorted({t for _, m in mutants for i, t in enumerate(m.tests)
                             if i and m.tests[i - 1] == "--deselect"})
        baseline_tests = sorted({t for _, m in mutants for t in m.tests if t.startswith("tests/")} - set(deselected))
        baseline = baseline_tests + [arg for t in deselected for arg in ("--deselect", t)]
        print(f"copy of the repository: {copy}\nbaseline: {' '.join(baseline_tests)}", flush=True)
        code, seconds, output = run_pytest(copy, baseline, args.with_torch, args.timeout * 4)
        if code != 0:
            print(f"the clean copy fails its tests (exit {code}); fix that first:\n{output[-3000:]}", file=sys.stderr)
            return 2
        print(f"baseline passes ({seconds:.0f} s)\n", flush=True)

        for number, (section, m) in enumerate(mutants, start=1):
            path = copy / m.file
            clean = path.read_text()
            path.write_text(clean.replace(m.original, m.replacement))
            try:
                code, seconds, output = run_pytest(copy, m.tests, args.with_torch, args.timeout)
            finally:
                path.write_text(clean)
            if code == "timeout":
                verdict, detail = "caught", "timeout"
            elif code == 1:
                verdict, detail = "caught", first_failure(output)
            elif code == 0:
                verdict, detail = "SURVIVED", ""
            else:
                verdict, detail = "error", f"pytest exit {code}: " + output.strip().splitlines()[-1] if output else ""
            results.append({"section": section, "name": m.name, "file": m.file, "result": verdict,
                             "seconds": round(seconds, 1), "caught_by": detail})
            print(f"[{number:3d}/{len(mutants)}] {verdict:8s} {seconds:6.1f} s  {m.name}  ({m.file})"
                  + (f"\n{'':24}{detail}" if detail else ""), flush=True)

    caught = [r for r in results if r["result"] == "caught"]
    survived = [r for r in results if r["result"] == "SURVIVED"]
    errors = [r for r in results if r["result"] == "error"]
    print(f"\n{'section':10s} {'mutants':>8s} {'caught':>7s} {'survived':>9s}")
    for section in sections:
        rows = [r for r in results if r["section"] == section]
        print(f"{section:10s} {len(rows):8d} {sum(r['result'] == 'caught' for r in rows):7d} "
              f"{sum(r['result'] == 'SURVIVED' for r in rows):9d}")
    escaped = [r for r in results if r["name"] in ESCAPED]
    print(f"the {len(escaped)} mutations issue 18 found escaping: {sum(r['result'] == 'caught' for r in escaped)} caught")
    print(f"score: {len(caught)} / {len(results)} caught" + (f", {len(errors)} errors" if errors else ""))
    for r in survived:
        print(f"  survived: {r['name']} ({r['file']})")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 1 if survived or errors else 0


if __name__ == "__main__":
    sys.exit(main())
