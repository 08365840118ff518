"""GAN losses on discriminator logits, real = 1 and fake = 0.

Every loss comes as a pair with one signature, so swapping one is a one-word
change (`DCGAN.compile(loss="least_squares")`):

    *_discriminator_loss(real_logits, fake_logits, real_label=1.0) -> (real_loss, fake_loss)
    *_generator_loss(fake_logits) -> loss

Logits are `[batch, 1]` (or `[batch]`); every loss is per example, shape
`[batch]`, float32, so the caller chooses the reduction (the model averages
over the global batch, which is what `tf.distribute` needs).

A two-logit discriminator (`Discriminator(head="two_logit")`, after
sugyan/tf-dcgan) gives `[batch, 2]` logits, `[fake, real]`, so a column's
index is the label (real = 1, fake = 0), and is trained with softmax
cross-entropy: `get(name, head="two_logit")` returns the pair of that name
for such logits. Softmax over two logits is the sigmoid of their
difference, so each equals the one-logit loss of `real - fake`; only the
parameterisation differs.

`real_label` is the discriminator's target for real images: 1 by default;
below 1 it is one-sided label smoothing (Salimans et al. 2016, "Improved
Techniques for Training GANs": real images get 1 - s, fakes keep 0; the
PyTorch DCGAN scripts' `real_label = 0.9`). `DCGAN.compile(label_smoothing=s)`
passes it; a `GANLoss` of your own needs the argument only to be used so.
"""

import collections
import inspect

import keras
import tensorflow as tf

from tfdcgan import rules

GANLoss = collections.namedtuple("GANLoss", ["discriminator", "generator"])

HEADS = rules.D_HEADS
ONE_LOGIT, TWO_LOGIT = HEADS
REAL, FAKE = 1, 0  # labels, and the columns of two logits


def _flat(logits):
    return tf.reshape(tf.cast(logits, tf.float32), [-1])


def _binary_cross_entropy(logits, label):
    """Cross-entropy of sigmoid(logits) against the target probability
    `label`: -label log D - (1 - label) log(1 - D), from the logits."""
    logits = _flat(logits)
    # -log(1 - D) = -log D + logits, so the mix is -log D + (1 - label) logits;
    # a hard label adds exactly 0. `label` may be a float or a tensor.
    return tf.nn.softplus(-logits) + (1.0 - label) * logits


def non_saturating_discriminator_loss(real_logits, fake_logits, real_label=1.0):
    """-log D(x) and -log(1 - D(G(z))), D = sigmoid(logits); with
    `real_label` < 1 the real term is the cross-entropy against that target."""
    return _binary_cross_entropy(real_logits, real_label), tf.nn.softplus(_flat(fake_logits))


def non_saturating_generator_loss(fake_logits):
    """-log D(G(z)): the generator loss the DCGAN paper trains with."""
    return tf.nn.softplus(-_flat(fake_logits))


def minimax_discriminator_loss(real_logits, fake_logits, real_label=1.0):
    """Same as the non-saturating discriminator loss (Goodfellow et al. 2014)."""
    return non_saturating_discriminator_loss(real_logits, fake_logits, real_label)


def minimax_generator_loss(fake_logits):
    """log(1 - D(G(z))), minimised: the original, saturating form."""
    return -tf.nn.softplus(_flat(fake_logits))


def least_squares_discriminator_loss(real_logits, fake_logits, real_label=1.0):
    """0.5 (D(x) - 1)^2 and 0.5 D(G(z))^2 on the raw outputs (Mao et al.
    2017); `real_label` in place of the 1."""
    real, fake = _flat(real_logits), _flat(fake_logits)
    return 0.5 * tf.square(real - real_label), 0.5 * tf.square(fake)


def least_squares_generator_loss(fake_logits):
    """0.5 (D(G(z)) - 1)^2 on the raw outputs."""
    return 0.5 * tf.square(_flat(fake_logits) - 1.0)


def _two_logits(logits):
    return tf.reshape(tf.cast(logits, tf.float32), [-1, 2])


def _softmax_cross_entropy(logits, label, probability=1.0):
    """Cross-entropy of the softmax of `[fake, real]` logits against column
    `label` with `probability`, the other column with the rest."""
    logits = _two_logits(logits)
    labels = tf.fill(tf.shape(logits)[:1], label)
    if probability == 1.0:
        return tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
    targets = tf.one_hot(labels, 2, on_value=probability, off_value=1.0 - probability)
    return tf.nn.softmax_cross_entropy_with_logits(labels=targets, logits=logits)


def two_logit_non_saturating_discriminator_loss(real_logits, fake_logits, real_label=1.0):
    """Softmax cross-entropy of `[fake, real]` logits against the labels
    real = 1 for `x` and fake = 0 for `G(z)`: -log D(x), -log(1 - D(G(z)));
    with `real_label` < 1, real images' target is that much of real."""
    return (_softmax_cross_entropy(real_logits, REAL, real_label),
            _softmax_cross_entropy(fake_logits, FAKE))


