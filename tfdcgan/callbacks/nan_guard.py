"""`NaNGuard`: stop training at the first non-finite loss, and say where."""

import logging

from tfdcgan.callbacks.steps import StepCallback, non_finite

logger = logging.getLogger(__name__)


class NaNGuard(StepCallback):
    """Stops `fit()` after the first step whose logged metrics (any of them,
    not only `loss` as `keras.callbacks.TerminateOnNaN`) are NaN or infinite.

    A `Checkpointer` given this guard saves nothing once it has tripped, so
    the last good checkpoint is never replaced by broken weights.

    Args:
        last_checkpoint: optional callable returning the path of the last good
            checkpoint (or None), for the message.

    Attributes:
        stopped_at: the step that went non-finite, or None.
        bad_metrics: the names of the non-finite metrics at that step.
    """

    def __init__(self, last_checkpoint=None):
        super().__init__()
        self.last_checkpoint = last_checkpoint
        self.stopped_at = None
        self.bad_metrics = []

    @property
    def tripped(self):
        return self.stopped_at is not None

    def on_train_batch_end(self, batch, logs=None):
        super().on_train_batch_end(batch, logs)
        bad = non_finite(logs)
        if bad:
            self.trip(self.step, bad)

    def trip(self, step, names):
        """Records that `names` (metrics, or "weights") went non-finite at
        `step` and stops training; later trips are ignored."""
        if self.tripped:
            return
        self.stopped_at = step
        self.bad_metrics = list(names)
        if self.model is not None:
            self.model.stop_training = True
        logger.error(self.message())

    def message(self):
        """Names the step, the metrics and the last good checkpoint."""
        if not self.tripped:
            return "Training losses are finite."
        path = self.last_checkpoint() if self.last_checkpoint else None
        if path:
            where = (f"The last good checkpoint, {path}, is kept as it was; "
                     f"running the same command again resumes from it. (A lower "
                     f"learning rate needs a new run: resuming restores the "
                     f"checkpoint's.)")
        else:
            where = "No checkpoint had been written yet."
        return (f"Non-finite {', '.join(self.bad_metrics)} at step {self.stopped_at}: "
                f"training stopped. {where}")
