"""`TensorBoardSummaries`: what carpedm20 wrote to TensorBoard, at global steps."""

import tensorflow as tf

from tfdcgan import losses, visualize
from tfdcgan.callbacks.steps import StepCallback


class TensorBoardSummaries(StepCallback):
    """Writes to `log_dir`, at the run's global step:

    * every `every` steps, each metric's value at that step (`d_loss`,
      `g_loss`, `d_loss_real`, `d_loss_fake`, `d_real`, `d_fake`);
    * every `histogram_freq` steps, histograms `D(x)` and `D(G(z))` of the
      discriminator's probability of real (its sigmoid output) (inference mode) on a fixed batch of
      real images and on `G(z)` for the fixed sample z;
    * with `images=True` (carpedm20's `G_img_sum`), the grid of `G(z)` then too.

    `keras.callbacks.TensorBoard` numbers batches from 0 at every `fit()`,
    so a resumed run would draw over its own curves; this one continues them.

    Args:
        log_dir: str, the event-file folder (`tensorboard --logdir` its parent).
        z: float32 `[n, z_dim]`, the fixed sample noise.
        labels: one-hot or integer labels `[n]` for a conditional model.
        real_images: float32 `[m, H, W, C]` in [-1, 1] (with `real_labels`).
        every: int, steps between scalar points.
        histogram_freq: int, steps between histograms (and images); 0: none.
        images: bool, also write image grids.
    """

    def __init__(self, log_dir, z=None, labels=None, real_images=None,
                 real_labels=None, every=1, histogram_freq=200, images=False):
        super().__init__()
        self.log_dir = log_dir
        self.z = z
        self.labels = labels
        self.real_images = real_images
        self.real_labels = real_labels
        self.every = every
        self.histogram_freq = histogram_freq
        self.images = images
        self._writer = None

    @property
    def writer(self):
        if self._writer is None:
            self._writer = tf.summary.create_file_writer(self.log_dir)
        return self._writer

    def on_train_batch_end(self, batch, logs=None):
        super().on_train_batch_end(batch, logs)
        with self.writer.as_default(step=self.step):
            if self.every and self.step % self.every == 0:
                for name, value in self.step_values.items():
                    tf.summary.scalar(name, value)
            if self.histogram_freq and self.step % self.histogram_freq == 0:
                self.write_outputs()

    def write_outputs(self):
        """Histograms of D(x) and D(G(z)), and the image grid; at `self.step`."""
        gan = self.model
        with self.writer.as_default(step=self.step):
            if self.real_images is not None:
                tf.summary.histogram("D(x)", self._d(self.real_images, self.real_labels))
            if self.z is not None:
                z = tf.convert_to_tensor(self.z, tf.float32)
                labels = None if self.labels is None else gan.one_hot(self.labels)
                fake = gan.generator(z, labels, training=False)
                tf.summary.histogram("D(G(z))", self._d(fake, self.labels))
                if self.images:
                    grid = visualize.image_grid(
                        visualize.generate_from_z(gan, z, self.labels))
                    tf.summary.image("G(z)", grid[None])

    def _d(self, images, labels):
        gan = self.model
        labels = None if labels is None else gan.one_hot(labels)
        return losses.real_probability(gan.discriminator(images, labels, training=False))

    def on_train_end(self, logs=None):
        if self._writer is not None:
            self._writer.flush()
