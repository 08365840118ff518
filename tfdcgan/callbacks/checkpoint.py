"""Checkpoints from which a training run continues exactly.

`RunCheckpoint` is what is saved: every variable of the model by name (both
networks' weights and batch norm statistics, and the noise stream
`noise_seed`), both optimizers (slots and iteration counts), the fixed sample z, and where training stands (`step`,
`epoch`, and `batch`, the batches of `epoch` already trained). Together with
a data order that depends only on the seed and the epoch (see
`tfdcgan.run`), that is everything a run needs to continue as if it had
never stopped.

`Checkpointer` saves one every `every` steps and at the end of every epoch.

Broken or partial checkpoints are never used:

* Nothing is saved once a `NaNGuard` has tripped, nor while any weight is
  NaN or infinite, so the last good checkpoint is never replaced.
* `tf.train.CheckpointManager` writes a checkpoint's files first and only
  then rewrites its `checkpoint` index file (atomically, by rename); a
  process killed while writing leaves the index naming the previous,
  complete checkpoint. Older checkpoints are deleted only after that.
* `restore()` reads every tensor of a checkpoint before using it and, when
  the newest is unreadable (truncated, corrupt), falls back to the next one.
* A step is never saved twice, so a complete checkpoint is never rewritten
  in place.
"""

import glob
import logging
import os
import re

import tensorflow as tf

from tfdcgan.callbacks.steps import StepCallback

logger = logging.getLogger(__name__)

CHECKPOINT_NAME = "ckpt"


class RunCheckpoint:
    """The state of a training run, saved to and restored from `directory`.

    Args:
        directory: str, the checkpoint folder.
        gan: a `tfdcgan.GAN`; compiled to save and restore its optimizers.
        sample_z: optional float32 `[n, z_dim]`, the fixed sample noise,
            kept as the variable `self.sample_z` (restored with the rest).
        max_to_keep: int, checkpoints kept on disk.

    Attributes:
        step, epoch, batch: int64 `tf.Variable`s, where training stands.
        manager: the `tf.train.CheckpointManager`.
    """

    def __init__(self, directory, gan, sample_z=None, max_to_keep=1):
        self.directory = directory
        self.gan = gan
        self.step = tf.Variable(0, dtype=tf.int64, trainable=False, name="step")
        self.epoch = tf.Variable(0, dtype=tf.int64, trainable=False, name="epoch")
        self.batch = tf.Variable(0, dtype=tf.int64, trainable=False, name="batch")
        objects = {"variables": model_variables(gan), "step": self.step,
                   "epoch": self.epoch, "batch": self.batch}
        if getattr(gan, "d_optimizer", None) is not None:
            objects["d_optimizer"] = gan.d_optimizer
            objects["g_optimizer"] = gan.g_optimizer
        self.sample_z = None
        if sample_z is not None:
            self.sample_z = tf.Variable(sample_z, dtype=tf.float32, trainable=False,
                                        name="sample_z")
            objects["sample_z"] = self.sample_z
        self.checkpoint = tf.train.Checkpoint(**objects)
        self.manager = tf.train.CheckpointManager(
            self.checkpoint, directory, max_to_keep=max_to_keep,
            checkpoint_name=CHECKPOINT_NAME)
        self._saved_step = None

    @property
    def variables(self):
        """Every variable a checkpoint holds: the model's, both optimizers',
        `step`, `epoch`, `batch` and `sample_z`."""
        variables = list(model_variables(self.gan).values())
        if getattr(self.gan, "d_optimizer", None) is not None:
            variables += list(self.gan.d_optimizer.variables)
            variables += list(self.gan.g_optimizer.variables)
        variables += [self.step, self.epoch, self.batch]
        return variables + ([self.sample_z] if self.sample_z is not None else [])

    @property
    def latest(self):
        """Path prefix of the newest registered checkpoint, or None."""
        return self.manager.latest_checkpoint

    def weights_finite(self):
        """True when every floating-point variable of the model is finite."""
        for v in self.gan.variables:
            if tf.as_dtype(v.dtype).is_floating and not bool(
                    tf.reduce_all(tf.math.is_finite(v))):
                return False
        return True

    def save(self):
        """Saves the current state as `ckpt-{step}`; returns its path, or None
        when this step is already saved.

        Raises:
            NonFiniteWeightsError: a weight is NaN or infinite (nothing saved).
        """
        step = int(self.step.numpy())
        if step == self._saved_step:
            return None
        if not self.weights_finite():
            raise NonFiniteWeightsError(step)
        path = self.manager.save(checkpoint_number=step)
        self._saved_step = step
        logger.info("Saved checkpoint %s", path)
        return path

    def candidates(self):
        """Checkpoint prefixes to try, newest first: the registered ones, then
        complete ones on disk that the index does not list."""
        listed = list(reversed(self.manager.checkpoints))
        on_disk = sorted(
            (p[:-len(".index")] for p in glob.glob(
                os.path.join(self.directory, f"{CHECKPOINT_NAME}-*.index"))),
            key=_checkpoint_number, reverse=True)
        return listed + [p for p in on_disk if p not in listed]

    def restore(self):
        """Restores the newest readable checkpoint.

        Returns:
            its path, or None when there is none (nothing is changed then).
        """
        for path in self.candidates():
            try:
                _read_all(path)
                status = self.checkpoint.restore(path)
                status.expect_partial()
                status.assert_existing_objects_matched()
            except Exception as error:  # noqa: BLE001 (any failure: unusable)
                logger.warning("Checkpoint %s is unreadable or incomplete (%s); "
                               "trying an older one.", path, _first_line(error))
                continue
            self._saved_step = int(self.step.numpy())
            return path
        return None


