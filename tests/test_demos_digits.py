"""The digits lesson: the --quick run on the packaged digits writes what the lesson promises, returns
the metrics it writes, and learns (the judge grades its digits better than the untrained
generator's); a --data folder without MNIST files gives a message naming --data."""
import gzip

import numpy as np
import pytest

from conftest import assert_figure_shows_data, assert_look_at_files_written, assert_metrics_json_matches
from demos import digits
from gan import digits as packaged
from gan import interrupt, judge

PROMISED_KEYS = {"classifier_accuracy", "classes_covered", "class_counts", "class_kl", "classifier_score",
                 "frechet_distance", "classes_covered_real", "classifier_score_real", "frechet_distance_real",
                 "classes_covered_untrained", "classifier_score_untrained", "frechet_distance_untrained",
                 "frechet_history", "d_real", "d_fake", "iterations", "iterations_planned", "epochs", "n_train",
                 "interrupted", "stopped_at", "seconds"}


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory, judge_cache):
    """The lesson as `python -m demos digits --quick` runs it (main returns run's Result)."""
    out = tmp_path_factory.mktemp("digits")
    return out, digits.main(["--quick", "--out", str(out)])


def test_writes_sample_grids_figures_and_metrics(quick_run):
    out, result = quick_run
    assert_figure_shows_data(out / "final_samples.png", colored=False, min_size=(280, 280))  # 10 x 10 digits
    assert_figure_shows_data(out / "samples_over_training.png", colored=False)
    for name in ("losses.png", "scores.png"):
        assert_figure_shows_data(out / name)
    epochs = sorted((out / "epochs").glob("epoch_*.png"))
    assert len(epochs) == len(result.metrics["frechet_history"]) - 1 >= 1  # one grid per epoch
    samples = np.load(out / "samples.npy")
    assert samples.shape == (1000, 784) and samples.min() >= -1.0 and samples.max() <= 1.0  # tanh output
    np.testing.assert_array_equal(samples, result.samples.astype(np.float32))


def test_metrics_json_has_the_promised_keys(quick_run):
    """run's metrics are what main writes to metrics.json, every key and value."""
    out, result = quick_run
    saved = assert_metrics_json_matches(out, result.metrics)
    assert PROMISED_KEYS <= set(saved)
    assert saved["iterations"] == saved["iterations_planned"] == digits.QUICK_ITERATIONS
    assert saved["interrupted"] is False and saved["stopped_at"] is None
    n_samples = len(np.load(out / "samples.npy"))
    assert sum(saved["class_counts"]) == n_samples  # every saved sample was classified
    min_count = max(1, round(judge.COVERAGE_MIN_SHARE * n_samples))
    assert saved["classes_covered"] == sum(1 for count in saved["class_counts"] if count >= min_count)
    assert saved["frechet_history"][0] == [0, pytest.approx(saved["frechet_distance_untrained"])]
    assert saved["frechet_history"][-1] == [digits.QUICK_ITERATIONS, pytest.approx(saved["frechet_distance"])]
    assert saved["n_train"] == 4000  # the packaged 5,000 digits, 1,000 held out


def test_the_judge_is_a_good_classifier(quick_run):
    m = quick_run[1].metrics
    assert m["classifier_accuracy"] >= 0.97
    assert m["classes_covered_real"] == 10
    assert m["classifier_score_real"] > 5.0


