"""`RunProgbar`: Keras's progress bar, numbered for the whole run."""

import keras


class RunProgbar(keras.callbacks.ProgbarLogger):
    """`keras.callbacks.ProgbarLogger` for training that calls `fit()` once per
    epoch: it shows "Epoch 3/25" rather than "Epoch 3/3", and a resumed
    epoch's bar starts at the batch the run resumed from.

    Args:
        epochs: int, the run's total epochs.
        steps_per_epoch: int, batches in a whole epoch.

    Attributes:
        offset: batches of the current epoch trained before this `fit()`;
            set it before each `fit()`.
    """

    def __init__(self, epochs, steps_per_epoch):
        super().__init__()
        self.total_epochs = epochs
        self.steps_per_epoch = steps_per_epoch
        self.offset = 0

    def set_params(self, params):
        super().set_params(dict(params, epochs=self.total_epochs,
                                steps=self.steps_per_epoch))

    def on_train_batch_end(self, batch, logs=None):
        super().on_train_batch_end(batch + self.offset, logs)
