import glob
import json
import os
import signal

import numpy as np
import pytest
import tensorflow as tf
import keras
from PIL import Image

import tfdcgan
from tfdcgan import callbacks as cb
from tfdcgan import jsonfiles, visualize

TINY = dict(output_height=12, c_dim=1, z_dim=4, gf_dim=4, df_dim=4, num_layers=2)
BATCH = 8


def tiny_gan(seed=1):
    gan = tfdcgan.DCGAN(**TINY, seed=seed)
    gan.compile()
    return gan


def images(n_batches, nan_batch=None, seed=0):
    """A dataset of `n_batches` batches; batch `nan_batch` (1-based) is NaN."""
    x = np.random.default_rng(seed).uniform(-1, 1, (n_batches * BATCH, 12, 12, 1))
    x = x.astype("float32")
    if nan_batch:
        x[(nan_batch - 1) * BATCH:nan_batch * BATCH] = np.nan
    return tf.data.Dataset.from_tensor_slices(x).batch(BATCH)


def fit(gan, n_batches, callbacks, nan_batch=None, **kwargs):
    return gan.fit(images(n_batches, nan_batch), callbacks=callbacks, verbose=0, **kwargs)


def weights(gan):
    return [v.numpy().copy() for v in gan.variables]


# StepCallback.

def feed(callback, gan, per_step_values, epoch=0, steps_per_call=1):
    """Calls the callback as fit() would: the model's step advances, and the
    logs hold Keras's running means."""
    callback.set_model(gan)
    callback.on_epoch_begin(epoch)
    seen = []
    for end in range(steps_per_call - 1, len(per_step_values), steps_per_call):
        gan.d_optimizer.iterations.assign_add(steps_per_call)
        mean = float(np.mean(per_step_values[:end + 1]))
        callback.on_train_batch_end(end, {"g_loss": np.float32(mean)})
        seen.append((callback.step, callback.step_values["g_loss"]))
    return seen


def test_step_callback_reads_the_model_s_step_and_recovers_each_step_s_value():
    gan = tiny_gan()
    gan.d_optimizer.iterations.assign(10)  # a run resumed at step 10
    callback = cb.StepCallback()
    callback.set_model(gan)
    callback.on_train_begin()
    assert callback.step == 10
    seen = feed(callback, gan, [1.0, 3.0, 5.0])
    assert [s for s, _ in seen] == [11, 12, 13]
    np.testing.assert_allclose([v for _, v in seen], [1.0, 3.0, 5.0], rtol=1e-6)
    seen = feed(callback, gan, [7.0, 2.0], epoch=1)  # Keras restarts batch numbers
    assert [s for s, _ in seen] == [14, 15]
    np.testing.assert_allclose([v for _, v in seen], [7.0, 2.0], rtol=1e-6)


def test_step_callback_with_several_steps_per_call_counts_them_all():
    gan = tiny_gan()
    seen = feed(cb.StepCallback(), gan, [1.0, 3.0, 5.0, 9.0], steps_per_call=2)
    assert [s for s, _ in seen] == [2, 4]
    np.testing.assert_allclose([v for _, v in seen], [2.0, 7.0], rtol=1e-6)


def test_step_callback_follows_any_keras_model_s_optimizer():
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    callback = cb.StepCallback()
    model.fit(np.zeros((8, 2)), np.zeros((8, 1)), batch_size=2, epochs=2, verbose=0,
              callbacks=[callback])
    assert callback.step == 8 == int(model.optimizer.iterations.numpy())


# SampleGrid and TrainingGif.

