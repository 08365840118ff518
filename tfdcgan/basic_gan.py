"""The fully connected GAN baseline: `MLPGenerator` against `MLPDiscriminator`.

The networks live here rather than in modules of their own because they exist
only to serve `BasicGAN`, the comparison point of the DCGAN paper.
"""

import keras

from tfdcgan import architecture, rules
from tfdcgan.gan import GAN, dtype_policy_scope


def _dense(units, seed, index, name, dtype=None):
    return keras.layers.Dense(
        units, kernel_initializer=keras.initializers.GlorotUniform(
            seed=architecture.layer_seed(seed, index)),
        dtype=dtype, name=name)


def _set_hidden(model, units, seed, first_index):
    # Named attributes, not a list: tf.train.Checkpoint does not follow
    # Keras's tracked lists (Keras 3.15), so RunCheckpoint would miss them.
    for i, width in enumerate(units):
        setattr(model, f"dense{i + 1}",
                _dense(width, seed, first_index + i, f"dense{i + 1}"))


def _check_units(units, name):
    units = tuple(units)
    if not units or any(not isinstance(u, int) or isinstance(u, bool) or u <= 0
                        for u in units):
        raise ValueError(f"{name} must be a non-empty sequence of positive "
                         f"integers, got {units!r}.")
    return units


