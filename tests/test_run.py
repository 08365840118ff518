"""`tfdcgan.run`, called in-process as main.py calls it."""

import json
import os
import re

import numpy as np
import pytest
import tensorflow as tf
import keras
from PIL import Image

import shared_data
from tfdcgan import export, run, visualize

FAST = dict(batch_size=8, gf_dim=4, df_dim=4, z_dim=6, g_steps=1, seed=0,
            sample_freq=2, ckpt_freq=2)


def settings(tmp, **kwargs):
    return dict(out_dir=str(tmp / "out"), logs_dir=str(tmp / "logs"), **{**FAST, **kwargs})


@pytest.fixture(scope="module")
def mnist_run(tmp_path_factory):
    """A 4-step conditional MNIST run on the bundled digits (no data_dir/mnist)."""
    tmp = tmp_path_factory.mktemp("mnist_run")
    kwargs = settings(tmp, dataset="mnist", data_dir=str(tmp / "no_data"), train=True,
                      epoch=2, train_size=16)
    gan, paths = run.main(**kwargs)
    return gan, paths, kwargs


def test_mnist_defaults_follow_carpedm20():
    config = run.resolve(run.RunConfig(dataset="mnist"))
    assert (config.output_height, config.output_width) == (28, 28)
    assert (config.c_dim, config.y_dim) == (1, 10)
    assert config.train_size is None
    assert config.out_name == "mnist_y28_z100_b64"
    celeba = run.resolve(run.RunConfig(crop=True))
    assert (celeba.input_width, celeba.output_height, celeba.y_dim) == (108, 64, 0)
    assert celeba.out_name == "celebA_x108_crop_y64_z100_b64"
    assert run.resolve(run.RunConfig(dataset="mnist", y_dim=0)).y_dim == 0
    assert run.resolve(run.RunConfig(z_dist="normal01")).z_dist == "normal"


def test_default_run_name_is_stable_and_tells_runs_apart():
    name = lambda **kw: run.resolve(run.RunConfig(**kw)).out_name
    assert name(dataset="faces") == name(dataset="faces", epoch=3, sample_freq=5, train=True)
    assert name(dataset="faces", gf_dim=32) == "faces_y64_z100_b64_gf32"
    assert name(dataset="faces", learning_rate=1e-4, seed=3, loss="least_squares") == \
        "faces_y64_z100_b64_lr0.0001_seed3_least_squares"
    assert name(dataset="faces", crop=True, input_height=96, input_width=80,
                output_width=48) == "faces_x96x80_crop_y64x48_z100_b64"
    assert name(dataset="faces", input_height=96) == name(dataset="faces")  # no crop
    assert name(dataset="faces", out_name="mine") == "mine"


def test_command_line_names_the_settings_that_differ():
    command = run.command_line(dict(dataset="mnist", train_size=640.0, crop=False, gf_dim=8,
                                    visualize=True, output_height=None))
    assert command == "python main.py --dataset mnist --train_size 640 --gf_dim 8 --train"


def test_training_writes_the_run_directory(mnist_run):
    gan, paths, _ = mnist_run
    assert os.path.basename(paths.run_dir) == "mnist_y28_z6_b8_n16_seed0_g1_gf4_df4"
    flags = json.load(open(paths.flags_json))
    assert flags["dataset"] == "mnist" and flags["seed"] == 0 and flags["epoch"] == 2
    model = json.load(open(paths.model_json))
    assert model["config"]["y_dim"] == 10 and model["config"]["c_dim"] == 1
    assert sorted(os.listdir(paths.sample_dir)) == [
        "train_00000002.png", "train_00000004.png"]
    grid = Image.open(os.path.join(paths.sample_dir, "train_00000004.png"))
    assert grid.size == (4 * 28, 2 * 28) and grid.mode == "L"  # 8 samples
    assert tf.train.latest_checkpoint(paths.checkpoint_dir).endswith("ckpt-4")
    assert [json.loads(line)["step"] for line in open(paths.stats)] == [1, 2, 3, 4]
    assert os.path.getsize(paths.losses_png) > 0
    assert len(visualize.read_gif(paths.training_gif)) >= 1
    assert any(f.startswith("events.") for f in os.listdir(paths.logs_dir))


