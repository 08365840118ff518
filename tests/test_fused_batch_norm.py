"""FusedBatchNormalization computes what keras.layers.BatchNormalization does."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfdcgan.fused_batch_norm import FusedBatchNormalization

INIT_KWARGS = dict(momentum=0.9, epsilon=1e-5)


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    x = tf.constant(rng.normal(1.0, 3.0, (8, 4, 4, 16)).astype("float32"))
    dy = tf.constant(rng.normal(size=(8, 4, 4, 16)).astype("float32"))
    return x, dy


def layer_pair(shape=(None, 4, 4, 16)):
    """A Keras batch norm and a fused one with the same (random) gamma and beta."""
    rng = np.random.default_rng(1)
    gamma = rng.normal(size=shape[-1]).astype("float32")
    beta = rng.normal(size=shape[-1]).astype("float32")
    layers = []
    for cls in (keras.layers.BatchNormalization, FusedBatchNormalization):
        layer = cls(**INIT_KWARGS)
        layer.build(shape)
        layer.gamma.assign(gamma)
        layer.beta.assign(beta)
        layers.append(layer)
    return layers


def train_step(layer, x, dy):
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = layer(x, training=True)
        loss = tf.reduce_sum(y * dy)
    return [y] + tape.gradient(loss, [x, layer.gamma, layer.beta])


def test_training_matches_keras(data):
    x, dy = data
    keras_bn, fused = layer_pair()
    for _ in range(2):  # the second step starts from updated moving statistics
        for want, got in zip(train_step(keras_bn, x, dy), train_step(fused, x, dy)):
            np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)
    # The moving variance follows the biased batch variance, as in Keras.
    np.testing.assert_allclose(fused.moving_mean, keras_bn.moving_mean, atol=1e-6)
    np.testing.assert_allclose(fused.moving_variance, keras_bn.moving_variance, rtol=1e-5)


def test_inference_uses_moving_statistics(data):
    x, _ = data
    keras_bn, fused = layer_pair()
    for layer in (keras_bn, fused):
        layer.moving_mean.assign(np.linspace(-1, 1, 16).astype("float32"))
        layer.moving_variance.assign(np.linspace(0.5, 2, 16).astype("float32"))
    np.testing.assert_allclose(fused(x, training=False), keras_bn(x, training=False),
                               atol=1e-5)
    before = fused.moving_mean.numpy()
    fused(x, training=False)
    np.testing.assert_array_equal(fused.moving_mean.numpy(), before)


def test_frozen_layer_runs_in_inference_mode(data):
    x, _ = data
    keras_bn, fused = layer_pair()
    keras_bn.trainable = fused.trainable = False
    np.testing.assert_allclose(fused(x, training=True), keras_bn(x, training=True),
                               atol=1e-5)


def test_other_ranks_fall_back_to_keras(data):
    x, _ = data
    keras_bn, fused = layer_pair((None, 16))
    flat = tf.reshape(x, (-1, 16))
    np.testing.assert_allclose(fused(flat, training=True), keras_bn(flat, training=True),
                               atol=1e-5)


def test_mixed_precision_keeps_dtypes(data):
    x, _ = data
    layer = FusedBatchNormalization(dtype="mixed_float16", **INIT_KWARGS)
    assert layer(tf.cast(x, tf.float16), training=True).dtype == tf.float16
    assert layer.moving_mean.dtype == "float32"


def test_under_xla(data):
    x, _ = data
    keras_bn, fused = layer_pair()
    got = tf.function(lambda images: fused(images, training=True), jit_compile=True)(x)
    np.testing.assert_allclose(got, keras_bn(x, training=True), atol=1e-4)


def test_config_round_trip():
    layer = FusedBatchNormalization(**INIT_KWARGS)
    restored = keras.saving.deserialize_keras_object(
        keras.saving.serialize_keras_object(layer))
    assert isinstance(restored, FusedBatchNormalization)
    assert restored.get_config() == layer.get_config()
