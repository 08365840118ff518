"""The DCGAN generator."""

import keras

from tfdcgan import architecture, rules
from tfdcgan.fused_batch_norm import FusedBatchNormalization


@keras.saving.register_keras_serializable(package="tfdcgan")
class Generator(keras.Model):
    """DCGAN generator: noise (and optional labels) to images in [-1, 1].

    A linear projection of z to `gf_dim * 2**(num_layers - 1)` feature maps of
    the smallest size, batch norm and ReLU, then `num_layers` fractionally
    strided (transposed, stride 2) convolutions that halve the channels and
    double the size, each with batch norm and ReLU except the last, which
    outputs `c_dim` channels through tanh (Radford et al. 2015,
    https://arxiv.org/abs/1511.06434). With `num_layers=4` this is the paper's
    64x64 generator and carpedm20/DCGAN-tensorflow's.

    Departures from carpedm20: layers followed by batch norm have no bias (the
    norm's offset makes it redundant), and an odd target size is reached by
    cropping the last row/column of the doubled map rather than by an explicit
    `output_shape`. The depth defaults to `architecture.default_num_layers`,
    so 28x28 starts from 4x4 maps (3 layers) instead of 2x2.

    With `y_dim`, one-hot labels are concatenated to z and, as constant
    feature maps, to the input of every transposed convolution.

    Args:
        output_height: int, height of the generated images.
        output_width: int or None, width; defaults to `output_height`.
        c_dim: int, channels of the generated images (1 or 3).
        z_dim: int, length of the noise vector.
        gf_dim: int, channels of the last hidden layer; earlier layers double it.
        kernel_size: int, kernel size of the transposed convolutions (5 as in
            carpedm20, 4 as in the PyTorch examples).
        y_dim: int or None, number of label classes for conditioning.
        num_layers: int or None, number of stride-2 layers; None derives it
            from the output size.
        momentum: float, batch-norm moving-average momentum.
        epsilon: float, batch-norm epsilon.
        seed: int or None, seed of the weight initialisers.

    Call arguments:
        z: float tensor `[batch, z_dim]`.
        labels: one-hot float tensor `[batch, y_dim]`; required iff `y_dim`.
        training: bool, batch norm uses batch statistics when True.

    Returns:
        float32 tensor `[batch, output_height, output_width, c_dim]` in [-1, 1].

    Example:
    >>> g = tfdcgan.Generator(output_height=28, c_dim=1)
    >>> g(keras.random.uniform((8, 100), -1, 1)).shape
    TensorShape([8, 28, 28, 1])
    """

    def __init__(self, output_height=64, output_width=None, c_dim=3, z_dim=100,
                 gf_dim=64, kernel_size=5, y_dim=None, num_layers=None,
                 momentum=0.9, epsilon=1e-5, seed=None, sync_batch_norm=False, **kwargs):
        super().__init__(**kwargs)
        rules.check_network(output_height=output_height, output_width=output_width,
                            c_dim=c_dim, z_dim=z_dim, gf_dim=gf_dim,
                            kernel_size=kernel_size, y_dim=y_dim, num_layers=num_layers)
        output_width = output_width or output_height
        num_layers = num_layers or architecture.default_num_layers(
            output_height, output_width)
        self.output_height = output_height
        self.output_width = output_width
        self.c_dim = c_dim
        self.z_dim = z_dim
        self.gf_dim = gf_dim
        self.kernel_size = kernel_size
        self.y_dim = y_dim
        self.num_layers = num_layers
        self.momentum = momentum
        self.epsilon = epsilon
        self.seed = seed
        self.sync_batch_norm = sync_batch_norm
        self.image_shape = (output_height, output_width, c_dim)

        # Sizes from the smallest map up to the image.
        self._sizes = architecture.feature_map_sizes(
            output_height, output_width, num_layers)[::-1]
        self._channels = [gf_dim * 2**(num_layers - 1 - i) for i in range(num_layers)]
        self._channels.append(c_dim)

        def batch_norm(name):
            return FusedBatchNormalization(momentum=momentum, epsilon=epsilon,
                                           synchronized=sync_batch_norm, name=name)

        self.project = keras.layers.Dense(
            self._sizes[0][0] * self._sizes[0][1] * self._channels[0], use_bias=False,
            kernel_initializer=architecture.weight_initializer(
                architecture.layer_seed(seed, 0)),
            name="project")
        self.project_norm = batch_norm("project_norm")
        # Layers are named attributes, not list items: tf.train.Checkpoint
        # does not follow Keras's tracked lists (Keras 3.15), and would miss them.
        for i in range(num_layers):
            last = i == num_layers - 1
            setattr(self, f"deconv{i + 1}", keras.layers.Conv2DTranspose(
                self._channels[i + 1], kernel_size, strides=2, padding="same",
                use_bias=last,
                kernel_initializer=architecture.weight_initializer(
                    architecture.layer_seed(seed, i + 1)),
                name=f"deconv{i + 1}"))
            if not last:
                setattr(self, f"deconv{i + 1}_norm", batch_norm(f"deconv{i + 1}_norm"))
        # Keeps tanh and the images in float32 under mixed precision.
        self.to_image = keras.layers.Activation("tanh", dtype="float32", name="tanh")
        self.build()

    @property
    def deconvs(self):
        """The transposed convolutions, from the smallest map to the image."""
        return [getattr(self, f"deconv{i + 1}") for i in range(self.num_layers)]

    @property
    def norms(self):
        """The batch norms after every transposed convolution but the last."""
        return [getattr(self, f"deconv{i + 1}_norm") for i in range(self.num_layers - 1)]

    def build(self, input_shape=None):
        y_dim = self.y_dim or 0
        h, w = self._sizes[0]
        self.project.build((None, self.z_dim + y_dim))
        self.project_norm.build((None, h, w, self._channels[0]))
        for i, deconv in enumerate(self.deconvs):
            h, w = self._sizes[i]
            deconv.build((None, h, w, self._channels[i] + y_dim))
            if i < len(self.norms):
                h, w = self._sizes[i + 1]
                self.norms[i].build((None, h, w, self._channels[i + 1]))
        self.to_image.build(None)

    def call(self, z, labels=None, training=None):
        architecture.check_labels(labels, self.y_dim, "Generator")
        x = z if labels is None else keras.ops.concatenate(
            [z, keras.ops.cast(labels, z.dtype)], axis=-1)
        h, w = self._sizes[0]
        x = keras.ops.reshape(self.project(x), (-1, h, w, self._channels[0]))
        x = keras.ops.relu(self.project_norm(x, training=training))
        for i, deconv in enumerate(self.deconvs):
            if labels is not None:
                x = architecture.broadcast_labels(x, labels)
            x = deconv(x)
            h, w = self._sizes[i + 1]
            if x.shape[1] != h or x.shape[2] != w:
                x = x[:, :h, :w, :]
            if i < len(self.norms):
                x = keras.ops.relu(self.norms[i](x, training=training))
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
            "gf_dim": self.gf_dim,
            "kernel_size": self.kernel_size,
            "y_dim": self.y_dim,
            "num_layers": self.num_layers,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "seed": self.seed,
            "sync_batch_norm": self.sync_batch_norm,
        })
        return config