def test_the_same_command_resumes_and_a_higher_epoch_continues(tmp_path, caplog):
    caplog.set_level("INFO", logger="tfdcgan.run")
    kwargs = settings(tmp_path, dataset="mnist", data_dir=str(tmp_path), train=True,
                      train_size=16, epoch=1)
    _, paths = run.main(**kwargs)
    assert tf.train.latest_checkpoint(paths.checkpoint_dir).endswith("ckpt-2")
    run.main(**kwargs)  # finished: nothing more to train
    assert "has already trained 1 of 1 epochs" in caplog.text
    assert tf.train.latest_checkpoint(paths.checkpoint_dir).endswith("ckpt-2")
    gan, _ = run.main(**dict(kwargs, epoch=2))
    assert "Resuming" in caplog.text
    assert tf.train.latest_checkpoint(paths.checkpoint_dir).endswith("ckpt-4")
    assert int(gan.d_optimizer.iterations.numpy()) == 4
    assert [json.loads(line)["step"] for line in open(paths.stats)] == [1, 2, 3, 4]


def test_test_mode_loads_the_trained_weights(mnist_run):
    gan, paths, kwargs = mnist_run
    loaded = run.load(run.resolve(run.RunConfig(**dict(kwargs, train=False))))
    assert loaded.step == 4
    np.testing.assert_array_equal(loaded.generate(10, seed=1), gan.generate(10, seed=1))
    for a, b in zip(gan.variables, loaded.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=a.path)


@pytest.mark.parametrize("option, expected", [
    (0, ["test_00000004.png"]),
    (1, [f"test_arange_{i}.png" for i in range(6)]),
    (3, [f"test_gif_{i}.gif" for i in range(6)]),
    (4, [f"test_gif_{i}.gif" for i in range(6)] + ["test_gif_merged.gif"]),
])
def test_test_mode_visualize_options(mnist_run, option, expected, tmp_path):
    _, paths, kwargs = mnist_run
    sample_dir = str(tmp_path / f"option{option}")
    run.main(**dict(kwargs, train=False, visualize=True, visualize_option=option,
                    sample_dir=sample_dir))
    assert sorted(os.listdir(sample_dir)) == sorted(expected)


def test_test_mode_visualize_option_2_picks_random_dimensions(mnist_run, tmp_path):
    _, _, kwargs = mnist_run
    sample_dir = str(tmp_path / "option2")
    run.main(**dict(kwargs, train=False, visualize=True, visualize_option=2,
                    sample_dir=sample_dir))
    files = os.listdir(sample_dir)
    assert files and all(f.startswith("test_gif_") and f.endswith(".gif") for f in files)


def test_generate_writes_n_individual_images(mnist_run):
    gan, paths, kwargs = mnist_run
    run.main(**dict(kwargs, train=False, generate=12))
    files = sorted(os.listdir(paths.generated_dir))
    assert files == [f"{i:06d}.png" for i in range(12)]
    first = np.asarray(Image.open(os.path.join(paths.generated_dir, files[0])))
    assert first.shape == (28, 28) and first.dtype == np.uint8


@pytest.mark.slow
def test_export_and_freeze_reload_and_reproduce_the_generator(mnist_run):
    gan, paths, kwargs = mnist_run
    run.main(**dict(kwargs, train=False, export=True, freeze=True))
    z = gan.sample_z(4, seed=2)
    labels = np.eye(10, dtype=np.float32)[[3, 1, 4, 1]]
    expected = gan.generate(4, seed=2, labels=[3, 1, 4, 1])
    served = tf.saved_model.load(paths.saved_model).signatures["serving_default"]
    np.testing.assert_array_equal(served(z=z, labels=tf.constant(labels))["images"].numpy(),
                                  expected)
    lite = export.run_tflite(paths.tflite, z.numpy(), labels)
    assert np.abs(lite.astype(int) - expected.astype(int)).max() <= 1


