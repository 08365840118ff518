"""`StepCallback`: a callback that knows the global training step.

Keras numbers batches from 0 in every epoch and every `fit()` call, and its
logs hold running means over the epoch. A training run that resumes needs
the step of the whole run and, for curves, the value of each step itself.
The step comes from the model: a `tfdcgan.GAN`'s `step` (its discriminator
optimizer's iterations), or any other model's `optimizer.iterations`; both
are saved and restored with the optimizers, so a resumed run continues its
count without being told where it stopped.
"""

import math

import numpy as np
import keras


class StepCallback(keras.callbacks.Callback):
    """Base class: `self.step` is the number of training steps done so far.

    Subclasses call `super().on_train_begin(logs)` and
    `super().on_train_batch_end(batch, logs)` first; then `self.step` is the
    model's step (counting the batch just trained) and `self.step_values`
    holds that step's own metric values (recovered from Keras's running
    means, so with `steps_per_execution > 1` they are means over the executed
    steps).
    """

    def __init__(self):
        super().__init__()
        self.step = 0
        self.step_values = {}
        self._last_batch = -1
        self._last_totals = {}

    def model_step(self):
        """The model's training steps so far (0 without a model)."""
        model = self.model
        if model is None:
            return 0
        if hasattr(model, "step"):
            return int(model.step)
        return int(np.asarray(model.optimizer.iterations))

    def on_train_begin(self, logs=None):
        self.step = self.model_step()

    def on_epoch_begin(self, epoch, logs=None):
        self._last_batch = -1
        self._last_totals = {}

    def on_train_batch_end(self, batch, logs=None):
        steps = batch - self._last_batch
        self.step = self.model_step()
        self.step_values = {}
        for name, mean in (logs or {}).items():
            mean = to_float(mean)
            total = mean * (batch + 1)
            previous = self._last_totals.get(name, 0.0)
            self.step_values[name] = (total - previous) / steps
            self._last_totals[name] = total
        self._last_batch = batch


def to_float(value):
    """A scalar log value (tensor, numpy or Python) as a Python float."""
    return float(np.asarray(value))


def non_finite(logs):
    """Names of the log entries that are NaN or infinite."""
    return [name for name, value in (logs or {}).items()
            if not math.isfinite(to_float(value))]
