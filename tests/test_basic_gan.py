import numpy as np
import pytest
import tensorflow as tf
import keras

import tfdcgan
from tfdcgan.basic_gan import MLPDiscriminator, MLPGenerator
import shared_data

TINY = dict(output_height=28, c_dim=1, z_dim=16, g_units=(32, 64), d_units=(64, 32))


def tiny_gan(**kwargs):
    gan = tfdcgan.BasicGAN(**{**TINY, "seed": 1, **kwargs})
    gan.compile()
    return gan


def random_images(n=32, shape=(28, 28, 1), seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, (n,) + shape).astype("float32")


def snapshot(variables):
    return [v.numpy().copy() for v in variables]


@pytest.mark.parametrize("shape", [(28, 28, 1), (32, 32, 3), (24, 40, 3)])
def test_networks_map_noise_to_images_in_range_and_images_to_one_logit(shape):
    h, w, c = shape
    g = MLPGenerator(output_height=h, output_width=w, c_dim=c, z_dim=8, units=(16,),
                     seed=0)
    d = MLPDiscriminator(input_height=h, input_width=w, c_dim=c, units=(16,), seed=0)
    images = g(tf.random.normal((5, 8)) * 10.0)
    assert images.shape == (5, h, w, c) and images.dtype == tf.float32
    assert float(tf.reduce_min(images)) >= -1.0 and float(tf.reduce_max(images)) <= 1.0
    assert d(images).shape == (5, 1)
    # Fully connected: no convolution anywhere.
    for net in (g, d):
        assert not [layer for layer in net._flatten_layers()
                    if isinstance(layer, keras.layers.Conv2D)]


def test_generate_returns_uint8_images_reproducibly():
    gan = tiny_gan()
    a, b = gan.generate(10, seed=3), gan.generate(10, seed=3)
    assert a.shape == (10, 28, 28, 1) and a.dtype == np.uint8
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, gan.generate(10, seed=4))


def test_fit_updates_both_networks_and_reports_the_gan_metrics():
    gan = tiny_gan(g_steps=2)
    g_before = snapshot(gan.generator.trainable_variables)
    d_before = snapshot(gan.discriminator.trainable_variables)
    history = gan.fit(random_images(64), batch_size=16, epochs=1, verbose=0)
    assert {"d_loss", "g_loss", "d_real", "d_fake"} <= set(history.history)
    for before, net in ((g_before, gan.generator), (d_before, gan.discriminator)):
        assert all(not np.array_equal(b, v.numpy())
                   for b, v in zip(before, net.trainable_variables))
    assert gan.g_optimizer.iterations.numpy() == 2 * gan.d_optimizer.iterations.numpy()


def test_fit_on_real_mnist_teaches_the_discriminator_real_from_fake():
    images = shared_data.mnist_train_images(1024)
    gan = tiny_gan(z_dim=32, g_units=(64, 128), d_units=(128, 64), seed=0)
    gan.fit(images, batch_size=64, epochs=2, verbose=0)
    real = tf.sigmoid(gan.discriminator(tf.constant(images[:256])))
    fake = tf.sigmoid(gan.discriminator(gan.generator(gan.sample_z(256, seed=0))))
    assert float(tf.reduce_mean(real)) > float(tf.reduce_mean(fake))


def test_conditional_model_takes_labels_and_generates_per_label():
    gan = tiny_gan(y_dim=10)
    labels = np.arange(32) % 10
    gan.fit(random_images(32), labels, batch_size=16, epochs=1, verbose=0)
    same_z = gan.generator(tf.zeros((2, 16)), tf.one_hot([1, 7], 10))
    assert not np.allclose(same_z[0], same_z[1])
    assert gan.generate(4, seed=0, labels=[0, 1, 2, 3]).shape == (4, 28, 28, 1)
    with pytest.raises(ValueError, match="no labels"):
        gan.fit(random_images(32), batch_size=16, verbose=0)


def test_config_round_trip_and_save_load_reproduce_generate(tmp_path):
    gan = tiny_gan(z_dist="normal", g_steps=2)
    gan.fit(random_images(32), batch_size=16, epochs=1, verbose=0)
    config = gan.get_config()
    assert config["g_units"] == [32, 64] and config["d_units"] == [64, 32]
    clone = tfdcgan.BasicGAN.from_config(config)
    assert clone.get_config() == config
    path = str(tmp_path / "basic.keras")
    gan.save(path)
    loaded = keras.models.load_model(path)
    assert isinstance(loaded, tfdcgan.BasicGAN)
    np.testing.assert_array_equal(loaded.generate(8, seed=5), gan.generate(8, seed=5))
    assert loaded.g_optimizer.iterations.numpy() == gan.g_optimizer.iterations.numpy()


def test_bad_arguments_and_data_are_value_errors():
    with pytest.raises(ValueError, match="units"):
        tfdcgan.BasicGAN(**{**TINY, "g_units": ()})
    with pytest.raises(ValueError, match="units"):
        tfdcgan.BasicGAN(**{**TINY, "d_units": (8, 0)})
    with pytest.raises(ValueError, match="output_height"):
        tfdcgan.BasicGAN(**{**TINY, "output_height": 0})
    gan = tiny_gan()
    with pytest.raises(ValueError, match=r"\[batch, 28, 28, 1\]"):
        gan.fit(random_images(32, (32, 32, 1)), batch_size=16, verbose=0)


def test_tf_train_checkpoint_saves_and_restores_every_variable(tmp_path):
    # What RunCheckpoint (and so the CLI's resume and test mode) relies on, with
    # and without the optimizers in the checkpoint.
    gan = tiny_gan()
    gan.fit(random_images(32), batch_size=16, epochs=1, verbose=0)
    for name, objects in (("model", lambda g: {"model": g}),
                          ("all", lambda g: {"model": g, "d_optimizer": g.d_optimizer,
                                             "g_optimizer": g.g_optimizer})):
        path = tf.train.Checkpoint(**objects(gan)).save(str(tmp_path / name))
        fresh = tiny_gan(seed=2)
        tf.train.Checkpoint(**objects(fresh)).restore(path).assert_existing_objects_matched()
        for a, b in zip(gan.generator.variables + gan.discriminator.variables,
                        fresh.generator.variables + fresh.discriminator.variables):
            np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=f"{name} {a.path}")
        np.testing.assert_array_equal(fresh.generate(4, seed=0), gan.generate(4, seed=0))
