"""`EpochWeights`: each network's weights at every epoch end, as the
PyTorch DCGAN's `netG_epoch_{n}.pth` / `netD_epoch_{n}.pth`."""

import os

import keras

from tfdcgan import weights


class EpochWeights(keras.callbacks.Callback):
    """Writes `directory/generator_{epoch:03d}.weights.h5` and
    `discriminator_{epoch:03d}.weights.h5` at the end of every epoch that ran
    to the end of its data, `epoch` counting from 1, and, for a model with
    `ema_decay`, `generator_ema_{epoch:03d}.weights.h5`: the average that
    the run's samples come from. Each is written atomically
    (`tfdcgan.weights.save_weights`). Load one with `Generator.load_weights`
    into a generator (or discriminator) built with the run's settings
    (`model.json`), or start a new run from one (`init_generator`).

    Args:
        directory: str, created when the first file is written.
    """

    def __init__(self, directory):
        super().__init__()
        self.directory = directory
        self.written = []

    def paths(self, epoch):
        """`{network name: file path}` for epoch `epoch` (from 1)."""
        return {name: os.path.join(self.directory, f"{name}_{epoch:03d}.weights.h5")
                for name in self._networks()}

    def _networks(self):
        networks = {"generator": self.model.generator,
                    "discriminator": self.model.discriminator}
        if self.model.generator_ema is not None:
            networks["generator_ema"] = self.model.generator_ema
        return networks

    def on_epoch_end(self, epoch, logs=None):
        if self.model.stop_training:  # interrupted or diverged: not an epoch's end
            return
        os.makedirs(self.directory, exist_ok=True)
        paths = self.paths(epoch + 1)
        for name, network in self._networks().items():
            self.written.append(weights.save_weights(network, paths[name]))
