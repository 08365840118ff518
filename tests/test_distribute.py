import logging
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

import tfdcgan
from tfdcgan import cluster
from tfdcgan import run

TINY = dict(output_height=28, c_dim=1, z_dim=16, gf_dim=8, df_dim=8)


def images(n=64, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, (n, 28, 28, 1)).astype("float32")


@pytest.fixture(scope="module")
def mirrored():
    """The command line's strategy (`--strategy mirrored`), one per process:
    two MirroredStrategy objects in one process can reuse each other's
    collective instance keys."""
    devices = [d.name for d in tf.config.list_logical_devices("CPU")]
    if len(devices) != 2:
        pytest.skip("TensorFlow started before conftest could split the CPU in two")
    return cluster.start("mirrored").strategy


def test_mirrored_strategy_over_two_cpu_devices(mirrored):
    strategy = mirrored
    with strategy.scope():
        gan = tfdcgan.DCGAN(**TINY, seed=1)
        gan.compile()
    assert strategy.num_replicas_in_sync == 2
    dataset = tf.data.Dataset.from_tensor_slices(images()).batch(32, drop_remainder=True)
    before = [v.numpy().copy() for v in gan.generator.trainable_variables]
    history = gan.fit(dataset, epochs=1, verbose=0).history
    assert all(np.isfinite(v).all() for v in history.values())
    after = gan.generator.trainable_variables
    assert all(not np.array_equal(b, a.numpy()) for b, a in zip(before, after))
    # Variables stay mirrored: every replica holds the same values.
    for variable in gan.discriminator.trainable_variables:
        replicas = strategy.experimental_local_results(variable.value)
        np.testing.assert_array_equal(replicas[0].numpy(), replicas[1].numpy())
    assert gan.generate(4, seed=0).shape == (4, 28, 28, 1)


def test_mirrored_training_keeps_the_generator_s_average_on_every_replica(mirrored):
    strategy = mirrored
    with strategy.scope():
        gan = tfdcgan.DCGAN(**TINY, seed=1, ema_decay=0.999)
        gan.compile()
    dataset = tf.data.Dataset.from_tensor_slices(images()).batch(32, drop_remainder=True)
    init = [v.numpy().copy() for v in gan.generator.trainable_variables]
    gan.fit(dataset, epochs=1, verbose=0)
    # Two steps: the average of the initial weights and the two updates.
    assert gan.step == 2
    for variable, _ in gan.averaged_weights():
        replicas = strategy.experimental_local_results(variable.value)
        np.testing.assert_array_equal(replicas[0].numpy(), replicas[1].numpy())
    moved = [not np.array_equal(a.numpy(), b) and not np.array_equal(a.numpy(), g.numpy())
             for (a, g), b in zip(gan.averaged_weights(), init)]
    assert all(moved)
    assert gan.generate(4, seed=0).shape == (4, 28, 28, 1)


def test_mirrored_loss_is_averaged_over_the_global_batch(mirrored):
    # One replica with batch 32 and two replicas with 16 each must make the
    # same D update. One layer keeps batch norm (whose statistics are per
    # replica) out of the discriminator, so the two are exactly comparable.
    data = images(32)
    fake = np.random.default_rng(1).uniform(-1, 1, (32, 28, 28, 1)).astype("float32")

    def one_d_step(strategy):
        with strategy.scope():
            gan = tfdcgan.DCGAN(**TINY, num_layers=1, seed=3)
            gan.compile(d_optimizer=tf.keras.optimizers.SGD(0.1))
        assert not gan.discriminator.norms
        dataset = strategy.experimental_distribute_dataset(
            tf.data.Dataset.from_tensor_slices((data, fake)).batch(32))
        step = tf.function(lambda x, f: gan.discriminator_step(x, f))
        for batch in dataset:
            strategy.run(step, args=batch)
        return [v.numpy() for v in gan.discriminator.trainable_variables]

    single = one_d_step(tf.distribute.OneDeviceStrategy("/cpu:0"))
    two = one_d_step(mirrored)
    initial = tfdcgan.DCGAN(**TINY, num_layers=1, seed=3).discriminator.get_weights()
    assert not np.allclose(single[0], initial[0])
    for m, s in zip(two, single):
        np.testing.assert_allclose(m, s, rtol=1e-4, atol=1e-6)


