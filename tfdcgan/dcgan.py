"""The DCGAN: `Generator` against `Discriminator`."""

import keras

from tfdcgan import rules
from tfdcgan.discriminator import Discriminator
from tfdcgan.gan import GAN, dtype_policy_scope
from tfdcgan.generator import Generator


@keras.saving.register_keras_serializable(package="tfdcgan")
class DCGAN(GAN):
    """Deep convolutional GAN (Radford, Metz, Chintala 2015,
    https://arxiv.org/abs/1511.06434), after carpedm20/DCGAN-tensorflow.

    Builds a `tfdcgan.Generator` and a mirrored `tfdcgan.Discriminator` and
    trains them with `GAN.train_step`: Adam(2e-4, beta_1=0.5) per network by
    default, batch norm momentum 0.9 and epsilon 1e-5, weights from N(0, 0.02).

    Args:
        output_height: int, image height.
        output_width: int or None, image width; defaults to `output_height`.
        c_dim: int, image channels (1 or 3).
        z_dim: int, noise length.
        gf_dim: int, generator channels at the last hidden layer.
        df_dim: int, discriminator channels at the first layer.
        kernel_size: int, convolution kernel size (5 as carpedm20, 4 as PyTorch).
        y_dim: int or None, label classes to condition on (10 for MNIST digits).
        num_layers: int or None, stride-2 layers per network; None derives it
            from the image size (`tfdcgan.architecture.default_num_layers`).
        z_dist: str, "uniform_signed", "uniform_unsigned" or "normal".
        g_steps: int, generator updates per discriminator update.
        seed: int or None, seeds the weights and the training noise.
        d_head: str, "one_logit" (default: one logit and the sigmoid losses)
            or "two_logit" (two logits, `[fake, real]`, and softmax
            cross-entropy, as sugyan/tf-dcgan; see `Discriminator`).
        sync_batch_norm: bool, batch-norm statistics over the global batch
            of every replica of a `tf.distribute` strategy (Keras's
            `BatchNormalization(synchronized=True)`: one all-reduce per layer
            and step, and the unfused kernel), so the moving averages agree
            on every worker. Without it each replica normalises its own share
            of the batch and keeps its own moving averages.
        ema_decay: float in [0, 1), sample from an exponential moving average
            of the generator's weights, e.g. 0.999 (`tfdcgan.GAN`); 0 (the
            default, as the paper): the generator's own weights.
        **kwargs: `keras.Model` arguments; `dtype` (e.g. "mixed_bfloat16") is
            both networks' policy too (default: Keras's global policy).

    Example:
    >>> gan = tfdcgan.DCGAN(output_height=28, c_dim=1)
    >>> gan.compile()
    >>> gan.fit(images_dataset, epochs=1)
    >>> gan.generate(16, seed=0).shape
    (16, 28, 28, 1)
    """

    def __init__(self, output_height=64, output_width=None, c_dim=3, z_dim=100,
                 gf_dim=64, df_dim=64, kernel_size=5, y_dim=None, num_layers=None,
                 z_dist="uniform_signed", g_steps=1, seed=None, d_head="one_logit",
                 sync_batch_norm=False, ema_decay=0.0, **kwargs):
        # Before anything is built: a depth that leaves no pixels or networks
        # too large for memory would otherwise fail deep inside Keras.
        rules.check_network(output_height=output_height, output_width=output_width,
                            c_dim=c_dim, z_dim=z_dim, gf_dim=gf_dim, df_dim=df_dim,
                            kernel_size=kernel_size, y_dim=y_dim, num_layers=num_layers,
                            d_head=d_head)
        rules.check_dcgan_size(output_height, output_width or output_height, c_dim,
                               z_dim, gf_dim, df_dim, kernel_size, y_dim, num_layers)
        with dtype_policy_scope(kwargs.get("dtype")):
            generator = Generator(
                output_height=output_height, output_width=output_width, c_dim=c_dim,
                z_dim=z_dim, gf_dim=gf_dim, kernel_size=kernel_size, y_dim=y_dim,
                num_layers=num_layers, seed=seed, sync_batch_norm=sync_batch_norm,
                name="generator")
            discriminator = Discriminator(
                input_height=output_height, input_width=output_width, c_dim=c_dim,
                df_dim=df_dim, kernel_size=kernel_size, y_dim=y_dim,
                num_layers=num_layers, seed=seed, head=d_head,
                sync_batch_norm=sync_batch_norm, name="discriminator")
        super().__init__(generator, discriminator, z_dist=z_dist, g_steps=g_steps,
                         seed=seed, ema_decay=ema_decay, **kwargs)
        self.output_height = output_height
        self.output_width = generator.output_width
        self.c_dim = c_dim
        self.gf_dim = gf_dim
        self.df_dim = df_dim
        self.kernel_size = kernel_size
        self.sync_batch_norm = sync_batch_norm
        self.num_layers = generator.num_layers  # (d_head: GAN.d_head, from the discriminator)

    def get_config(self):
        config = keras.Model.get_config(self)
        config.update({
            "output_height": self.output_height,
            "output_width": self.output_width,
            "c_dim": self.c_dim,
            "z_dim": self.z_dim,
            "gf_dim": self.gf_dim,
            "df_dim": self.df_dim,
            "kernel_size": self.kernel_size,
            "y_dim": self.y_dim,
            "num_layers": self.num_layers,
            "z_dist": self.z_dist,
            "g_steps": self.g_steps,
            "seed": self.seed,
            "d_head": self.d_head,
            "sync_batch_norm": self.sync_batch_norm,
            "ema_decay": self.ema_decay,
        })
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)
