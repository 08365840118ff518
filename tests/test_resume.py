"""Exact resume: N steps in one go equal k steps, an interrupt, and a resume.

The runs happen in a subprocess (this file run as a script), because op
determinism, once enabled, stays on for the whole process.
"""

import glob
import json
import os
import signal
import subprocess
import sys

import numpy as np
import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# 2 epochs of 5 batches: 10 steps. Interrupts land mid-epoch 2, so the
# resumed run must reload epoch 2's data and skip the batches it trained. The
# samples come from an average of G's weights, which must resume too.
SETTINGS = dict(dataset="mnist", train=True, epoch=2, train_size=40, batch_size=8,
                gf_dim=4, df_dim=4, z_dim=8, seed=3, sample_freq=3, ckpt_freq=3,
                deterministic=True, ema_decay=0.99)
STEPS = 10


def scenario(base):
    """Trains run A straight through; run B is interrupted by SIGINT after
    step 7 and resumed; run C is interrupted too, its newest checkpoint is
    then truncated, and it resumes from the one before. Prints a JSON report."""
    import keras
    import tensorflow as tf
    from tfdcgan import run

    common = dict(SETTINGS, data_dir=os.path.join(base, "no_data"),
                  out_dir=os.path.join(base, "out"), logs_dir=os.path.join(base, "logs"))

    class InterruptAfter(keras.callbacks.Callback):
        def __init__(self, steps):
            super().__init__()
            self.steps, self.seen = steps, 0

        def on_train_batch_begin(self, batch, logs=None):
            self.seen += 1
            if self.seen == self.steps:  # the signal arrives during this step
                os.kill(os.getpid(), signal.SIGINT)

    report = {}
    run.main(out_name="A", **common)
    for name, keep in (("B", 1), ("C", 2)):
        config = run.resolve(run.RunConfig(out_name=name, **dict(common, max_to_keep=keep)))
        try:
            run.train(config, callbacks=[InterruptAfter(7)])
        except run.Interrupted as error:
            report[f"{name}_interrupted"] = str(error)
            report[f"{name}_exit_code"] = error.exit_code
        latest = tf.train.latest_checkpoint(run.run_paths(config).checkpoint_dir)
        report[f"{name}_stopped_at"] = os.path.basename(latest)
        if name == "C":
            data = glob.glob(latest + ".data-*")[0]
            with open(data, "r+b") as f:
                f.truncate(os.path.getsize(data) // 3)
        gan, _ = run.main(out_name=name, **dict(common, max_to_keep=keep))
        report[f"{name}_images"] = gan.generate(4, seed=0).tolist()
    report["A_images"] = run.load(run.resolve(run.RunConfig(
        out_name="A", **dict(common, train=False)))).generate(4, seed=0).tolist()
    print("REPORT " + json.dumps(report))


def final_checkpoint(base, name):
    import tensorflow as tf

    path = tf.train.latest_checkpoint(os.path.join(base, "out", name, "checkpoint"))
    reader = tf.train.load_checkpoint(path)
    return path, {k: reader.get_tensor(k) for k in reader.get_variable_to_shape_map()
                  if not k.startswith(("save_counter", "_CHECKPOINTABLE"))}


@pytest.fixture(scope="module")
def resumed_runs(tmp_path_factory):
    base = str(tmp_path_factory.mktemp("resume"))
    env = dict(os.environ, PYTHONPATH=REPO, TF_CPP_MIN_LOG_LEVEL="2")
    result = subprocess.run([sys.executable, __file__, base], cwd=base, env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    line = [l for l in result.stdout.splitlines() if l.startswith("REPORT ")][-1]
    return base, json.loads(line[len("REPORT "):]), result.stderr


@pytest.mark.slow
def test_interrupted_runs_stopped_mid_epoch_with_a_checkpoint(resumed_runs):
    _, report, _ = resumed_runs
    for name in "BC":
        assert report[f"{name}_stopped_at"] == "ckpt-7"
        assert "Stopped by SIGINT at step 7" in report[f"{name}_interrupted"]
        assert report[f"{name}_exit_code"] == 128 + signal.SIGINT


@pytest.mark.slow
@pytest.mark.parametrize("name", ["B", "C"])
def test_resumed_runs_end_with_the_same_weights_optimizers_and_noise(resumed_runs, name):
    base, report, _ = resumed_runs
    path_a, a = final_checkpoint(base, "A")
    path_b, b = final_checkpoint(base, name)
    assert os.path.basename(path_a) == os.path.basename(path_b) == f"ckpt-{STEPS}"
    assert sorted(a) == sorted(b)
    assert any("noise_seed" in k for k in a) and any("d_optimizer" in k for k in a)
    assert any("moving_mean" in k for k in a) and any("sample_z" in k for k in a)
    assert any("generator_ema" in k and "moving_mean" in k for k in a)
    different = [k for k in a if not np.array_equal(a[k], b[k])]
    assert different == []
    assert report[f"{name}_images"] == report["A_images"]


@pytest.mark.slow
def test_a_truncated_newest_checkpoint_is_skipped_with_a_warning(resumed_runs):
    _, _, stderr = resumed_runs
    assert "ckpt-7 is unreadable or incomplete" in stderr


@pytest.mark.slow
@pytest.mark.parametrize("name", ["B", "C"])
def test_resumed_runs_write_the_same_samples_and_stats(resumed_runs, name):
    base, _, _ = resumed_runs
    samples = lambda run_name: sorted(os.listdir(os.path.join(base, "out", run_name, "samples")))
    assert samples(name) == samples("A") == [
        "train_00000003.png", "train_00000006.png", "train_00000009.png", "train_00000010.png"]
    for sample in samples("A"):
        with open(os.path.join(base, "out", "A", "samples", sample), "rb") as f:
            expected = f.read()
        with open(os.path.join(base, "out", name, "samples", sample), "rb") as f:
            assert f.read() == expected, sample

    def stats(run_name):
        with open(os.path.join(base, "out", run_name, "stats.jsonl")) as f:
            return [{k: v for k, v in json.loads(l).items() if k != "time"} for l in f]

    steps = [r["step"] for r in stats(name)]
    assert steps == list(range(1, STEPS + 1))
    a, b = stats("A"), stats(name)
    for ra, rb in zip(a, b):
        assert ra.keys() == rb.keys()
        np.testing.assert_allclose([ra[k] for k in ra], [rb[k] for k in ra], rtol=1e-4,
                                   atol=1e-5, err_msg=f"step {ra['step']}")


if __name__ == "__main__":
    scenario(sys.argv[1])