@pytest.mark.slow
def test_celeba_with_the_face_crop(tmp_path):
    celeba = shared_data.require(shared_data.CELEBA_DIR)
    gan, paths = run.main(**settings(
        tmp_path, dataset="celebA", data_dir=str(celeba.parent), input_height=54, crop=True,
        output_height=32, train=True, epoch=1, train_size=16))
    assert os.path.basename(paths.run_dir) == "celebA_x54_crop_y32_z6_b8_n16_seed0_g1_gf4_df4"
    assert gan.image_shape == (32, 32, 3) and gan.y_dim is None
    assert tf.train.latest_checkpoint(paths.checkpoint_dir).endswith("ckpt-2")
    grid = Image.open(os.path.join(paths.sample_dir, "train_00000002.png"))
    assert grid.mode == "RGB" and grid.size == (4 * 32, 2 * 32)


def test_test_mode_without_a_checkpoint_names_the_folder_and_the_command(tmp_path):
    kwargs = settings(tmp_path, dataset="mnist", gf_dim=8)
    with pytest.raises(run.NoCheckpointError) as error:
        run.main(**kwargs)
    message = str(error.value)
    expected_dir = os.path.join(str(tmp_path / "out"), "mnist_y28_z6_b8_seed0_g1_gf8_df4",
                                "checkpoint")
    assert expected_dir in message
    assert "python main.py --dataset mnist --batch_size 8" in message
    assert message.rstrip().splitlines()[1].strip().endswith("--train")


def test_a_folder_of_96x96_grey_images_infers_one_channel(tmp_path):
    folder = tmp_path / "data" / "scans"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for i in range(16):
        Image.fromarray(rng.integers(0, 256, (96, 96), dtype=np.uint8)).save(folder / f"{i}.png")
    gan, paths = run.main(**settings(
        tmp_path, dataset="scans", data_dir=str(tmp_path / "data"), input_fname_pattern="*.png",
        output_height=32, train=True, epoch=1, ckpt_freq=0))
    assert gan.image_shape == (32, 32, 1)
    assert os.path.basename(paths.run_dir) == "scans_y32_z6_b8_files-.png_seed0_g1_gf4_df4"
    assert tf.train.latest_checkpoint(paths.checkpoint_dir).endswith("ckpt-2")


class PoisonAt(keras.callbacks.Callback):
    """Sets a generator weight to NaN after `step` steps."""

    def __init__(self, step, index):
        super().__init__()
        self.step, self.index, self.seen = step, index, 0

    def on_train_batch_end(self, batch, logs=None):
        self.seen += 1
        if self.seen == self.step:
            weight = self.model.generator.trainable_variables[self.index]
            weight.assign(tf.fill(weight.shape, np.nan))


# The output layer's bias makes the losses NaN at the next step; the first
# kernel's NaNs are hidden from the losses by a ReLU and found at the next save.
@pytest.mark.parametrize("index, found", [(-1, "d_loss"), (0, "weights")])
def test_a_nan_stops_training_and_keeps_the_last_good_checkpoint(tmp_path, index, found):
    config = run.resolve(run.RunConfig(**settings(
        tmp_path, dataset="mnist", data_dir=str(tmp_path), train=True, epoch=3,
        train_size=32)))
    with pytest.raises(run.TrainingDiverged) as error:
        run.train(config, callbacks=[PoisonAt(3, index)])
    paths = run.run_paths(config)
    latest = tf.train.latest_checkpoint(paths.checkpoint_dir)
    assert latest.endswith("ckpt-2")
    assert f"{found}" in str(error.value)
    assert "at step 4" in str(error.value) and latest in str(error.value)
    reader = tf.train.load_checkpoint(latest)
    for name in reader.get_variable_to_shape_map():
        value = np.asarray(reader.get_tensor(name))
        if np.issubdtype(value.dtype, np.floating):
            assert np.all(np.isfinite(value)), name


def test_resuming_with_other_model_settings_is_refused(mnist_run, tmp_path):
    _, paths, kwargs = mnist_run
    flags = open(paths.flags_json).read()
    changed = dict(kwargs, out_name=os.path.basename(paths.run_dir), kernel_size=3)
    with pytest.raises(run.RunError, match="kernel_size: 5 -> 3"):
        run.main(**changed)
    assert open(paths.flags_json).read() == flags  # the refused settings not recorded


