"""`EpochWeights`: each network's weights at every epoch end, as the
PyTorch DCGAN's `netG_epoch_{n}.pth` / `netD_epoch_{n}.pth`."""

import os

import keras

from tfdcgan import weights


class EpochWeights(keras.callbacks.Callback):
    """Writes `directory/generator_{epoch:03d}.weights.h5` and
    `discriminator_{epoch:03d}.weights.h5` at the end of every epoch that ran
    to the end of its data, `epoch` counting from 1; each is written
    atomically (`tfdcgan.weights.save_weights`). Load one with
    `Generator.load_weights` into a network built with the run's settings
    (`model.json`), or start a new run from it (`init_generator`).

    Args:
        directory: str, created when the first file is written.
    """

    def __init__(self, directory):
        super().__init__()
        self.directory = directory
        self.written = []

    def paths(self, epoch):
        """`(generator, discriminator)` file paths for epoch `epoch` (from 1)."""
        return tuple(os.path.join(self.directory, f"{network}_{epoch:03d}.weights.h5")
                     for network in ("generator", "discriminator"))

    def on_epoch_end(self, epoch, logs=None):
        if self.model.stop_training:  # interrupted or diverged: not an epoch's end
            return
        os.makedirs(self.directory, exist_ok=True)
        for network, path in zip((self.model.generator, self.model.discriminator),
                                 self.paths(epoch + 1)):
            self.written.append(weights.save_weights(network, path))
