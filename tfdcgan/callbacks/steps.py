"""`StepCallback`: a callback that knows the global training step.

Keras numbers batches from 0 in every epoch and every `fit()` call, and its
logs hold running means over the epoch. A training run that resumes, or that
calls `fit()` once per epoch as `tfdcgan.run` does, needs the step counted
across all of them and, for curves, the value of each step itself.
"""

import math

import numpy as np
import keras


class StepCallback(keras.callbacks.Callback):
    """Base class: `self.step` is the number of training steps done so far.

    Args:
        initial_step: int, steps already done before this callback's first
            `fit()` (the checkpoint's step when a run resumes).

    Subclasses call `super().on_train_batch_end(batch, logs)` first; then
    `self.step` counts the batch just trained and `self.step_values` holds
    that step's own metric values (recovered from Keras's running means, so
    with `steps_per_execution > 1` they are means over the executed steps).
    """

    def __init__(self, initial_step=0):
        super().__init__()
        self.step = int(initial_step)
        self.step_values = {}
        self._last_batch = -1
        self._last_totals = {}

    def on_epoch_begin(self, epoch, logs=None):
        self._last_batch = -1
        self._last_totals = {}

    def on_train_batch_end(self, batch, logs=None):
        steps = batch - self._last_batch
        self.step += steps
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
