"""GAN losses on discriminator logits, real = 1 and fake = 0.

Every loss comes as a pair with one signature, so swapping one is a one-word
change (`DCGAN.compile(loss="least_squares")`):

    *_discriminator_loss(real_logits, fake_logits) -> (real_loss, fake_loss)
    *_generator_loss(fake_logits) -> loss

Logits are `[batch, 1]` (or `[batch]`); every loss is per example, shape
`[batch]`, float32, so the caller chooses the reduction (the model averages
over the global batch, which is what `tf.distribute` needs).
"""

import collections

import tensorflow as tf

GANLoss = collections.namedtuple("GANLoss", ["discriminator", "generator"])


def _flat(logits):
    return tf.reshape(tf.cast(logits, tf.float32), [-1])


def non_saturating_discriminator_loss(real_logits, fake_logits):
    """-log D(x) and -log(1 - D(G(z))), D = sigmoid(logits)."""
    return tf.nn.softplus(-_flat(real_logits)), tf.nn.softplus(_flat(fake_logits))


def non_saturating_generator_loss(fake_logits):
    """-log D(G(z)): the generator loss the DCGAN paper trains with."""
    return tf.nn.softplus(-_flat(fake_logits))


def minimax_discriminator_loss(real_logits, fake_logits):
    """Same as the non-saturating discriminator loss (Goodfellow et al. 2014)."""
    return non_saturating_discriminator_loss(real_logits, fake_logits)


def minimax_generator_loss(fake_logits):
    """log(1 - D(G(z))), minimised: the original, saturating form."""
    return -tf.nn.softplus(_flat(fake_logits))


def least_squares_discriminator_loss(real_logits, fake_logits):
    """0.5 (D(x) - 1)^2 and 0.5 D(G(z))^2 on the raw outputs (Mao et al. 2017)."""
    real, fake = _flat(real_logits), _flat(fake_logits)
    return 0.5 * tf.square(real - 1.0), 0.5 * tf.square(fake)


def least_squares_generator_loss(fake_logits):
    """0.5 (D(G(z)) - 1)^2 on the raw outputs."""
    return 0.5 * tf.square(_flat(fake_logits) - 1.0)


_LOSSES = {
    "non_saturating": GANLoss(non_saturating_discriminator_loss,
                              non_saturating_generator_loss),
    "minimax": GANLoss(minimax_discriminator_loss, minimax_generator_loss),
    "least_squares": GANLoss(least_squares_discriminator_loss,
                             least_squares_generator_loss),
}


def names():
    """The names `get` accepts."""
    return sorted(_LOSSES)


def get(name):
    """The `GANLoss(discriminator, generator)` pair called `name`."""
    if isinstance(name, GANLoss):
        return name
    if name not in _LOSSES:
        raise ValueError(f"Unknown loss {name!r}; expected one of {names()}.")
    return _LOSSES[name]