class Checkpointer(StepCallback):
    """Keeps a `RunCheckpoint`'s `step`/`epoch`/`batch` current and saves it
    every `every` steps and at the end of every epoch that ran to the end of
    its data (not one stopped early by a `NaNGuard` or a signal).

    Args:
        run_checkpoint: the `RunCheckpoint`.
        every: int, steps between checkpoints (carpedm20's `ckpt_freq`); 0 or
            None for epoch ends only.
        nan_guard: optional `NaNGuard`, listed before this callback; once it
            has tripped nothing more is saved.
    """

    def __init__(self, run_checkpoint, every=200, nan_guard=None):
        super().__init__()
        self.run_checkpoint = run_checkpoint
        self.every = every
        self.nan_guard = nan_guard
        self._epoch_start_batch = 0

    def on_epoch_begin(self, epoch, logs=None):
        super().on_epoch_begin(epoch, logs)
        ckpt = self.run_checkpoint
        if int(ckpt.epoch.numpy()) != epoch:
            ckpt.epoch.assign(epoch)
            ckpt.batch.assign(0)
        self._epoch_start_batch = int(ckpt.batch.numpy())

    def on_train_batch_end(self, batch, logs=None):
        super().on_train_batch_end(batch, logs)
        self.run_checkpoint.step.assign(self.step)
        self.run_checkpoint.batch.assign(self._epoch_start_batch + batch + 1)
        last_of_epoch = batch + 1 == (self.params or {}).get("steps")
        if self.every and self.step % self.every == 0 and not last_of_epoch:
            self.save()  # (the last batch's is saved by on_epoch_end, epoch advanced)

    def on_epoch_end(self, epoch, logs=None):
        if self.model.stop_training:
            return
        self.run_checkpoint.epoch.assign(epoch + 1)
        self.run_checkpoint.batch.assign(0)
        self.save()

    def save(self):
        """Saves unless the guard has tripped; returns the path or None.

        Weights found NaN or infinite (which a ReLU can hide from the losses)
        trip the guard, or without one stop training, and save nothing.
        """
        if self.nan_guard is not None and self.nan_guard.tripped:
            return None
        try:
            return self.run_checkpoint.save()
        except NonFiniteWeightsError as error:
            if self.nan_guard is not None:
                self.nan_guard.trip(error.step, ["weights"])
            else:
                logger.error("%s; training stopped.", error)
                if self.model is not None:
                    self.model.stop_training = True
            return None


class NonFiniteWeightsError(ValueError):
    """Some weights are NaN or infinite, so no checkpoint was saved."""

    def __init__(self, step):
        super().__init__(f"Non-finite weights at step {step}: not saved")
        self.step = step


def model_variables(gan):
    """Every variable of `gan` (weights, batch-norm statistics, the noise
    stream) keyed by its Keras path without the model's own name, e.g.
    `generator/deconv1/kernel`, `noise_seed`.

    A run's checkpoints key variables by these paths (stable names that
    say what each is, and that `RunCheckpoint.restore` matches one by one);
    `tf.train.Checkpoint(model=gan)` reaches the same variables too, since
    the networks hold their layers as named attributes.
    """
    prefix = gan.name + "/"
    variables = {}
    for v in gan.variables:
        key = v.path[len(prefix):] if v.path.startswith(prefix) else v.path
        if key in variables:
            raise ValueError(f"Two variables of {gan.name} have the path {key!r}.")
        variables[key] = v
    return variables


def _checkpoint_number(prefix):
    match = re.search(r"-(\d+)$", prefix)
    return int(match.group(1)) if match else -1


def _read_all(path):
    """Reads every tensor of a checkpoint; raises on a truncated or corrupt one."""
    reader = tf.train.load_checkpoint(path)
    for name in reader.get_variable_to_shape_map():
        reader.get_tensor(name)


def _first_line(error):
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