def test_sample_grid_every_n_steps_from_the_fixed_z(tmp_path):
    gan = tiny_gan()
    z = gan.sample_z(5, seed=3).numpy()
    gan.d_optimizer.iterations.assign(10)
    grid = cb.SampleGrid(str(tmp_path), z, every=2)
    fit(gan, 5, [grid])
    assert sorted(os.listdir(tmp_path)) == ["train_00000012.png", "train_00000014.png"]
    last = np.asarray(Image.open(tmp_path / "train_00000014.png"))
    del grid.written[:]
    expected = visualize.image_grid(visualize.generate_from_z(gan, z))[..., 0]
    assert last.shape == (2 * 12, 3 * 12)  # 5 samples: a 2 x 3 grid
    # The grid at step 14 came from weights that then trained one more step.
    assert not np.array_equal(last, expected)
    np.testing.assert_array_equal(
        np.asarray(Image.open(grid.write(step=15))), expected)


def test_training_gif_animates_the_grids_in_step_order(tmp_path):
    for step, value in ((30, 3), (10, 1), (20, 2)):
        visualize.save_grid(np.full((1, 4, 4, 1), value, np.uint8),
                            str(tmp_path / f"train_{step:08d}.png"))
    gif = cb.TrainingGif(str(tmp_path), str(tmp_path / "training.gif"))
    assert cb.TrainingGif(str(tmp_path / "none"), str(tmp_path / "x.gif")).write() is None
    frames = visualize.read_gif(gif.write())
    assert [int(f[0, 0, 0]) for f in frames] == [1, 2, 3]


# NaNGuard and Checkpointer.

def test_nan_guard_stops_at_the_first_non_finite_step_and_names_it(tmp_path):
    gan = tiny_gan()
    gan.d_optimizer.iterations.assign(100)
    guard = cb.NaNGuard(last_checkpoint=lambda: "out/run/checkpoint/ckpt-102")
    fit(gan, 6, [guard], nan_batch=3)
    assert guard.tripped and guard.stopped_at == 103
    assert "d_loss" in guard.bad_metrics
    assert int(gan.d_optimizer.iterations.numpy()) == 103  # stopped after the bad step
    message = guard.message()
    assert "step 103" in message and "out/run/checkpoint/ckpt-102" in message


def test_checkpointer_never_saves_after_a_nan(tmp_path):
    gan = tiny_gan()
    run_ckpt = cb.RunCheckpoint(str(tmp_path), gan, max_to_keep=5)
    guard = cb.NaNGuard(last_checkpoint=lambda: run_ckpt.latest)
    checkpointer = cb.Checkpointer(run_ckpt, every=2, nan_guard=guard)
    fit(gan, 8, [guard, checkpointer], nan_batch=5, epochs=2)
    assert guard.stopped_at == 5
    assert [os.path.basename(p) for p in run_ckpt.manager.checkpoints] == ["ckpt-2", "ckpt-4"]
    assert checkpointer.save() is None
    reader = tf.train.load_checkpoint(run_ckpt.latest)
    for name in reader.get_variable_to_shape_map():
        value = reader.get_tensor(name)
        if np.issubdtype(np.asarray(value).dtype, np.floating):
            assert np.all(np.isfinite(value)), name
    assert "ckpt-4" in guard.message()


def test_checkpointer_saves_every_n_steps_and_at_epoch_ends_with_the_position(tmp_path):
    gan = tiny_gan()
    run_ckpt = cb.RunCheckpoint(str(tmp_path), gan, max_to_keep=10)
    checkpointer = cb.Checkpointer(run_ckpt, every=2)
    fit(gan, 3, [checkpointer], epochs=2)
    names = [os.path.basename(p) for p in run_ckpt.manager.checkpoints]
    assert names == ["ckpt-2", "ckpt-3", "ckpt-4", "ckpt-6"]
    positions = {}
    for path in run_ckpt.manager.checkpoints:
        reader = tf.train.load_checkpoint(path)
        positions[os.path.basename(path)] = tuple(
            int(reader.get_tensor(f"{n}/.ATTRIBUTES/VARIABLE_VALUE"))
            for n in ("step", "epoch", "batch"))
    # (step, epoch, batches of that epoch done)
    assert positions == {"ckpt-2": (2, 0, 2), "ckpt-3": (3, 1, 0),
                         "ckpt-4": (4, 1, 1), "ckpt-6": (6, 2, 0)}


