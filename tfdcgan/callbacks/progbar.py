"""How training shows its progress: a progress bar on a terminal, lines in a file.

`progress_callback` picks: `RunProgbar` (Keras's bar) when stdout is a
terminal, otherwise `RunLog`, which prints whole lines (`nohup ... > train.log`
and CI logs stay small and readable), as Keras's `verbose="auto"` does.
"""

import sys
import time

import keras

from tfdcgan.callbacks.steps import StepCallback


def progress_callback(epochs, steps_per_epoch, batch_size, every=0, interactive=None):
    """`RunProgbar` when `interactive` (default: stdout is a terminal), else `RunLog`."""
    if interactive is None:
        interactive = sys.stdout.isatty()
    if interactive:
        return RunProgbar(epochs, steps_per_epoch)
    return RunLog(epochs, steps_per_epoch, batch_size, every=every)


class RunProgbar(keras.callbacks.ProgbarLogger):
    """`keras.callbacks.ProgbarLogger` numbered for the whole run: it shows
    "Epoch 3/25" for a run that resumes at epoch 3, and a resumed epoch's
    bar starts at the batch the run resumed from.

    Args:
        epochs: int, the run's total epochs.
        steps_per_epoch: int, batches in a whole epoch.

    Attributes:
        offset: batches of the first epoch trained before this `fit()`.
    """

    def __init__(self, epochs, steps_per_epoch):
        super().__init__()
        self.total_epochs = epochs
        self.steps_per_epoch = steps_per_epoch
        self.offset = 0

    def set_params(self, params):
        # (verbose 1: a bar, even under fit(verbose=0), which keeps Keras's own off)
        super().set_params(dict(params, epochs=self.total_epochs,
                                steps=self.steps_per_epoch, verbose=1))

    def on_train_batch_end(self, batch, logs=None):
        super().on_train_batch_end(batch + self.offset, logs)

    def on_epoch_end(self, epoch, logs=None):
        super().on_epoch_end(epoch, logs)
        self.offset = 0  # (only the first epoch of a resumed run starts late)


class RunLog(StepCallback):
    """Progress as whole lines on stdout: every `every` steps, the step, the
    epoch and batch, the metrics (means over the epoch so far, as the bar
    shows them) and images per second since the last line; and one line at
    every epoch end.

        step 400  epoch 1/25  batch 400/937  d_loss: 1.2061 - g_loss: 0.9512 ...  812.4 images/s
        epoch 1/25 done  step 937  95.2 s  630.1 images/s  d_loss: 1.1873 - g_loss: 1.0135 ...

    Args:
        epochs: int, the run's total epochs.
        steps_per_epoch: int, batches in a whole epoch.
        batch_size: int, images per step (for images per second).
        every: int, steps between lines within an epoch; 0: epoch ends only.
        stream: where to write (default: `sys.stdout` at each line).

    Attributes:
        offset: batches of the first epoch trained before this `fit()`.
    """

    def __init__(self, epochs, steps_per_epoch, batch_size, every=0, stream=None):
        super().__init__()
        self.total_epochs = epochs
        self.steps_per_epoch = steps_per_epoch
        self.batch_size = batch_size
        self.every = every
        self.stream = stream
        self.offset = 0
        self._epoch = 0
        self._mark = None  # (time, step) of the last line
        self._epoch_start = None

    def on_epoch_begin(self, epoch, logs=None):
        super().on_epoch_begin(epoch, logs)
        self._epoch = epoch
        self._epoch_start = self._mark = (time.perf_counter(), self.model_step())

    def on_train_batch_end(self, batch, logs=None):
        super().on_train_batch_end(batch, logs)
        if self.every and self.step % self.every == 0:
            self._print(f"step {self.step}  epoch {self._epoch + 1}/{self.total_epochs}  "
                        f"batch {batch + 1 + self.offset}/{self.steps_per_epoch}  "
                        f"{_metrics(logs)}  {self._rate(self._mark)}")
            self._mark = (time.perf_counter(), self.step)

    def on_epoch_end(self, epoch, logs=None):
        seconds = time.perf_counter() - self._epoch_start[0]
        self._print(f"epoch {epoch + 1}/{self.total_epochs} done  step {self.model_step()}  "
                    f"{seconds:.1f} s  {self._rate(self._epoch_start)}  {_metrics(logs)}")
        self.offset = 0

    def _rate(self, since):
        start, start_step = since
        seconds = time.perf_counter() - start
        images = (self.model_step() - start_step) * self.batch_size
        return f"{images / seconds:.1f} images/s" if seconds > 0 else ""

    def _print(self, line):
        stream = self.stream or sys.stdout
        stream.write(line + "\n")
        stream.flush()


def _metrics(logs):
    return " - ".join(f"{name}: {float(value):.4f}" for name, value in (logs or {}).items())