def two_logit_non_saturating_generator_loss(fake_logits):
    """Softmax cross-entropy of `G(z)` against the label real: -log D(G(z))."""
    return _softmax_cross_entropy(fake_logits, REAL)


def two_logit_minimax_discriminator_loss(real_logits, fake_logits, real_label=1.0):
    """Same as the two-logit non-saturating discriminator loss."""
    return two_logit_non_saturating_discriminator_loss(real_logits, fake_logits, real_label)


def two_logit_minimax_generator_loss(fake_logits):
    """log(1 - D(G(z))), minimised: minus the cross-entropy against fake."""
    return -_softmax_cross_entropy(fake_logits, FAKE)


def real_probability(logits):
    """D's probability that each image is real, float32 `[batch]`: the
    sigmoid of one logit, the softmax's real column of two."""
    logits = tf.cast(logits, tf.float32)
    if logits.shape[-1] == 2:
        return tf.nn.softmax(logits)[:, REAL]
    return tf.sigmoid(tf.reshape(logits, [-1]))


_LOSSES = {
    ONE_LOGIT: {
        "non_saturating": GANLoss(non_saturating_discriminator_loss,
                                  non_saturating_generator_loss),
        "minimax": GANLoss(minimax_discriminator_loss, minimax_generator_loss),
        "least_squares": GANLoss(least_squares_discriminator_loss,
                                 least_squares_generator_loss),
    },
    TWO_LOGIT: {
        "non_saturating": GANLoss(two_logit_non_saturating_discriminator_loss,
                                  two_logit_non_saturating_generator_loss),
        "minimax": GANLoss(two_logit_minimax_discriminator_loss,
                           two_logit_minimax_generator_loss),
    },
}


def check_real_label(loss, label_smoothing):
    """Raises `SettingError` where `label_smoothing` is set and the
    discriminator loss of `loss` (a `GANLoss`) takes no `real_label`."""
    if not label_smoothing:
        return
    try:
        inspect.signature(loss.discriminator).bind(None, None, real_label=1.0)
    except TypeError:
        name = getattr(loss.discriminator, "__name__", loss.discriminator)
        raise rules.SettingError("label_smoothing", label_smoothing, (
            f"the discriminator loss {name!r} takes no real_label argument; give it "
            f"one (real images' target) or leave label_smoothing at 0")) from None


def names(head=ONE_LOGIT):
    """The names `get` accepts for a discriminator with `head`."""
    return sorted(_LOSSES[head])


def all_names():
    """Every loss name, whatever the head."""
    return sorted({name for table in _LOSSES.values() for name in table})


def get(name, head=ONE_LOGIT):
    """The `GANLoss(discriminator, generator)` pair called `name`, for the
    logits of a discriminator with `head` ("one_logit" or "two_logit")."""
    if isinstance(name, GANLoss):
        return name
    if head not in _LOSSES:
        raise ValueError(f"Unknown discriminator head {head!r}; expected one of {HEADS}.")
    if name not in _LOSSES[head]:
        raise ValueError(f"Unknown loss {name!r} for a {head} discriminator; expected "
                         f"one of {names(head)}.")
    return _LOSSES[head][name]


def serialize(loss, head=ONE_LOGIT):
    """`loss` (a name or a `GANLoss`) as JSON: a built-in pair by its name, a
    pair of your own by the registered names of its two functions.

    Raises:
        ValueError: a function of a `GANLoss` is not registered with
            `keras.saving.register_keras_serializable` (it could not be found
            again when the model is loaded).
    """
    if isinstance(loss, str):
        return loss
    for name, pair in _LOSSES.get(head, {}).items():
        if tuple(pair) == tuple(loss):
            return name
    config = {}
    for role, function in zip(GANLoss._fields, loss):
        registered = keras.saving.get_registered_name(function)
        if keras.saving.get_registered_object(registered) is not function:
            raise ValueError(
                f"The {role} loss {getattr(function, '__name__', function)!r} of this "
                f"GANLoss is not registered, so a saved model could not be compiled "
                f"again; decorate it with "
                f"@keras.saving.register_keras_serializable(package=...).")
        config[role] = registered
    return config


def deserialize(config):
    """The inverse of `serialize`: a loss name, or a `GANLoss` of registered
    functions."""
    if isinstance(config, str):
        return config
    functions = []
    for role in GANLoss._fields:
        function = keras.saving.get_registered_object(config[role])
        if function is None:
            raise ValueError(f"The {role} loss {config[role]!r} is not registered in "
                             f"this process; import the module that defines it first.")
        functions.append(function)
    return GANLoss(*functions)
