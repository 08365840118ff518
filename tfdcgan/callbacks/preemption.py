"""`SaveOnPreemption`: SIGTERM on any worker of a cluster saves a checkpoint
on every worker at the same step, then stops training everywhere."""

import logging
import signal

import keras
import tensorflow as tf

logger = logging.getLogger(__name__)


class SaveOnPreemption(keras.callbacks.Callback):
    """TensorFlow's `tf.distribute.experimental.PreemptionCheckpointHandler`
    in a Keras callback, for `MultiWorkerMirroredStrategy`.

    The handler catches SIGTERM on its worker and, through the cluster's
    coordination service, agrees with every other worker on the step after
    which all of them save (workers may be a step apart when the signal
    comes). At that step every worker calls `checkpointer.save()` (the chief
    into the run, the others into their scratch folders, as the collective
    reads of a save require), then training stops on every worker with
    `stop.received = SIGTERM`, so the run exits with status 143 as on one
    machine.

    Create it in the main thread, after `stop` has installed its handlers
    (the handler installs its own for SIGTERM), and list it after the
    `Checkpointer`, whose position for the step it saves.

    Args:
        cluster_resolver: the strategy's `cluster_resolver`.
        checkpointer: the run's `tfdcgan.callbacks.Checkpointer`.
        stop: the run's `StopOnSignal`, told which signal stopped training.
        directory: a folder for the handler's own (empty, never written)
            checkpoint bookkeeping; it does not need to exist.
    """

    def __init__(self, cluster_resolver, checkpointer, stop, directory):
        super().__init__()
        self.checkpointer = checkpointer
        self.stop = stop
        # The handler counts its calls from a variable it adds to the
        # checkpoint it is given; an empty checkpoint of its own keeps that
        # counter out of the run's checkpoints and equal (0) on every worker.
        # Saves go through `save_fn`, so nothing is written to `directory`.
        bookkeeping = tf.train.CheckpointManager(tf.train.Checkpoint(), directory,
                                                 max_to_keep=1)
        self.handler = tf.distribute.experimental.PreemptionCheckpointHandler(
            cluster_resolver, bookkeeping,
            termination_config=tf.distribute.experimental.TerminationConfig(
                exit_fn=self._stop_training, save_fn=self._save))

    def _save(self):
        path = self.checkpointer.save()
        logger.warning("SIGTERM in the cluster: saved %s at step %d.",
                       path or "the checkpoint of this step", self.checkpointer.step)

    def _stop_training(self):
        self.stop.received = signal.SIGTERM
        self.model.stop_training = True

    def on_train_batch_end(self, batch, logs=None):
        self.handler.save_checkpoint_if_preempted()