# RunCheckpoint.

def test_run_checkpoint_restores_weights_optimizers_noise_and_sample_z(tmp_path):
    gan = tiny_gan()
    fit(gan, 2, [])
    run_ckpt = cb.RunCheckpoint(str(tmp_path), gan, sample_z=np.ones((3, 4), np.float32))
    run_ckpt.step.assign(2)
    saved_path = run_ckpt.save()
    saved = weights(gan)
    next_z = gan.sample_z(2).numpy()  # advances the noise stream
    fit(gan, 2, [])
    run_ckpt.sample_z.assign(np.zeros((3, 4), np.float32))
    assert int(gan.g_optimizer.iterations.numpy()) == 4

    fresh = tiny_gan(seed=7)
    restored = cb.RunCheckpoint(str(tmp_path), fresh, sample_z=np.zeros((3, 4), np.float32))
    assert restored.restore() == saved_path
    for a, b in zip(saved, weights(fresh)):
        np.testing.assert_array_equal(a, b)
    assert int(fresh.d_optimizer.iterations.numpy()) == 2
    assert int(restored.step.numpy()) == 2
    np.testing.assert_array_equal(restored.sample_z.numpy(), np.ones((3, 4)))
    np.testing.assert_array_equal(fresh.sample_z(2).numpy(), next_z)


def test_restore_with_no_checkpoint_changes_nothing(tmp_path):
    gan = tiny_gan()
    before = weights(gan)
    assert cb.RunCheckpoint(str(tmp_path), gan).restore() is None
    for a, b in zip(before, weights(gan)):
        np.testing.assert_array_equal(a, b)


def saved_steps(directory, gan, steps, max_to_keep=1):
    """Saves `gan` at each step (training one batch between) and returns the
    weights saved at each."""
    run_ckpt = cb.RunCheckpoint(directory, gan, max_to_keep=max_to_keep)
    saved = {}
    for step in steps:
        fit(gan, 1, [])
        run_ckpt.step.assign(step)
        run_ckpt.save()
        saved[step] = weights(gan)
    return run_ckpt, saved


