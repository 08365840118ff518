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


# Two-logit discriminator outputs, [fake, real], spread over the sigmoid's range.
TWO_LOGITS = np.random.default_rng(0).normal(0.0, 4.0, (64, 2)).astype(np.float32)


def _difference(two_logits):
    """real - fake: the one logit a two-logit head amounts to, [batch, 1]."""
    return (two_logits[:, 1] - two_logits[:, 0])[:, None]


@pytest.mark.parametrize("name", losses.names("two_logit"))
def test_two_logit_losses_equal_the_sigmoid_losses_on_the_logit_difference(name):
    real, fake = TWO_LOGITS[:32], TWO_LOGITS[32:]
    two, one = losses.get(name, head="two_logit"), losses.get(name)
    for two_logit, one_logit in zip(two.discriminator(real, fake),
                                    one.discriminator(_difference(real), _difference(fake))):
        assert two_logit.dtype == tf.float32 and two_logit.shape == (32,)
        np.testing.assert_allclose(two_logit, one_logit, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(two.generator(fake), one.generator(_difference(fake)),
                               rtol=1e-5, atol=1e-6)


def test_two_logit_losses_are_softmax_cross_entropy_with_real_as_class_1():
    logits = np.array([[0.0, 0.0], [1.0, 3.0]], np.float32)  # [fake, real]
    real_loss, fake_loss = losses.two_logit_non_saturating_discriminator_loss(logits, logits)
    p_real = [0.5, math.exp(3) / (math.exp(1) + math.exp(3))]
    np.testing.assert_allclose(real_loss, [-math.log(p) for p in p_real], rtol=1e-6)
    np.testing.assert_allclose(fake_loss, [-math.log(1 - p) for p in p_real], rtol=1e-6)
    np.testing.assert_allclose(losses.real_probability(logits), p_real, rtol=1e-6)
    np.testing.assert_allclose(losses.real_probability(_difference(logits)), p_real,
                               rtol=1e-6)


def test_least_squares_has_no_two_logit_form():
    with pytest.raises(ValueError, match="two_logit"):
        losses.get("least_squares", head="two_logit")
