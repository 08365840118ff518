import numpy as np
import pytest
import tensorflow as tf

import tfdcgan
from tfdcgan import export

TINY = dict(output_height=12, output_width=16, c_dim=3, z_dim=8, gf_dim=4, df_dim=4)


def trained_looking_gan(**kwargs):
    """A tiny model with batch-norm statistics moved off their defaults, so an
    export that ran batch norm in training mode would give other images."""
    gan = tfdcgan.DCGAN(**{**TINY, "seed": 4, **kwargs})
    gan.compile()
    labels = gan.one_hot(np.arange(16) % gan.y_dim) if gan.y_dim else None
    for _ in range(3):
        gan.generator(gan.sample_z(16), labels, training=True)
    return gan


@pytest.mark.parametrize("y_dim", [None, 3])
def test_saved_model_reloads_and_gives_generate_s_images(tmp_path, y_dim):
    gan = trained_looking_gan(y_dim=y_dim)
    path = export.export_saved_model(gan, str(tmp_path / "saved_model"))
    serving = tf.saved_model.load(path)
    signature = serving.signatures["serving_default"]
    z = gan.sample_z(5, seed=9)
    inputs = {"z": z}
    labels = None
    if y_dim:
        labels = np.array([0, 1, 2, 0, 1])
        inputs["labels"] = tf.constant(np.eye(3, dtype=np.float32)[labels])
    images = signature(**inputs)["images"].numpy()
    assert images.dtype == np.uint8 and images.shape == (5, 12, 16, 3)
    np.testing.assert_array_equal(images, gan.generate(5, seed=9, labels=labels))
    # The endpoint is also a method, with any batch size.
    method = serving.serve(*inputs.values())["images"]
    np.testing.assert_array_equal(method.numpy(), images)


@pytest.mark.slow
@pytest.mark.parametrize("y_dim", [None, 3])
def test_tflite_model_matches_within_one_grey_level(tmp_path, y_dim):
    gan = trained_looking_gan(y_dim=y_dim)
    saved = export.export_saved_model(gan, str(tmp_path / "saved_model"))
    path = export.export_tflite(saved, str(tmp_path / "g.tflite"))
    z = gan.sample_z(4, seed=3).numpy()
    labels = np.eye(3, dtype=np.float32)[[2, 1, 0, 2]] if y_dim else None
    images = export.run_tflite(path, z, labels)
    expected = gan.generate(4, seed=3, labels=labels)
    assert images.dtype == np.uint8 and images.shape == expected.shape
    assert np.abs(images.astype(int) - expected.astype(int)).max() <= 1


@pytest.mark.parametrize("y_dim", [None, 3])
def test_keras_export_serves_the_model_s_call(tmp_path, y_dim):
    # A Keras user's `model.export(path)`, no input signature given: the
    # generator's float images in inference mode, as `gan(z)` returns them.
    gan = trained_looking_gan(y_dim=y_dim)
    gan.export(str(tmp_path / "keras_export"), verbose=False)
    serving = tf.saved_model.load(str(tmp_path / "keras_export"))
    inputs = gan.sample_z(5, seed=9)
    if y_dim:
        inputs = {"z": inputs, "labels": gan.one_hot(np.array([0, 1, 2, 0, 1]))}
    images = serving.serve(inputs).numpy()
    assert images.dtype == np.float32 and images.shape == (5, 12, 16, 3)
    np.testing.assert_allclose(images, gan(inputs).numpy(), atol=1e-6)
    # The batch size is free.
    batch_of_one = tf.nest.map_structure(lambda x: x[:1], inputs)
    assert serving.serve(batch_of_one).shape == (1, 12, 16, 3)


def test_a_model_with_an_average_exports_the_average(tmp_path):
    gan = trained_looking_gan(ema_decay=0.9)
    gan.fit(np.random.default_rng(0).uniform(-1, 1, (16, 12, 16, 3)).astype("float32"),
            batch_size=8, epochs=1, verbose=0)
    serving = tf.saved_model.load(export.export_saved_model(gan, str(tmp_path / "saved")))
    z = gan.sample_z(5, seed=9)
    images = serving.serve(z)["images"].numpy()
    np.testing.assert_array_equal(images, gan.generate(5, seed=9))
    own = tfdcgan.gan.to_uint8(gan.generator(z, training=False)).numpy()
    assert not np.array_equal(images, own)