def test_a_few_hundred_iterations_move_the_pixels_towards_the_digits_but_the_judge_sees_no_digits_yet(
        quick_run):
    """The lesson's claim at the --quick scale (QUICK_NOTE): 300 iterations turn the noise into
    blobs the judge does not take for digits. The pixels move: the mean absolute difference between
    the average generated image and the average real training image falls from 0.74 (untrained G,
    seed 0) to 0.50 (0.68 of it); asked: below 0.8 of it. The judge (0.976 held-out accuracy)
    sees no digits yet: Frechet distance 1,861 untrained, 1,501-1,808 over the five epochs, 1,843
    at the end, against 5.1 for held-out real digits; asked: the final figure above 100 x the real
    digits'. (The old 0.89 judge read 1,160 -> 717 here: a weaker classifier's features moved with
    the blobs.) The default run's figures: see the lesson's docstring."""
    out, result = quick_run
    m = result.metrics
    images, labels = packaged.load_digits()
    train_x = packaged.split(images, labels, np.random.default_rng(0))[0]     # the lesson's split, seed 0
    untrained = result.grids[0][1]
    final = np.load(out / "samples.npy")

    def distance(samples):
        return float(np.abs(samples.mean(axis=0) - train_x.mean(axis=0)).mean())

    assert distance(final) < 0.8 * distance(untrained)
    assert m["frechet_distance"] > 100 * m["frechet_distance_real"]


def test_precision_and_recall_put_held_out_digits_on_the_real_manifold_and_blobs_off_it(quick_run):
    """Held-out real digits against as many training digits: precision 0.89 and recall 0.87 (seed 0);
    the quick run's blobs: 0.00 and 0.00 (no blob lies inside the real digits' 3-NN balls)."""
    m = quick_run[1].metrics
    assert m["precision_real"] > 0.8 and m["recall_real"] > 0.8
    assert m["precision"] < 0.5 * m["precision_real"] and m["recall"] < 0.5 * m["recall_real"]


def test_writes_every_file_its_lesson_talks_about(quick_run):
    assert_look_at_files_written("digits", quick_run[0])


def test_a_ctrl_c_while_the_judge_trains_stops_before_the_first_iteration_and_keeps_the_files(tmp_path,
                                                                                            judge_cache):
    """The judge's training runs to its end (a few seconds; here the session's cached judge is
    loaded); the GAN then stops before its first iteration, and the metrics say where the Ctrl-C
    came. The figures still draw (empty histories)."""
    with interrupt.stop_on_ctrl_c():
        interrupt.request_stop()                 # the first Ctrl-C, as the lesson runner receives it
        result = digits.run(iterations=50, judge_cache=judge_cache)
    m = result.metrics
    assert m["interrupted"] is True and m["iterations"] == 0 and m["iterations_planned"] == 50
    assert m["stopped_at"] == "the judge's training (before iteration 1 of 50)"
    assert m["classifier_accuracy"] >= 0.97     # the judge finished its training
    digits.report(result, tmp_path)
    assert_metrics_json_matches(tmp_path, m)
    for name in ("losses.png", "scores.png", "samples_over_training.png"):
        assert_figure_shows_data(tmp_path / name, colored=False)


# ----------------------------------------------------------------------------- the data folder

def run_with_data(folder, out, capsys):
    with pytest.raises(SystemExit) as stop:
        digits.main(["--quick", "--data", str(folder), "--out", str(out)])
    return stop.value.code, capsys.readouterr().err


def test_no_data_gives_a_message_naming_the_option_and_a_nonzero_exit(tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    code, message = run_with_data(empty, tmp_path / "out", capsys)
    assert code == 2
    assert f"--data {empty}" in message and "--data DIR" in message and "train-images-idx3-ubyte" in message
    assert "load_mnist" not in message and "Traceback" not in message  # the command line, not the Python API
    code, message = run_with_data(tmp_path / "missing", tmp_path / "out", capsys)
    assert code == 2 and "does not exist" in message and "--data DIR" in message


def test_a_foreign_file_is_named_in_the_message(tmp_path, capsys):
    folder = tmp_path / "mnist"
    folder.mkdir()
    with gzip.open(folder / "train-images-idx3-ubyte.gz", "wb") as file:
        file.write(b"not an IDX file")
    code, message = run_with_data(folder, tmp_path / "out", capsys)
    assert code == 2 and "train-images-idx3-ubyte.gz" in message and "magic number" in message
    assert "--data DIR" in message and "Traceback" not in message


def test_an_unwritable_out_is_refused_before_the_data_are_read(tmp_path, capsys):
    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    code, message = run_with_data(tmp_path / "missing", blocker / "sub", capsys)
    assert code == 2 and "cannot write to the output folder" in message and "--data" not in message
