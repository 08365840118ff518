import math

import numpy as np
import pytest
import tensorflow as tf

from tfdcgan import losses

REAL = np.array([[2.0], [-1.0], [0.0]], np.float32)
FAKE = np.array([[-3.0], [0.5], [0.0]], np.float32)


def sigmoid(x):
    return 1.0 / (1.0 + math.exp(-x))


def test_non_saturating_matches_hand_computed_values():
    real_loss, fake_loss = losses.non_saturating_discriminator_loss(REAL, FAKE)
    expected_real = [-math.log(sigmoid(x)) for x in REAL[:, 0]]
    expected_fake = [-math.log(1 - sigmoid(x)) for x in FAKE[:, 0]]
    np.testing.assert_allclose(real_loss, expected_real, rtol=1e-6)
    np.testing.assert_allclose(fake_loss, expected_fake, rtol=1e-6)
    np.testing.assert_allclose(
        losses.non_saturating_generator_loss(FAKE),
        [-math.log(sigmoid(x)) for x in FAKE[:, 0]], rtol=1e-6)
    # At logit 0 (D undecided) every term is log 2.
    assert float(real_loss[2]) == pytest.approx(math.log(2), rel=1e-6)


def test_minimax_generator_loss_is_log_one_minus_d():
    expected = [math.log(1 - sigmoid(x)) for x in FAKE[:, 0]]
    np.testing.assert_allclose(losses.minimax_generator_loss(FAKE), expected, rtol=1e-6)
    real_loss, fake_loss = losses.minimax_discriminator_loss(REAL, FAKE)
    ns_real, ns_fake = losses.non_saturating_discriminator_loss(REAL, FAKE)
    np.testing.assert_allclose(real_loss, ns_real)
    np.testing.assert_allclose(fake_loss, ns_fake)


def test_least_squares_matches_hand_computed_values():
    real_loss, fake_loss = losses.least_squares_discriminator_loss(REAL, FAKE)
    np.testing.assert_allclose(real_loss, [0.5, 2.0, 0.5], rtol=1e-6)
    np.testing.assert_allclose(fake_loss, [4.5, 0.125, 0.0], rtol=1e-6)
    np.testing.assert_allclose(
        losses.least_squares_generator_loss(FAKE), [8.0, 0.125, 0.5], rtol=1e-6)


def test_losses_are_per_example_float32_and_stable_for_large_logits():
    big = np.array([[80.0], [-80.0]], np.float16)
    for name in losses.names():
        pair = losses.get(name)
        real_loss, fake_loss = pair.discriminator(big, big)
        g_loss = pair.generator(big)
        for value in (real_loss, fake_loss, g_loss):
            assert value.dtype == tf.float32
            assert value.shape == (2,)
            assert np.all(np.isfinite(value))


def test_unknown_loss_names_the_choices():
    with pytest.raises(ValueError, match="least_squares"):
        losses.get("wasserstein")