@pytest.mark.parametrize("changed, message", [
    (dict(learning_rate=1e-3), "learning_rate: 0.0002 -> 0.001"),
    (dict(label_smoothing=0.1, loss="least_squares"),
     "label_smoothing: 0.0 -> 0.1, loss: 'non_saturating' -> 'least_squares'"),
    (dict(mixed_precision="mixed_bfloat16"), "mixed_precision: 'none' -> 'mixed_bfloat16'"),
    (dict(train_size=8), "train_size: 16 -> 8"),
])
def test_resuming_with_other_training_settings_is_refused_leaving_the_run(
        mnist_run, changed, message):
    """Settings outside the model (the optimiser, the loss, the precision, the
    data): the run's name holds them, so only an explicit --out_name can ask
    to resume a run with others; it is refused before anything is written."""
    _, paths, kwargs = mnist_run
    before = {name: open(os.path.join(paths.run_dir, name), "rb").read()
              for name in ("FLAGS.json", "model.json", "stats.jsonl")}
    checkpoint = tf.train.latest_checkpoint(paths.checkpoint_dir)
    with pytest.raises(run.RunError, match=re.escape(f"other settings ({message})")):
        run.main(**dict(kwargs, out_name=os.path.basename(paths.run_dir), epoch=3,
                        **changed))
    assert {name: open(os.path.join(paths.run_dir, name), "rb").read()
            for name in before} == before
    assert tf.train.latest_checkpoint(paths.checkpoint_dir) == checkpoint


def test_too_little_data_for_one_batch_is_a_run_error(tmp_path):
    with pytest.raises(run.RunError, match="batch"):
        run.main(**settings(tmp_path, dataset="mnist", data_dir=str(tmp_path), train=True,
                            train_size=4))


def _grey_pngs(folder, names, size=48):
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for name in names:
        Image.fromarray(rng.integers(0, 256, (size, size), dtype=np.uint8)).save(
            os.path.join(str(folder), name + ".png"))


def test_small_images_skip_leaves_out_a_tiny_picture_and_counts_it_in_the_log(
        tmp_path, caplog):
    _grey_pngs(tmp_path / "data" / "scans", [f"{i}" for i in range(8)])
    Image.new("L", (1, 1)).save(tmp_path / "data" / "scans" / "tiny.png")
    kwargs = settings(tmp_path, dataset="scans", data_dir=str(tmp_path / "data"),
                      input_fname_pattern="*.png", crop=True, input_height=32,
                      output_height=16, train=True, epoch=1)
    with pytest.raises(run.RunError, match="--small_images upscale"):
        run.main(**kwargs)
    assert not os.path.exists(tmp_path / "out")
    caplog.set_level("INFO")
    gan, paths = run.main(**dict(kwargs, small_images="skip"))
    assert "Skipped 1 of 9 files: tiny.png (1x1, smaller than the 32x32 crop)" in caplog.text
    assert tf.train.latest_checkpoint(paths.checkpoint_dir).endswith("ckpt-1")


def test_a_file_name_that_is_not_utf8_is_trained_on(tmp_path):
    # Eight files and a batch of eight: training needs every one of them.
    names = [f"{i}" for i in range(7)] + [os.fsdecode(b"scan_\xe9t\xe9")]
    _grey_pngs(tmp_path / "data" / "scans", names)
    gan, paths = run.main(**settings(
        tmp_path, dataset="scans", data_dir=str(tmp_path / "data"),
        input_fname_pattern="*.png", output_height=16, train=True, epoch=1))
    assert tf.train.latest_checkpoint(paths.checkpoint_dir).endswith("ckpt-1")