@keras.saving.register_keras_serializable(package="tfdcgan")
class MLPGenerator(keras.Model):
    """Fully connected generator: noise (and optional labels) to images in [-1, 1].

    `z [batch, z_dim]` -> Dense(units[0]) -> LeakyReLU(0.2) -> ... ->
    Dense(H * W * C) -> tanh, reshaped to `[batch, H, W, C]`. No convolution
    and no batch norm: the multilayer perceptron of Goodfellow et al. 2014
    (https://arxiv.org/abs/1406.2661) with LeakyReLU units. With `y_dim`,
    one-hot labels are concatenated to z (Mirza and Osindero 2014).

    Args:
        output_height: int, image height.
        output_width: int or None, image width; defaults to `output_height`.
        c_dim: int, image channels.
        z_dim: int, noise length.
        units: sequence of int, widths of the hidden layers.
        y_dim: int or None, label classes to condition on.
        seed: int or None, seed of the weight initialisers.

    Call arguments:
        z: float `[batch, z_dim]`; labels: one-hot `[batch, y_dim]` iff
        `y_dim`; training: unused (no layer behaves differently).

    Returns:
        float32 `[batch, output_height, output_width, c_dim]` in [-1, 1].
    """

    def __init__(self, output_height=64, output_width=None, c_dim=3, z_dim=100,
                 units=(256, 512, 1024), y_dim=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        rules.check_network(output_height=output_height, output_width=output_width,
                            c_dim=c_dim, z_dim=z_dim, y_dim=y_dim)
        self.output_height = output_height
        self.output_width = output_width or output_height
        self.c_dim = c_dim
        self.z_dim = z_dim
        self.units = _check_units(units, "units")
        self.y_dim = y_dim
        self.seed = seed
        self.image_shape = (output_height, self.output_width, c_dim)
        _set_hidden(self, self.units, seed, 0)
        self.activation = keras.layers.LeakyReLU(negative_slope=0.2)
        self.to_pixels = _dense(output_height * self.output_width * c_dim, seed,
                                len(self.units), "pixels")
        self.to_image = keras.layers.Activation("tanh", dtype="float32", name="tanh")
        self.build()

    @property
    def hidden(self):
        """The hidden Dense layers, input side first."""
        return [getattr(self, f"dense{i + 1}") for i in range(len(self.units))]

    def build(self, input_shape=None):
        width = self.z_dim + (self.y_dim or 0)
        for layer in self.hidden:
            layer.build((None, width))
            width = layer.units
        self.to_pixels.build((None, width))
        self.to_image.build(None)

    def call(self, z, labels=None, training=None):
        architecture.check_labels(labels, self.y_dim, "MLPGenerator")
        x = z if labels is None else keras.ops.concatenate(
            [z, keras.ops.cast(labels, z.dtype)], axis=-1)
        for layer in self.hidden:
            x = self.activation(layer(x))
        x = keras.ops.reshape(self.to_pixels(x), (-1,) + self.image_shape)
        return self.to_image(x)

    def compute_output_shape(self, z_shape, labels_shape=None):
        return (z_shape[0],) + self.image_shape

    def get_config(self):
        config = super().get_config()
        config.update({
            "output_height": self.output_height,
            "output_width": self.output_width,
            "c_dim": self.c_dim,
            "z_dim": self.z_dim,
            "units": list(self.units),
            "y_dim": self.y_dim,
            "seed": self.seed,
        })
        return config


@keras.saving.register_keras_serializable(package="tfdcgan")
class MLPDiscriminator(keras.Model):
    """Fully connected discriminator: images (and optional labels) to one logit.

    `[batch, H, W, C]` flattened -> Dense(units[0]) -> LeakyReLU(0.2) -> ...
    -> Dense(1). With `y_dim`, one-hot labels are concatenated to the
    flattened image.

    Args:
        input_height: int, image height.
        input_width: int or None, image width; defaults to `input_height`.
        c_dim: int, image channels.
        units: sequence of int, widths of the hidden layers.
        y_dim: int or None, label classes to condition on.
        seed: int or None, seed of the weight initialisers.

    Returns:
        float32 logits `[batch, 1]` (real = 1, fake = 0).
    """

    def __init__(self, input_height=64, input_width=None, c_dim=3,
                 units=(1024, 512, 256), y_dim=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        rules.check_network(input_height=input_height, input_width=input_width,
                            c_dim=c_dim, y_dim=y_dim)
        self.input_height = input_height
        self.input_width = input_width or input_height
        self.c_dim = c_dim
        self.units = _check_units(units, "units")
        self.y_dim = y_dim
        self.seed = seed
        self.image_shape = (input_height, self.input_width, c_dim)
        self.flatten = keras.layers.Flatten()
        _set_hidden(self, self.units, seed, 100)
        self.activation = keras.layers.LeakyReLU(negative_slope=0.2)
        self.logit = _dense(1, seed, 100 + len(self.units), "logit", dtype="float32")
        self.build()

    @property
    def hidden(self):
        """The hidden Dense layers, input side first."""
        return [getattr(self, f"dense{i + 1}") for i in range(len(self.units))]

    def build(self, input_shape=None):
        width = self.input_height * self.input_width * self.c_dim + (self.y_dim or 0)
        for layer in self.hidden:
            layer.build((None, width))
            width = layer.units
        self.logit.build((None, width))

    def call(self, images, labels=None, training=None):
        architecture.check_labels(labels, self.y_dim, "MLPDiscriminator")
        architecture.check_images(images, self.image_shape, "MLPDiscriminator")
        x = self.flatten(images)
        if labels is not None:
            x = keras.ops.concatenate([x, keras.ops.cast(labels, x.dtype)], axis=-1)
        for layer in self.hidden:
            x = self.activation(layer(x))
        return self.logit(x)

    def compute_output_shape(self, images_shape, labels_shape=None):
        return (images_shape[0], 1)

    def get_config(self):
        config = super().get_config()
        config.update({
            "input_height": self.input_height,
            "input_width": self.input_width,
            "c_dim": self.c_dim,
            "units": list(self.units),
            "y_dim": self.y_dim,
            "seed": self.seed,
        })
        return config


@keras.saving.register_keras_serializable(package="tfdcgan")
class BasicGAN(GAN):
    """The fully connected GAN the DCGAN paper compares against.

    An `MLPGenerator` against an `MLPDiscriminator`, trained exactly as
    `tfdcgan.DCGAN` is (`GAN.train_step`, the same losses, Adam(2e-4,
    beta_1=0.5) per network by default) and sampled with the same
    `generate()`, so the two differ only in the networks: what the
    convolutional architecture buys is the difference in their samples
    (`benchmarks/quality_mnist.py`).

    Args:
        output_height: int, image height.
        output_width: int or None, image width; defaults to `output_height`.
        c_dim: int, image channels (1 or 3).
        z_dim: int, noise length.
        g_units: sequence of int, the generator's hidden widths.
        d_units: sequence of int, the discriminator's hidden widths.
        y_dim: int or None, label classes to condition on.
        z_dist: str, "uniform_signed", "uniform_unsigned" or "normal".
        g_steps: int, generator updates per discriminator update.
        seed: int or None, seeds the weights and the training noise.
        ema_decay: float in [0, 1), sample from an average of the
            generator's weights (`tfdcgan.GAN`); 0: no average.
        **kwargs: `keras.Model` arguments; `dtype` is both networks' policy
            too (default: Keras's global policy).

    Example:
    >>> gan = tfdcgan.BasicGAN(output_height=28, c_dim=1)
    >>> gan.compile()
    >>> gan.fit(images_dataset, epochs=1)
    >>> gan.generate(16, seed=0).shape
    (16, 28, 28, 1)
    """

    def __init__(self, output_height=64, output_width=None, c_dim=3, z_dim=100,
                 g_units=(256, 512, 1024), d_units=(1024, 512, 256), y_dim=None,
                 z_dist="uniform_signed", g_steps=1, seed=None, ema_decay=0.0, **kwargs):
        with dtype_policy_scope(kwargs.get("dtype")):
            generator = MLPGenerator(
                output_height=output_height, output_width=output_width, c_dim=c_dim,
                z_dim=z_dim, units=g_units, y_dim=y_dim, seed=seed, name="generator")
            discriminator = MLPDiscriminator(
                input_height=output_height, input_width=output_width, c_dim=c_dim,
                units=d_units, y_dim=y_dim, seed=seed, name="discriminator")
        super().__init__(generator, discriminator, z_dist=z_dist, g_steps=g_steps,
                         seed=seed, ema_decay=ema_decay, **kwargs)
        self.output_height = output_height
        self.output_width = generator.output_width
        self.c_dim = c_dim
        self.g_units = generator.units
        self.d_units = discriminator.units

    def get_config(self):
        config = keras.Model.get_config(self)
        config.update({
            "output_height": self.output_height,
            "output_width": self.output_width,
            "c_dim": self.c_dim,
            "z_dim": self.z_dim,
            "g_units": list(self.g_units),
            "d_units": list(self.d_units),
            "y_dim": self.y_dim,
            "z_dist": self.z_dist,
            "g_steps": self.g_steps,
            "seed": self.seed,
            "ema_decay": self.ema_decay,
        })
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)
