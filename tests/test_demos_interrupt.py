"""Ctrl-C keeps the work, in every lesson: a `--quick` run that receives SIGINT part-way through its
training writes metrics.json (marked "interrupted": true, with the step reached) and its figures,
prints one line saying so and no traceback, and exits with status 130.

All lessons run at once, each in its own process (the machine's cores share the work); each gets
its SIGINT when it prints its first progress line (the Trainer's bar, or a lesson loop's)."""
import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from demos import DEMOS

REPO = Path(__file__).resolve().parents[1]
TIMEOUT = 240


def interrupted_run(name, out, results):
    env = dict(os.environ, PYTHONUNBUFFERED="1", MPLBACKEND="Agg")
    process = subprocess.Popen([sys.executable, "-m", "demos", name, "--quick", "--out", str(out)], cwd=REPO,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    seen, sent = [], False
    for line in process.stderr:         # the progress lines go to stderr
        seen.append(line)
        if not sent and line.startswith("iter "):
            process.send_signal(signal.SIGINT)
            sent = True
    try:
        stdout, _ = process.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        stdout, _ = process.communicate()
    results[name] = dict(code=process.returncode, stdout=stdout, stderr="".join(seen), sent=sent)


@pytest.fixture(scope="module")
def runs(request, tmp_path_factory, judge_cache):
    """Only the lessons whose test is selected (-k) run."""
    selected = [name for name in DEMOS if any(item.nodeid.endswith(f"test_ctrl_c_keeps_the_work[{name}]")
                                              for item in request.session.items)]
    results, threads = {}, []
    for name in selected:
        out = tmp_path_factory.mktemp(name)
        thread = threading.Thread(target=interrupted_run, args=(name, out, results))
        thread.start()
        threads.append((name, out, thread))
    for name, out, thread in threads:
        thread.join()
        results[name]["out"] = out
    return results


@pytest.mark.parametrize("name", DEMOS)
def test_ctrl_c_keeps_the_work(runs, name):
    run = runs[name]
    assert run["sent"], f"{name}: never printed a progress line ('iter ...') to interrupt:\n{run['stderr'][-2000:]}"
    assert "Traceback" not in run["stderr"] + run["stdout"], run["stderr"][-3000:]
    assert run["code"] == 130, (run["code"], run["stderr"][-2000:])
    metrics = json.loads((run["out"] / "metrics.json").read_text())
    assert metrics["interrupted"] is True and metrics["stopped_at"]
    assert list(run["out"].glob("*.png")), f"{name}: no figure written"
    # one message, one count: the line printed names the same step as metrics.json
    said = [line for line in run["stderr"].splitlines() if "interrupted" in line]
    assert len(said) == 1 and metrics["stopped_at"] in said[0], said
