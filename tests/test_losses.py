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


def test_every_loss_the_rules_allow_is_implemented_and_no_other():
    from tfdcgan import rules

    assert losses.HEADS == rules.D_HEADS
    assert {head: tuple(losses.names(head)) for head in losses.HEADS} == rules.LOSSES


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


# One-sided label smoothing: real images' target is real_label, fakes keep 0.

@pytest.mark.parametrize("name", ["non_saturating", "minimax"])
def test_a_real_label_below_one_is_cross_entropy_against_that_target(name):
    real_loss, fake_loss = losses.get(name).discriminator(REAL, FAKE, real_label=0.9)
    expected = [-(0.9 * math.log(sigmoid(x)) + 0.1 * math.log(1 - sigmoid(x)))
                for x in REAL[:, 0]]
    np.testing.assert_allclose(real_loss, expected, rtol=1e-6)
    _, hard_fake = losses.get(name).discriminator(REAL, FAKE)
    np.testing.assert_allclose(fake_loss, hard_fake)  # one-sided: fakes keep 0
    # The smoothed loss is lowest where D(x) = 0.9, not at D(x) -> 1.
    logit = math.log(0.9 / 0.1)
    around = np.array([[logit - 0.1], [logit], [logit + 0.1]], np.float32)
    smoothed, _ = losses.non_saturating_discriminator_loss(around, around, real_label=0.9)
    assert float(smoothed[1]) < min(float(smoothed[0]), float(smoothed[2]))


def test_real_label_may_be_a_tensor_inside_a_tf_function():
    @tf.function
    def smoothed(real_label):
        return losses.non_saturating_discriminator_loss(REAL, FAKE, real_label=real_label)

    real_loss, _ = smoothed(tf.constant(0.9))
    expected, _ = losses.non_saturating_discriminator_loss(REAL, FAKE, real_label=0.9)
    np.testing.assert_allclose(real_loss, expected, rtol=1e-6)
    hard, _ = smoothed(tf.constant(1.0))
    np.testing.assert_array_equal(hard, tf.nn.softplus(-REAL[:, 0]))  # exactly -log D


def test_least_squares_real_label_replaces_the_one():
    real_loss, fake_loss = losses.least_squares_discriminator_loss(REAL, FAKE, real_label=0.9)
    np.testing.assert_allclose(real_loss, [0.5 * (x - 0.9) ** 2 for x in REAL[:, 0]],
                               rtol=1e-6)
    np.testing.assert_allclose(fake_loss, [4.5, 0.125, 0.0], rtol=1e-6)


@pytest.mark.parametrize("name", ["non_saturating", "minimax"])
def test_two_logit_real_label_equals_the_one_logit_loss_on_the_difference(name):
    rng = np.random.default_rng(1)
    real, fake = (rng.normal(size=(5, 2)).astype(np.float32) for _ in range(2))
    two = losses.get(name, head="two_logit").discriminator(real, fake, real_label=0.8)
    one = losses.get(name).discriminator(_difference(real), _difference(fake),
                                         real_label=0.8)
    for two_logit, one_logit in zip(two, one):
        np.testing.assert_allclose(two_logit, one_logit, rtol=1e-5, atol=1e-6)


def test_smoothed_losses_stay_finite_for_large_logits():
    big = np.array([[80.0], [-80.0]], np.float16)
    for name in losses.names():
        real_loss, _ = losses.get(name).discriminator(big, big, real_label=0.9)
        assert real_loss.dtype == tf.float32 and np.all(np.isfinite(real_loss))


def test_label_smoothing_with_a_loss_that_takes_no_real_label_names_the_setting():
    def hinge(real_logits, fake_logits):
        return real_logits, fake_logits

    pair = losses.GANLoss(hinge, losses.non_saturating_generator_loss)
    losses.check_real_label(pair, 0.0)  # hard labels: any loss will do
    with pytest.raises(ValueError, match="label_smoothing=0.1: .*'hinge' takes no real_label"):
        losses.check_real_label(pair, 0.1)