def test_mirrored_through_the_command_line_trains_checkpoints_and_resumes(
        mirrored, tmp_path, caplog):
    # `tfdcgan.run.main` is what main.py calls with the flags.
    flags = dict(dataset="mnist", data_dir=str(tmp_path / "none"), train=True,
                 train_size=160, batch_size=16, gf_dim=4, df_dim=4, z_dim=8, seed=5,
                 sample_freq=5, ckpt_freq=5, strategy="mirrored",
                 out_dir=str(tmp_path / "out"), logs_dir=str(tmp_path / "logs"))
    gan, run_dir = run.main(epoch=1, **flags)
    steps = 160 // 16  # each step: the global batch of 16, 8 per replica
    assert mirrored.num_replicas_in_sync == 2
    assert gan.distribute_strategy is mirrored
    assert run_dir.step == steps == gan.step
    assert os.path.exists(os.path.join(run_dir.sample_dir, f"train_{steps:08d}.png"))
    for variable in gan.generator.trainable_variables:
        first, second = mirrored.experimental_local_results(variable.value)
        np.testing.assert_array_equal(first.numpy(), second.numpy())
    trained = [v.numpy() for v in gan.generator.trainable_variables]

    with caplog.at_level(logging.INFO, logger="tfdcgan.run"):
        gan, run_dir = run.main(epoch=2, **flags)  # the same command, one epoch more
    assert f"step {steps}, epoch 2, 0 batches into it" in caplog.text
    assert "2 replicas in sync; global batch 16 (8 per replica)" in caplog.text
    assert run_dir.step == 2 * steps == gan.step
    resumed = run.load(run.resolve(run.RunConfig(epoch=2, **flags)), run_dir)
    assert resumed.step == 2 * steps
    assert any(not np.array_equal(t, v.numpy())
               for t, v in zip(trained, resumed.generator.trainable_variables))


@pytest.mark.slow
def test_multi_worker_mirrored_strategy_with_two_processes(tmp_path):
    script = pathlib.Path(__file__).with_name("multi_worker_fit.py")
    # (PYTHONPATH: the workers import this checkout's tfdcgan, installed or not.)
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": "-1",
           "PYTHONPATH": str(script.parent.parent)}
    workers = []
    for index, config in enumerate(cluster.loopback_tf_configs(2)):
        workers.append(subprocess.Popen(
            [sys.executable, str(script), config, str(tmp_path / f"w{index}.npz")],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True))
    try:
        outputs = [w.communicate(timeout=300)[0] for w in workers]
    finally:
        for w in workers:
            w.kill()
    for w, out in zip(workers, outputs):
        assert w.returncode == 0, out[-3000:]
    first, second = (np.load(tmp_path / f"w{i}.npz") for i in range(2))
    assert int(first["num_replicas"]) == 2
    assert np.isfinite(first["losses"]).all()
    # Callbacks see every metric by name, the same on both workers, and the
    # last batch's logs (means over both workers' images) are the epoch's.
    assert sorted(first["log_names"]) == sorted(
        ["d_loss", "d_loss_real", "d_loss_fake", "g_loss", "d_real", "d_fake"])
    np.testing.assert_array_equal(first["log_names"], second["log_names"])
    np.testing.assert_array_equal(first["batch_logs"], second["batch_logs"])
    assert first["batch_logs"].shape == (4, 6)
    np.testing.assert_allclose(first["batch_logs"][-1], first["epoch_logs"], rtol=1e-5)
    weights = [k for k in first.files if k.startswith("w")]
    assert weights
    for key in weights:
        np.testing.assert_array_equal(first[key], second[key])
