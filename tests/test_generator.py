import numpy as np
import pytest
import tensorflow as tf

import tfdcgan
from tfdcgan import architecture

SIZES = [(28, 28), (32, 32), (64, 64), (96, 96), (108, 108), (128, 128), (64, 96)]
TINY = dict(gf_dim=4, z_dim=8)


@pytest.mark.parametrize("height,width", SIZES)
@pytest.mark.parametrize("c_dim", [1, 3])
@pytest.mark.parametrize("kernel_size", [4, 5])
def test_output_shape_and_range(height, width, c_dim, kernel_size):
    generator = tfdcgan.Generator(output_height=height, output_width=width, c_dim=c_dim,
                                  kernel_size=kernel_size, **TINY)
    images = generator(tf.random.uniform((3, 8), -1, 1), training=True)
    assert images.shape == (3, height, width, c_dim)
    assert images.dtype == tf.float32
    assert np.all(np.abs(images.numpy()) <= 1.0)


@pytest.mark.parametrize("height,width", SIZES)
def test_conditional_output_shape(height, width):
    generator = tfdcgan.Generator(output_height=height, output_width=width, c_dim=1,
                                  y_dim=10, **TINY)
    labels = tf.one_hot([0, 3, 9], 10)
    images = generator(tf.random.uniform((3, 8)), labels)
    assert images.shape == (3, height, width, 1)


def test_labels_change_the_image():
    generator = tfdcgan.Generator(output_height=28, c_dim=1, y_dim=10, seed=1, **TINY)
    z = tf.random.uniform((1, 8), seed=2)
    a = generator(z, tf.one_hot([1], 10))
    b = generator(z, tf.one_hot([7], 10))
    assert not np.allclose(a, b)


@pytest.mark.parametrize("size,layers,base", [
    (28, 3, 4), (32, 3, 4), (64, 4, 4), (96, 4, 6), (108, 5, 4), (128, 5, 4)])
def test_depth_follows_the_image_size(size, layers, base):
    generator = tfdcgan.Generator(output_height=size, c_dim=1, **TINY)
    assert generator.num_layers == layers
    assert len(generator.deconvs) == layers
    assert generator.project.units == base * base * 4 * 2**(layers - 1)


def test_num_layers_can_be_set():
    generator = tfdcgan.Generator(output_height=28, c_dim=1, num_layers=4, **TINY)
    assert len(generator.deconvs) == 4
    assert generator(tf.zeros((2, 8))).shape == (2, 28, 28, 1)


def test_dcgan_rules():
    generator = tfdcgan.Generator(output_height=64, c_dim=3)
    # Batch norm after the projection and every transposed convolution but the last.
    assert len(generator.norms) == generator.num_layers - 1
    assert all(norm.momentum == 0.9 and norm.epsilon == 1e-5 for norm in generator.norms)
    assert all(d.strides == (2, 2) for d in generator.deconvs)
    assert generator.deconvs[-1].filters == 3
    assert [d.filters for d in generator.deconvs[:-1]] == [256, 128, 64]
    kernel = generator.deconvs[0].kernel.numpy()
    assert abs(kernel.mean()) < 0.002 and abs(kernel.std() - 0.02) < 0.002


def test_config_round_trip_gives_the_same_network():
    generator = tfdcgan.Generator(output_height=32, output_width=48, c_dim=3, y_dim=4,
                                  kernel_size=4, seed=3, **TINY)
    clone = tfdcgan.Generator.from_config(generator.get_config())
    assert clone.get_config() == generator.get_config()
    clone.set_weights(generator.get_weights())
    z, labels = tf.random.uniform((2, 8)), tf.one_hot([0, 1], 4)
    np.testing.assert_allclose(clone(z, labels), generator(z, labels), atol=1e-6)


def test_same_seed_same_weights():
    a = tfdcgan.Generator(output_height=28, c_dim=1, seed=5, **TINY)
    b = tfdcgan.Generator(output_height=28, c_dim=1, seed=5, **TINY)
    for x, y in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(x, y)
    # Layers do not share initial values.
    assert not np.allclose(a.deconvs[0].kernel.numpy().ravel()[:10],
                           a.deconvs[1].kernel.numpy().ravel()[:10])


@pytest.mark.parametrize("kwargs,named", [
    (dict(output_height=0), "output_height"),
    (dict(output_height=-28), "output_height"),
    (dict(output_height=28, output_width=0), "output_width"),
    (dict(c_dim=0), "c_dim"),
    (dict(z_dim=-1), "z_dim"),
    (dict(kernel_size=0), "kernel_size"),
    (dict(y_dim=0), "y_dim"),
    (dict(num_layers=0), "num_layers"),
])
def test_bad_sizes_raise_value_error_naming_the_value(kwargs, named):
    with pytest.raises(ValueError, match=named):
        tfdcgan.Generator(**kwargs)


def test_labels_missing_or_unexpected():
    conditional = tfdcgan.Generator(output_height=28, c_dim=1, y_dim=10, **TINY)
    with pytest.raises(ValueError, match="y_dim=10"):
        conditional(tf.zeros((2, 8)))
    with pytest.raises(ValueError, match=r"\[batch, 10\]"):
        conditional(tf.zeros((2, 8)), tf.zeros((2, 3)))
    unconditional = tfdcgan.Generator(output_height=28, c_dim=1, **TINY)
    with pytest.raises(ValueError, match="unconditional"):
        unconditional(tf.zeros((2, 8)), tf.zeros((2, 10)))


def test_feature_map_sizes_match_carpedm20():
    # carpedm20: s_h2 = conv_out_size_same(s_h, 2), ... for 108 -> 54, 27, 14, 7.
    assert architecture.feature_map_sizes(108, 108, 4) == [
        (108, 108), (54, 54), (27, 27), (14, 14), (7, 7)]
    assert architecture.feature_map_sizes(28, 28, 4)[-1] == (2, 2)
