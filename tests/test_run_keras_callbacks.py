"""Keras's own callbacks through `tfdcgan.run.train(config, callbacks=[...])`:
the run is one `fit()`, so callbacks that keep state across epochs work."""

import csv
import glob
import os
import signal

import numpy as np
import pytest
import tensorflow as tf
import keras

from tfdcgan import jsonfiles, run

SETTINGS = dict(dataset="mnist", train=True, epoch=3, train_size=32, batch_size=8,
                gf_dim=4, df_dim=4, z_dim=6, seed=1, g_steps=1, sample_freq=0,
                ckpt_freq=0, y_dim=0)
STEPS_PER_EPOCH = 4


def config(tmp_path, **kwargs):
    return run.resolve(run.RunConfig(**{
        **SETTINGS, "data_dir": str(tmp_path / "no_data"), "out_dir": str(tmp_path / "out"),
        "logs_dir": str(tmp_path / "logs"), **kwargs}))


def never_improving(monitor="d_loss"):
    """Arguments that make an epoch after the first never count as better."""
    return dict(monitor=monitor, mode="max", min_delta=1e9, patience=0)


@pytest.mark.slow
def test_early_stopping_ends_the_run_at_an_epoch_end_that_resumes_later(tmp_path):
    c = config(tmp_path, epoch=5)
    gan = run.train(c, callbacks=[keras.callbacks.EarlyStopping(**never_improving())])
    assert gan.step == 2 * STEPS_PER_EPOCH  # epoch 1 set the best; epoch 2 did not beat it
    run_dir = run.RunDirectory.for_config(c)
    assert run_dir.step == 2 * STEPS_PER_EPOCH
    assert run.train(c).step == 5 * STEPS_PER_EPOCH  # the same command trains on


@pytest.mark.slow
def test_csv_logger_writes_one_file_with_every_epoch(tmp_path):
    path = str(tmp_path / "epochs.csv")
    run.train(config(tmp_path), callbacks=[keras.callbacks.CSVLogger(path)])
    with open(path) as f:
        rows = list(csv.DictReader(f))
    assert [int(r["epoch"]) for r in rows] == [0, 1, 2]
    assert {"d_loss", "g_loss", "d_real", "d_fake"} <= set(rows[0])
    assert all(np.isfinite(float(r["d_loss"])) for r in rows)


@pytest.mark.slow
def test_reduce_lr_on_plateau_lowers_both_networks_learning_rates(tmp_path):
    reduce = keras.callbacks.ReduceLROnPlateau(factor=0.5, **never_improving())
    gan = run.train(config(tmp_path), callbacks=[reduce])
    # Epochs 2 and 3 each halve both rates: 2e-4 -> 5e-5.
    np.testing.assert_allclose(float(gan.d_optimizer.learning_rate), 5e-5, rtol=1e-6)
    np.testing.assert_allclose(float(gan.g_optimizer.learning_rate), 5e-5, rtol=1e-6)


@pytest.mark.slow
def test_keras_tensorboard_logs_epochs_and_both_learning_rates_beside_the_run_s_own(tmp_path):
    c = config(tmp_path)
    keras_logs = str(tmp_path / "keras_logs")
    run.train(c, callbacks=[keras.callbacks.TensorBoard(keras_logs)])
    keras_events = _scalar_steps(os.path.join(keras_logs, "train"))
    assert keras_events["epoch_d_loss"] == [0, 1, 2]
    assert keras_events["epoch_learning_rate_d_optimizer"] == [0, 1, 2]
    assert keras_events["epoch_learning_rate_g_optimizer"] == [0, 1, 2]
    run_events = _scalar_steps(run.RunDirectory.for_config(c).logs_dir)
    assert run_events["d_loss"] == list(range(1, 3 * STEPS_PER_EPOCH + 1))


@pytest.mark.slow
def test_backup_and_restore_is_left_to_the_run_s_checkpoints_and_a_killed_run_resumes(
        tmp_path, caplog):
    c = config(tmp_path, epoch=2)
    backup = str(tmp_path / "backup")

    class InterruptAt(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            if int(self.model.step) == 5:  # during step 6, mid-epoch 2
                os.kill(os.getpid(), signal.SIGINT)

    with pytest.raises(run.Interrupted, match="at step 6"):
        run.train(c, callbacks=[keras.callbacks.BackupAndRestore(backup), InterruptAt()])
    assert "BackupAndRestore" in caplog.text
    gan = run.train(c, callbacks=[keras.callbacks.BackupAndRestore(backup)])
    assert gan.step == 2 * STEPS_PER_EPOCH
    stats = jsonfiles.read_jsonl(run.RunDirectory.for_config(c).stats)
    assert [r["step"] for r in stats] == list(range(1, 2 * STEPS_PER_EPOCH + 1))
    assert not os.path.exists(backup)  # the run's checkpoints did its job


def _scalar_steps(log_dir):
    steps = {}
    for path in glob.glob(os.path.join(log_dir, "events.*")):
        for event in tf.compat.v1.train.summary_iterator(path):
            for value in event.summary.value:
                steps.setdefault(value.tag, []).append(event.step)
    return {tag: sorted(s) for tag, s in steps.items()}