def truncate(path):
    data = glob.glob(path + ".data-*")[0]
    with open(data, "r+b") as f:
        f.truncate(os.path.getsize(data) // 2)


def restored_weights(directory, seed=9):
    gan = tiny_gan(seed=seed)
    run_ckpt = cb.RunCheckpoint(directory, gan)
    return run_ckpt.restore(), int(run_ckpt.step.numpy()), weights(gan)


def test_a_truncated_newest_checkpoint_falls_back_to_the_previous_one(tmp_path, caplog):
    run_ckpt, saved = saved_steps(str(tmp_path), tiny_gan(), [2, 4], max_to_keep=2)
    truncate(run_ckpt.latest)
    path, step, restored = restored_weights(str(tmp_path))
    assert path.endswith("ckpt-2") and step == 2
    for a, b in zip(saved[2], restored):
        np.testing.assert_array_equal(a, b)
    assert "ckpt-4 is unreadable" in caplog.text


def test_a_broken_registered_checkpoint_falls_back_to_a_complete_one_on_disk(tmp_path):
    # What a kill mid-save could at worst leave with max_to_keep=1: the index
    # naming a newer checkpoint whose data is partial, the older still there.
    directory = str(tmp_path)
    run_ckpt, saved = saved_steps(directory, tiny_gan(), [2])
    for f in glob.glob(os.path.join(directory, "ckpt-2.*")):
        with open(f, "rb") as src, open(f.replace("ckpt-2", "ckpt-6"), "wb") as dst:
            dst.write(src.read())
    truncate(os.path.join(directory, "ckpt-6"))
    tf.train.CheckpointManager(run_ckpt.checkpoint, directory, max_to_keep=2,
                               checkpoint_name="ckpt")  # keeps the listing as is
    with open(os.path.join(directory, "checkpoint"), "w") as f:
        f.write('model_checkpoint_path: "ckpt-6"\nall_model_checkpoint_paths: "ckpt-6"\n')
    path, step, restored = restored_weights(directory)
    assert path.endswith("ckpt-2") and step == 2
    for a, b in zip(saved[2], restored):
        np.testing.assert_array_equal(a, b)


def test_partial_files_of_an_unfinished_save_are_ignored(tmp_path):
    directory = str(tmp_path)
    _, saved = saved_steps(directory, tiny_gan(), [2])
    os.makedirs(os.path.join(directory, "ckpt-4_temp"))
    with open(os.path.join(directory, "ckpt-4_temp", "part-00000-of-00001.data-00000-of-00001"), "wb") as f:
        f.write(b"\0" * 100)
    with open(os.path.join(directory, "ckpt-4.data-00000-of-00001"), "wb") as f:
        f.write(b"\0" * 100)
    path, step, restored = restored_weights(directory)
    assert path.endswith("ckpt-2") and step == 2


def test_non_finite_weights_are_never_saved_and_a_step_is_saved_once(tmp_path):
    gan = tiny_gan()
    run_ckpt = cb.RunCheckpoint(str(tmp_path), gan, max_to_keep=3)
    run_ckpt.step.assign(1)
    first = run_ckpt.save()
    assert first and run_ckpt.save() is None  # same step: not rewritten
    run_ckpt.step.assign(2)
    gan.generator.trainable_variables[0].assign(
        tf.fill(gan.generator.trainable_variables[0].shape, np.nan))
    assert not run_ckpt.weights_finite()
    with pytest.raises(cb.NonFiniteWeightsError, match="step 2"):
        run_ckpt.save()
    assert run_ckpt.manager.checkpoints == [first]


def test_checkpointer_stops_training_on_non_finite_weights_that_losses_hide(tmp_path):
    class PoisonFirstKernel(keras.callbacks.Callback):
        # A ReLU turns NaN inputs into 0, so the losses stay finite.
        def on_train_batch_end(self, batch, logs=None):
            if batch == 0:
                kernel = self.model.generator.trainable_variables[0]
                kernel.assign(tf.fill(kernel.shape, np.nan))

    gan = tiny_gan()
    run_ckpt = cb.RunCheckpoint(str(tmp_path), gan)
    guard = cb.NaNGuard(last_checkpoint=lambda: run_ckpt.latest)
    checkpointer = cb.Checkpointer(run_ckpt, every=2, nan_guard=guard)
    fit(gan, 6, [guard, checkpointer, PoisonFirstKernel()])
    assert guard.stopped_at == 2 and guard.bad_metrics == ["weights"]
    assert int(gan.d_optimizer.iterations.numpy()) == 2
    assert run_ckpt.manager.checkpoints == []
    assert "Non-finite weights at step 2" in guard.message()


# LossCurves.

def test_loss_curves_write_stats_and_a_png_and_drop_retrained_steps_on_resume(tmp_path):
    stats, png = str(tmp_path / "stats.jsonl"), str(tmp_path / "losses.png")
    curves = cb.LossCurves(stats, png, every=2)
    fit(tiny_gan(), 3, [curves])
    records = jsonfiles.read_jsonl(stats)
    assert [r["step"] for r in records] == [1, 2, 3]
    assert set(cb.curves.LOSSES + cb.curves.OUTPUTS) <= set(records[0])
    assert Image.open(png).size == (800, 600)
    with open(stats, "a") as f:
        f.write('{"step": 4, "d_lo')  # a line cut short by a kill
    # Resumed from a checkpoint at step 2: step 3 is trained again. The
    # callback is not told: the restored optimizer's step says where it is.
    resumed_gan = tiny_gan()
    resumed_gan.d_optimizer.iterations.assign(2)
    fit(resumed_gan, 2, [cb.LossCurves(stats, png, every=0)])
    assert [r["step"] for r in jsonfiles.read_jsonl(stats)] == [1, 2, 3, 4]
    assert records[2] != jsonfiles.read_jsonl(stats)[2]


# TensorBoardSummaries.

def read_events(log_dir):
    events = {}
    for path in glob.glob(os.path.join(log_dir, "events.*")):
        for event in tf.compat.v1.train.summary_iterator(path):
            for value in event.summary.value:
                kind = value.metadata.plugin_data.plugin_name
                events.setdefault((value.tag, kind), []).append(event.step)
    return events


def test_tensorboard_scalars_histograms_and_images_at_global_steps(tmp_path):
    gan = tiny_gan()
    real = images(1).take(1).get_single_element()
    tb = cb.TensorBoardSummaries(str(tmp_path), z=gan.sample_z(4, seed=1), real_images=real,
                                 every=1, histogram_freq=2, images=True)
    gan.d_optimizer.iterations.assign(100)
    fit(gan, 4, [tb])
    events = read_events(str(tmp_path))
    assert events[("d_loss", "scalars")] == [101, 102, 103, 104]
    assert events[("g_loss", "scalars")] == [101, 102, 103, 104]
    assert events[("D(x)", "histograms")] == [102, 104]
    assert events[("D(G(z))", "histograms")] == [102, 104]
    assert events[("G(z)", "images")] == [102, 104]


def test_tensorboard_without_g_img_sum_writes_no_images(tmp_path):
    gan = tiny_gan()
    tb = cb.TensorBoardSummaries(str(tmp_path), z=gan.sample_z(4, seed=1), histogram_freq=1)
    fit(gan, 1, [tb])
    kinds = {kind for _, kind in read_events(str(tmp_path))}
    assert kinds == {"scalars", "histograms"}


# StopOnSignal and RunProgbar.

class SignalAt(keras.callbacks.Callback):
    def __init__(self, batch, signum=signal.SIGTERM):
        super().__init__()
        self.batch, self.signum = batch, signum

    def on_train_batch_begin(self, batch, logs=None):
        if batch == self.batch:
            os.kill(os.getpid(), self.signum)


def test_stop_on_signal_ends_fit_after_the_step_being_trained():
    gan = tiny_gan()
    stop = cb.StopOnSignal()
    before = signal.getsignal(signal.SIGTERM)
    with stop.installed():
        fit(gan, 6, [SignalAt(2), stop])
    assert stop.received == signal.SIGTERM
    assert int(gan.d_optimizer.iterations.numpy()) == 3
    assert signal.getsignal(signal.SIGTERM) is before
    with pytest.raises(KeyboardInterrupt):  # a second signal: stop now
        stop._handle(signal.SIGINT, None)


def test_run_progbar_numbers_epochs_for_the_whole_run(capsys):
    gan = tiny_gan()
    progbar = cb.RunProgbar(epochs=5, steps_per_epoch=4)
    progbar.offset = 2
    gan.fit(images(2), initial_epoch=2, epochs=3, callbacks=[progbar], verbose=0)
    out = capsys.readouterr().out
    assert "Epoch 3/5" in out
    assert "4/4" in out


def test_run_log_prints_a_line_every_n_steps_and_at_epoch_ends():
    import io

    gan = tiny_gan()
    out = io.StringIO()
    log = cb.RunLog(epochs=5, steps_per_epoch=4, batch_size=BATCH, every=2, stream=out)
    gan.fit(images(4), initial_epoch=1, epochs=3, steps_per_epoch=2, callbacks=[log],
            verbose=0)
    lines = out.getvalue().splitlines()
    assert [line.split("  ")[:2] for line in lines] == [
        ["step 2", "epoch 2/5"], ["epoch 2/5 done", "step 2"],
        ["step 4", "epoch 3/5"], ["epoch 3/5 done", "step 4"]]
    assert all("d_loss: " in line and "images/s" in line for line in lines)


def test_progress_is_a_bar_on_a_terminal_and_lines_otherwise():
    assert isinstance(cb.progress_callback(5, 4, 8, interactive=True), cb.RunProgbar)
    assert isinstance(cb.progress_callback(5, 4, 8, interactive=False), cb.RunLog)
