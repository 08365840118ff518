import numpy as np
import pytest
import tensorflow as tf

import tfdcgan

SIZES = [(28, 28), (32, 32), (64, 64), (96, 96), (108, 108), (128, 128), (64, 96)]


@pytest.mark.parametrize("height,width", SIZES)
@pytest.mark.parametrize("c_dim", [1, 3])
@pytest.mark.parametrize("y_dim", [None, 10])
def test_one_logit_per_image(height, width, c_dim, y_dim):
    discriminator = tfdcgan.Discriminator(input_height=height, input_width=width,
                                          c_dim=c_dim, df_dim=4, y_dim=y_dim)
    images = tf.random.uniform((3, height, width, c_dim), -1, 1)
    labels = None if y_dim is None else tf.one_hot([0, 1, 2], y_dim)
    logits = discriminator(images, labels, training=True)
    assert logits.shape == (3, 1)
    assert logits.dtype == tf.float32
    assert np.all(np.isfinite(logits))


def test_dcgan_rules():
    discriminator = tfdcgan.Discriminator(input_height=64, c_dim=3)
    assert [c.filters for c in discriminator.convs] == [64, 128, 256, 512]
    assert all(c.strides == (2, 2) for c in discriminator.convs)
    # Batch norm on every convolution but the first.
    assert len(discriminator.norms) == len(discriminator.convs) - 1
    assert discriminator.activation.negative_slope == pytest.approx(0.2)
    assert discriminator.logit.units == 1


def test_mirrors_the_generator_depth():
    for size in (28, 32, 64, 96, 128):
        g = tfdcgan.Generator(output_height=size, c_dim=1, gf_dim=4)
        d = tfdcgan.Discriminator(input_height=size, c_dim=1, df_dim=4)
        assert len(d.convs) == len(g.deconvs)


def test_wrong_image_shape_names_expected_and_given():
    discriminator = tfdcgan.Discriminator(input_height=28, c_dim=1, df_dim=4)
    with pytest.raises(ValueError, match=r"\[batch, 28, 28, 1\].*\[2, 28, 28, 3\]"):
        discriminator(tf.zeros((2, 28, 28, 3)))
    with pytest.raises(ValueError, match=r"\[batch, 28, 28, 1\].*\[2, 32, 32, 1\]"):
        discriminator(tf.zeros((2, 32, 32, 1)))


def test_config_round_trip():
    discriminator = tfdcgan.Discriminator(input_height=32, input_width=24, c_dim=3,
                                          df_dim=4, kernel_size=4, y_dim=3, seed=1)
    clone = tfdcgan.Discriminator.from_config(discriminator.get_config())
    clone.set_weights(discriminator.get_weights())
    images, labels = tf.random.uniform((2, 32, 24, 3)), tf.one_hot([0, 2], 3)
    np.testing.assert_allclose(clone(images, labels), discriminator(images, labels),
                               atol=1e-6)