def test_a_two_logit_run_trains_and_test_mode_loads_it(tmp_path):
    kwargs = settings(tmp_path, dataset="mnist", data_dir=str(tmp_path), train=True,
                      epoch=1, train_size=16, d_head="two_logit")
    gan, paths = run.main(**kwargs)
    assert paths.run_dir.endswith("_two_logit")
    assert json.load(open(paths.model_json))["config"]["d_head"] == "two_logit"
    loaded, _ = run.main(**dict(kwargs, train=False, generate=2))
    assert loaded.d_head == "two_logit" and loaded.step == 2
    for a, b in zip(gan.discriminator.variables, loaded.discriminator.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


@pytest.fixture(scope="module")
def scans_run(tmp_path_factory):
    """Two epochs on 16 grey 96x96 scans at 32x32, keeping each epoch's
    weights and a sample grid per epoch, as the PyTorch DCGAN scripts do."""
    tmp = tmp_path_factory.mktemp("scans")
    _grey_pngs(tmp / "data" / "scans", [f"{i:02d}" for i in range(16)], size=96)
    kwargs = settings(tmp, dataset="scans", data_dir=str(tmp / "data"),
                      input_fname_pattern="*.png", output_height=32, train=True, epoch=2,
                      sample_freq=0, save_weights_per_epoch=True)
    gan, paths = run.main(**kwargs)
    return tmp, gan, paths, kwargs


def test_weights_and_sample_grids_are_written_at_every_epoch_end(scans_run):
    _, gan, paths, _ = scans_run
    # The run samples an average of G (the command line's default), so its
    # file is written beside G's own.
    assert gan.generator_ema is not None
    assert sorted(os.listdir(os.path.join(paths.run_dir, "weights"))) == [
        f"{network}_{epoch:03d}.weights.h5"
        for network in ("discriminator", "generator", "generator_ema") for epoch in (1, 2)]
    assert sorted(f for f in os.listdir(paths.sample_dir) if f.endswith(".png")) == [
        "train_epoch_001.png", "train_epoch_002.png"]
    # Loadable into a generator built from the run's model.json: the last
    # epoch's files hold the trained generator and the average that sampled.
    z = gan.sample_z(4, seed=0)
    for name, network in (("generator", gan.generator),
                          ("generator_ema", gan.generator_ema)):
        generator = keras.saving.deserialize_keras_object(
            json.load(open(paths.model_json))).generator
        generator.load_weights(os.path.join(paths.run_dir, "weights", f"{name}_002.weights.h5"))
        np.testing.assert_array_equal(generator(z, training=False),
                                      network(z, training=False))
    assert not np.array_equal(gan.generator(z, training=False),
                              gan.generator_ema(z, training=False))
    assert not os.path.exists(paths.init_json)  # random weights: nothing to record


def test_a_new_run_starts_from_an_epoch_s_weights_and_records_them(scans_run):
    tmp, _, paths, kwargs = scans_run
    weights = {name: os.path.join(paths.run_dir, "weights", f"{name}_001.weights.h5")
               for name in ("generator", "discriminator")}
    # A learning rate so small that one step leaves the kernels where they started.
    gan, new_paths = run.main(**dict(
        kwargs, out_name="from_epoch_1", epoch=1, learning_rate=1e-12,
        save_weights_per_epoch=False, init_generator=weights["generator"],
        init_discriminator=weights["discriminator"]))
    assert json.load(open(new_paths.init_json)) == weights
    for name, network in (("generator", gan.generator), ("discriminator", gan.discriminator)):
        reference = keras.saving.deserialize_keras_object(
            json.load(open(paths.model_json))).get_layer(name)
        reference.load_weights(weights[name])
        for a, b in zip(network.trainable_variables, reference.trainable_variables):
            np.testing.assert_allclose(a.numpy(), b.numpy(), atol=1e-6, err_msg=a.path)


def test_weights_of_another_shape_are_refused_naming_both_shapes_before_writing(scans_run):
    tmp, _, paths, kwargs = scans_run
    generator = os.path.join(paths.run_dir, "weights", "generator_001.weights.h5")
    with pytest.raises(run.RunError) as error:
        run.main(**dict(kwargs, out_name="wider", gf_dim=8, init_generator=generator))
    message = str(error.value)
    # The projection's kernel: z_dim x (smallest map x channels), 4 or 8 wide.
    saved = tuple(gan_shape(paths, "generator/project/kernel"))
    wanted = (saved[0], saved[1] * 2)
    assert message.startswith(f"init_generator={generator!r}")
    assert str(saved) in message and str(wanted) in message
    assert not os.path.exists(os.path.join(kwargs["out_dir"], "wider"))


@pytest.mark.parametrize("suffix, damage", [
    (".weights.h5", "cut"), (".weights.h5", "text"), (".keras", "cut"), (".keras", "text")])
def test_a_damaged_weights_file_is_refused_naming_it_before_writing(scans_run, suffix, damage):
    tmp, gan, paths, kwargs = scans_run
    whole = str(tmp / f"whole{suffix}")
    if suffix == ".keras":
        gan.save(whole)
    else:
        gan.generator.save_weights(whole)
    data = open(whole, "rb").read()
    bad = str(tmp / f"{damage}{suffix}")
    with open(bad, "wb") as f:
        f.write(data[:len(data) // 2] if damage == "cut" else b"not a weights file\n")
    with pytest.raises(run.RunError) as error:
        run.main(**dict(kwargs, out_name=f"from_{damage}", init_generator=bad))
    assert str(error.value).startswith(f"init_generator={bad!r} is not a readable {suffix} file")
    assert not os.path.exists(os.path.join(kwargs["out_dir"], f"from_{damage}"))


def test_unreadable_files_among_the_first_batch_are_skipped_not_fatal(tmp_path):
    """A damaged photo among the first `batch_size` files once stopped the run
    ("fewer than one batch"), though the folder held plenty of readable ones."""
    _grey_pngs(tmp_path / "data" / "scans", [f"{i:02d}" for i in range(12)], size=32)
    for name in ("00.png", "01.png"):
        path = tmp_path / "data" / "scans" / name
        path.write_bytes(path.read_bytes()[:40])  # cut short
    gan, paths = run.main(**settings(tmp_path, dataset="scans", data_dir=str(tmp_path / "data"),
                                     input_fname_pattern="*.png", output_height=16,
                                     train=True, epoch=1))
    assert gan.step == 1  # 10 readable images: one batch of 8
    assert tf.train.latest_checkpoint(paths.checkpoint_dir).endswith("ckpt-1")


def gan_shape(paths, variable_path):
    gan = keras.saving.deserialize_keras_object(json.load(open(paths.model_json)))
    return next(v.shape for v in gan.variables if v.path.endswith(variable_path))


def test_a_whole_saved_dcgan_gives_its_networks_weights(scans_run, tmp_path):
    _, gan, paths, kwargs = scans_run
    whole = str(tmp_path / "whole.keras")
    gan.save(whole)
    config = run.resolve(run.RunConfig(**dict(kwargs, out_name="x", init_generator=whole,
                                              init_discriminator=whole)))
    fresh = run.build_gan(config, c_dim=1, seed=7)
    assert run.init_weights(config, fresh) == {"init_generator": whole,
                                               "init_discriminator": whole}
    for network in ("generator", "discriminator"):
        mine, theirs = getattr(fresh, network), getattr(gan, network)
        for a, b in zip(mine.variables, theirs.variables):
            np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=a.path)
    # The average of the generator (the command line's default) starts from
    # the loaded generator, not from the random weights it was built with.
    assert fresh.generator_ema is not None
    for a, b in zip(fresh.generator_ema.variables, gan.generator.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=a.path)


def test_epoch_e_s_order_depends_only_on_the_seed_and_e(tmp_path):
    config = run.resolve(run.RunConfig(dataset="mnist", data_dir=str(tmp_path), train=True,
                                       train_size=24, batch_size=8, seed=0))

    def labels(data):
        return [batch[1].numpy().tolist() for batch in data]

    whole = labels(run.epochs_data(config, 5, 0, 3))
    assert len(whole) == 9 and whole[0:3] != whole[3:6]  # each epoch its own order
    assert labels(run.epochs_data(config, 5, 1, 3)) == whole[3:]
    assert labels(run.epochs_data(config, 5, 1, 2, skip=2)) == whole[5:6]
    assert labels(run.epochs_data(config, 6, 0, 1)) != whole[0:3]
