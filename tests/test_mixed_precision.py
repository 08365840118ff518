import json
import os

import keras
import numpy as np
import pytest
import tensorflow as tf

import tfdcgan
from tfdcgan.gan import dtype_policy_scope


@pytest.fixture
def policy(request):
    with dtype_policy_scope(request.param):
        yield request.param


@pytest.mark.parametrize("policy", ["mixed_float16", "mixed_bfloat16"], indirect=True)
def test_trains_with_finite_losses_and_float32_outputs(policy):
    gan = tfdcgan.DCGAN(output_height=28, c_dim=1, z_dim=16, gf_dim=8, df_dim=8, seed=0)
    gan.compile()
    compute = "float16" if policy == "mixed_float16" else "bfloat16"
    assert gan.generator.deconvs[0].compute_dtype == compute
    assert gan.generator.deconvs[0].kernel.dtype == "float32"
    wrapped = isinstance(gan.d_optimizer, keras.optimizers.LossScaleOptimizer)
    assert wrapped == (policy == "mixed_float16")
    assert gan.generator(gan.sample_z(2)).dtype == tf.float32
    assert gan.discriminator(tf.zeros((2, 28, 28, 1))).dtype == tf.float32
    data = np.random.default_rng(0).uniform(-1, 1, (64, 28, 28, 1)).astype("float32")
    before = [v.numpy().copy() for v in gan.generator.trainable_variables]
    history = gan.fit(data, batch_size=16, epochs=1, verbose=0).history
    assert all(np.isfinite(v).all() for v in history.values())
    assert any(not np.array_equal(b, v.numpy())
               for b, v in zip(before, gan.generator.trainable_variables))
    images = gan.generate(4, seed=0)
    assert images.dtype == np.uint8 and images.shape == (4, 28, 28, 1)


@pytest.mark.parametrize("mixed", ["mixed_float16", "mixed_bfloat16"])
def test_a_mixed_precision_run_trains_resumes_and_loads_under_its_policy(mixed, tmp_path):
    """`--mixed_precision` from the command line's one call: the networks
    compute in the policy's type, the process keeps float32 as its policy,
    a resumed run trains on and test mode rebuilds the same model."""
    from tfdcgan import run
    compute = mixed.replace("mixed_", "")
    kwargs = dict(dataset="mnist", data_dir=str(tmp_path / "no_data"),
                  out_dir=str(tmp_path / "out"), logs_dir=str(tmp_path / "logs"),
                  batch_size=8, gf_dim=4, df_dim=4, z_dim=6, g_steps=1, seed=0,
                  train_size=16, mixed_precision=mixed, train=True, epoch=1)
    gan, _ = run.main(**kwargs)
    assert gan.generator.deconvs[0].compute_dtype == compute
    assert gan.discriminator.convs[0].compute_dtype == compute
    assert keras.config.dtype_policy().name == "float32"
    assert gan.step == 2

    gan, run_dir = run.main(**dict(kwargs, epoch=2))
    assert gan.step == 4
    stats = [json.loads(line) for line in open(os.path.join(run_dir.run_dir, "stats.jsonl"))]
    assert stats and all(np.isfinite(v) for row in stats for k, v in row.items()
                         if k.endswith("loss"))

    loaded, _ = run.main(**dict(kwargs, train=False, generate=3))
    assert loaded.step == 4
    assert loaded.generator.deconvs[0].compute_dtype == compute
    assert isinstance(loaded.d_optimizer, keras.optimizers.LossScaleOptimizer) == (
        mixed == "mixed_float16")
    np.testing.assert_array_equal(loaded.generate(3, seed=0), gan.generate(3, seed=0))
    assert sorted(os.listdir(os.path.join(run_dir.run_dir, "generated"))) == [
        "000000.png", "000001.png", "000002.png"]


@pytest.mark.parametrize("model", ["DCGAN", "BasicGAN"])
def test_the_dtype_argument_reaches_the_networks_and_survives_save_and_load(model, tmp_path):
    """`DCGAN(dtype="mixed_bfloat16")` under Keras's float32 default: the
    networks compute in bfloat16, and `keras.models.load_model` rebuilds them
    so (not under whatever policy the loading process has)."""
    gan = getattr(tfdcgan, model)(output_height=28, c_dim=1, z_dim=8, seed=0,
                                  dtype="mixed_bfloat16")
    gan.compile()
    assert keras.config.dtype_policy().name == "float32"
    layers = [layer for net in (gan.generator, gan.discriminator)
              for layer in net._flatten_layers() if layer.weights]
    # (D's logit stays float32, as every output layer does.)
    assert {layer.dtype_policy.name for layer in layers if layer.name != "logit"} == {
        "mixed_bfloat16"}
    data = np.random.default_rng(0).uniform(-1, 1, (16, 28, 28, 1)).astype("float32")
    gan.fit(data, batch_size=8, epochs=1, verbose=0)
    path = str(tmp_path / "gan.keras")
    gan.save(path)
    loaded = keras.models.load_model(path)
    assert loaded.generator.dtype_policy.name == "mixed_bfloat16"
    assert loaded.discriminator.dtype_policy.name == "mixed_bfloat16"
    np.testing.assert_array_equal(loaded.generate(4, seed=1), gan.generate(4, seed=1))


def test_a_bfloat16_generator_exports_in_float32_for_serving_and_tflite(tmp_path):
    """TFLite's converter refuses bfloat16 convolutions: the export serves a float32
    copy with the same weights, whose images match `generate()`'s up to the
    rounding of bfloat16."""
    from tfdcgan import export
    gan = tfdcgan.DCGAN(output_height=28, c_dim=1, z_dim=8, gf_dim=8, df_dim=8, y_dim=10,
                        seed=0, dtype="mixed_bfloat16")
    saved = export.export_saved_model(gan, str(tmp_path / "saved_model"))
    lite = export.export_tflite(saved, str(tmp_path / "generator.tflite"))
    assert gan.generator.compute_dtype == "bfloat16"  # the model itself is left as it was
    z, labels = gan.sample_z(6, seed=1).numpy(), np.arange(6) % 10
    one_hot = np.eye(10, dtype=np.float32)[labels]
    expected = gan.generate(6, seed=1, labels=labels).astype(int)
    served = tf.saved_model.load(saved).signatures["serving_default"](
        z=tf.constant(z), labels=tf.constant(one_hot))["images"].numpy().astype(int)
    assert served.shape == expected.shape
    assert np.abs(served - expected).max() <= 2
    assert np.abs(export.run_tflite(lite, z, one_hot).astype(int) - served).max() <= 1
