"""The DCGAN discriminator."""

import keras

from tfdcgan import architecture, rules
from tfdcgan.fused_batch_norm import FusedBatchNormalization


@keras.saving.register_keras_serializable(package="tfdcgan")
class Discriminator(keras.Model):
    """DCGAN discriminator: images (and optional labels) to one logit each
    (or two, `head="two_logit"`).

    `num_layers` strided (stride 2) convolutions that double the channels from
    `df_dim`, LeakyReLU(0.2) after each and batch norm on all but the first,
    then a linear layer to one logit; no pooling and no hidden fully connected
    layer (Radford et al. 2015, https://arxiv.org/abs/1511.06434). It mirrors
    `Generator`: same depth rule, same sizes.

    With `y_dim`, one-hot labels are concatenated as constant feature maps to
    the input of every convolution and to the flattened features before the
    linear layer, as carpedm20/DCGAN-tensorflow does for MNIST.

    With `head="two_logit"` the linear layer gives two logits, `[fake, real]`
    (a column's index is the label: real = 1, fake = 0), trained with softmax
    cross-entropy (`tfdcgan.losses.get(name, head="two_logit")`), as
    sugyan/tf-dcgan's face DCGAN does. The softmax of two logits is the
    sigmoid of their difference, so this trains the same objective with one
    weight vector more in the last layer.

    Args:
        input_height: int, height of the images.
        input_width: int or None, width; defaults to `input_height`.
        c_dim: int, image channels (1 or 3).
        df_dim: int, channels of the first convolution; later ones double it.
        kernel_size: int, convolution kernel size.
        y_dim: int or None, number of label classes for conditioning.
        num_layers: int or None, number of stride-2 layers; None derives it
            from the image size.
        momentum: float, batch-norm moving-average momentum.
        epsilon: float, batch-norm epsilon.
        seed: int or None, seed of the weight initialisers.
        head: str, "one_logit" (default) or "two_logit".

    Call arguments:
        images: float tensor `[batch, input_height, input_width, c_dim]` in [-1, 1].
        labels: one-hot float tensor `[batch, y_dim]`; required iff `y_dim`.
        training: bool, batch norm uses batch statistics when True.

    Returns:
        float32 logits `[batch, 1]` (real = 1, fake = 0), or `[batch, 2]`,
        `[fake, real]`, with `head="two_logit"`.
    """

    def __init__(self, input_height=64, input_width=None, c_dim=3, df_dim=64,
                 kernel_size=5, y_dim=None, num_layers=None, momentum=0.9,
                 epsilon=1e-5, seed=None, head="one_logit", sync_batch_norm=False,
                 **kwargs):
        super().__init__(**kwargs)
        rules.check_network(input_height=input_height, input_width=input_width,
                            c_dim=c_dim, df_dim=df_dim, kernel_size=kernel_size,
                            y_dim=y_dim, num_layers=num_layers, d_head=head)
        input_width = input_width or input_height
        num_layers = num_layers or architecture.default_num_layers(
            input_height, input_width)
        self.input_height = input_height
        self.input_width = input_width
        self.c_dim = c_dim
        self.df_dim = df_dim
        self.kernel_size = kernel_size
        self.y_dim = y_dim
        self.num_layers = num_layers
        self.momentum = momentum
        self.epsilon = epsilon
        self.seed = seed
        self.head = head
        self.sync_batch_norm = sync_batch_norm
        self.image_shape = (input_height, input_width, c_dim)

        self._sizes = architecture.feature_map_sizes(input_height, input_width, num_layers)
        self._channels = [c_dim] + [df_dim * 2**i for i in range(num_layers)]
        # Layers are named attributes, not list items: tf.train.Checkpoint
        # does not follow Keras's tracked lists (Keras 3.15), and would miss them.
        for i in range(num_layers):
            setattr(self, f"conv{i + 1}", keras.layers.Conv2D(
                self._channels[i + 1], kernel_size, strides=2, padding="same",
                use_bias=i == 0,
                kernel_initializer=architecture.weight_initializer(
                    architecture.layer_seed(seed, 100 + i)),
                name=f"conv{i + 1}"))
            if i > 0:
                setattr(self, f"conv{i + 1}_norm", FusedBatchNormalization(
                    momentum=momentum, epsilon=epsilon, synchronized=sync_batch_norm,
                    name=f"conv{i + 1}_norm"))
        self.activation = keras.layers.LeakyReLU(negative_slope=0.2)
        self.flatten = keras.layers.Flatten()
        # float32 logits keep the losses stable under mixed precision.
        self.logit = keras.layers.Dense(
            2 if head == "two_logit" else 1, dtype="float32",
            kernel_initializer=architecture.weight_initializer(
                architecture.layer_seed(seed, 100 + num_layers)),
            name="logit")
        self.build()

    @property
    def convs(self):
        """The strided convolutions, from the image down."""
        return [getattr(self, f"conv{i + 1}") for i in range(self.num_layers)]

    @property
    def norms(self):
        """The batch norms after every convolution but the first."""
        return [getattr(self, f"conv{i + 1}_norm") for i in range(1, self.num_layers)]

    def build(self, input_shape=None):
        y_dim = self.y_dim or 0
        for i, conv in enumerate(self.convs):
            h, w = self._sizes[i]
            conv.build((None, h, w, self._channels[i] + y_dim))
            if i > 0:
                h, w = self._sizes[i + 1]
                self.norms[i - 1].build((None, h, w, self._channels[i + 1]))
        h, w = self._sizes[-1]
        self.flatten.build((None, h, w, self._channels[-1]))
        self.logit.build((None, h * w * self._channels[-1] + y_dim))

    def call(self, images, labels=None, training=None):
        architecture.check_labels(labels, self.y_dim, "Discriminator")
        architecture.check_images(images, self.image_shape, "Discriminator")
        x = images
        for i, conv in enumerate(self.convs):
            if labels is not None:
                x = architecture.broadcast_labels(x, labels)
            x = conv(x)
            if i > 0:
                x = self.norms[i - 1](x, training=training)
            x = self.activation(x)
        x = self.flatten(x)
        if labels is not None:
            x = keras.ops.concatenate([x, keras.ops.cast(labels, x.dtype)], axis=-1)
        return self.logit(x)

    def compute_output_shape(self, images_shape, labels_shape=None):
        return (images_shape[0], self.logit.units)

    def get_config(self):
        config = super().get_config()
        config.update({
            "input_height": self.input_height,
            "input_width": self.input_width,
            "c_dim": self.c_dim,
            "df_dim": self.df_dim,
            "kernel_size": self.kernel_size,
            "y_dim": self.y_dim,
            "num_layers": self.num_layers,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "seed": self.seed,
            "head": self.head,
            "sync_batch_norm": self.sync_batch_norm,
        })
        return config
