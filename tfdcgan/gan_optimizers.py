"""`GANOptimizers`: a GAN's two optimizers, as Keras sees them in `model.optimizer`."""

import numpy as np


class GANOptimizers:
    """The discriminator's and the generator's optimizers, as one `model.optimizer`.

    `GAN.compile` sets `gan.optimizer` to this, so nothing Keras reads there
    is an optimizer that never steps. It follows Keras's convention for a
    model with several optimizers, the `optimizers` list:
    `keras.callbacks.ReduceLROnPlateau` reduces each one's rate, and
    `keras.callbacks.TensorBoard` logs each one's rate under its own name
    (`learning_rate_d_optimizer`, `learning_rate_g_optimizer`).

    `learning_rate` (what `keras.callbacks.LearningRateScheduler` reads and
    sets) is the discriminator's; setting it scales both by the same factor,
    so a pair with different rates keeps their ratio. `iterations` counts
    training steps (the discriminator's updates; the generator makes
    `g_steps` per step).

    Args:
        gan: the `tfdcgan.GAN` whose `d_optimizer` and `g_optimizer` these are.
    """

    def __init__(self, gan):
        self._gan = gan

    @property
    def optimizers(self):
        return [self._gan.d_optimizer, self._gan.g_optimizer]

    @property
    def iterations(self):
        return self._gan.d_optimizer.iterations

    @property
    def learning_rate(self):
        return self._gan.d_optimizer.learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        d, g = self.optimizers
        old = float(np.asarray(d.learning_rate))
        factor = float(value) / old if old else None
        g_rate = float(value) if factor is None else float(np.asarray(g.learning_rate)) * factor
        d.learning_rate = float(value)
        g.learning_rate = g_rate

    @property
    def variables(self):
        """Both optimizers' variables (what `model.summary()` counts)."""
        return [v for optimizer in self.optimizers for v in optimizer.variables]

    @property
    def built(self):
        return all(o.built for o in self.optimizers)

    def build(self, variables=None):
        """Builds each optimizer on its own network's trainable variables."""
        for optimizer, network in self._pairs():
            if not optimizer.built:
                optimizer.build(network.trainable_variables)

    def finalize_variable_values(self, variables=None):
        """Keras's end-of-fit step for one optimizer, done for each on its own
        network: with `use_ema`, the networks' weights become the averages.
        `fit()` does not call it (the live weights stay, to train on); call it
        to keep the averages."""
        for optimizer, network in self._pairs():
            optimizer.finalize_variable_values(network.trainable_variables)

    def _pairs(self):
        gan = self._gan
        return ((gan.d_optimizer, gan.discriminator), (gan.g_optimizer, gan.generator))

    def __repr__(self):
        return f"GANOptimizers({', '.join(o.name for o in self.optimizers)})"
