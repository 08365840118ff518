"""`SampleGrid`: a grid of images from a fixed z every few steps."""

import os

import tensorflow as tf

from tfdcgan import visualize
from tfdcgan.callbacks.steps import StepCallback


class SampleGrid(StepCallback):
    """Writes `directory/{prefix}{step:08d}.png`, a grid of `G(z)` for a fixed
    `z`, every `every` steps (carpedm20's `sample_freq`); with `every=0`,
    `directory/{prefix}epoch_{epoch:03d}.png` at the end of every epoch
    instead, counting from 1 (as the PyTorch DCGAN scripts do).

    Any number of samples works (the grid need not be square). Images come
    from the generator in inference mode, so sampling never changes training.

    Args:
        directory: str, where the PNGs go.
        z: float32 `[n, z_dim]`, the fixed noise (a `tf.Variable` is read
            each time, so a restored checkpoint's z is used).
        labels: integer `[n]` or one-hot `[n, y_dim]` for a conditional model.
        every: int, steps between grids; 0 or None for one at every epoch end.
        prefix: str, file name prefix.
    """

    def __init__(self, directory, z, labels=None, every=200, prefix="train_"):
        super().__init__()
        self.directory = directory
        self.z = z
        self.labels = labels
        self.every = every
        self.prefix = prefix
        self.written = []

    def on_train_batch_end(self, batch, logs=None):
        super().on_train_batch_end(batch, logs)
        if self.every and self.step % self.every == 0:
            self.write()

    def on_epoch_end(self, epoch, logs=None):
        if not self.every and not self.model.stop_training:
            self.write(path=self.epoch_path(epoch + 1))

    def epoch_path(self, epoch):
        """The grid of epoch `epoch` (from 1), with `every=0`."""
        return os.path.join(self.directory, f"{self.prefix}epoch_{epoch:03d}.png")

    def path(self, step=None):
        step = self.step if step is None else step
        return os.path.join(self.directory, f"{self.prefix}{step:08d}.png")

    def write(self, step=None, path=None):
        """Writes the grid for `step` (default: the current step), or to
        `path`; returns its path."""
        z = tf.convert_to_tensor(self.z, tf.float32)  # a Variable is read now
        images = visualize.generate_from_z(self.model, z, self.labels)
        path = visualize.save_grid(images, path or self.path(step))
        self.written.append(path)
        return path
