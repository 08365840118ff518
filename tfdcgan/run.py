"""What `main.py` calls: settings -> data -> model -> training, or test mode.

    import tfdcgan.run
    tfdcgan.run.main(dataset="mnist", train=True, epoch=1, train_size=640)
    tfdcgan.run.main(dataset="mnist", visualize=True, visualize_option=0)

Every keyword is the `main.py` flag of the same name (`RunConfig`, in
`tfdcgan.run_config` with the run's naming and layout).

The run directory, `out_dir/out_name`, is a `tfdcgan.run_dir.RunDirectory`
(its docstring lists what it holds). TensorBoard events go to
`logs_dir/out_name`. The default `out_name` is derived from the settings
that define the run (dataset, sizes, z, batch size, and any model or
optimiser setting changed from its default), not from the time, so the
same command finds the same run: `--train` resumes it and test mode loads
it. `--epoch` is not part of the name: raising it continues a finished run.
A resumed run keeps the settings of its name, under an explicit `out_name`
too (`RunDirectory.check_settings`, `check_or_write_model`).

Exact resume: a checkpoint holds the weights, both optimizers, the noise
stream, the fixed sample z and where training stands (step, epoch, batch).
Epoch e's data is shuffled with the seed `epoch_seed(seed, e)`, so its order
depends only on the seed and e. Training is one `fit()` over a dataset of the
remaining epochs (`epochs_data`), so Keras callbacks that keep state across
epochs (EarlyStopping, CSVLogger, ReduceLROnPlateau, ...) see the whole run.
A run resumed in the middle of an epoch first finishes that epoch, skipping
the batches already trained (decoding them once more), in a `fit()` of its
own: Keras runs the same number of steps in every epoch of one `fit()`.

Several devices or machines (`strategy`, see `tfdcgan.cluster`): `batch_size`
is the global batch, split evenly between the replicas; each worker reads its
own shard of every epoch. With `strategy="multi_worker"` every worker runs the
same call; the chief alone writes the run directory and TensorBoard logs, and
the others save their share of each checkpoint into a scratch folder they
remove. A resumed run restores the chief's checkpoint and copies it to every
worker; SIGTERM on any worker saves a checkpoint on all (`SaveOnPreemption`).
"""

import dataclasses
import logging
import os
import signal

import numpy as np
import tensorflow as tf
import keras

from tfdcgan import allocator
from tfdcgan import callbacks as cb
from tfdcgan import cluster
from tfdcgan import data as data_lib
from tfdcgan import export as export_lib
from tfdcgan import rules
from tfdcgan import visualize as visualize_lib
from tfdcgan.basic_gan import BasicGAN
from tfdcgan.dcgan import DCGAN
from tfdcgan.run_config import (  # noqa: F401  (the settings, importable from here too)
    RunConfig, command_line, default_out_name, epoch_seed, identity, resolve, run_paths,
    sample_seed)
from tfdcgan.run_dir import RunDirectory, RunError

logger = logging.getLogger(__name__)


class NoCheckpointError(RunError):
    """Test mode found no checkpoint."""


class TrainingDiverged(RunError):
    """A loss became NaN or infinite."""


class WorkerLost(RunError):
    """Another worker of the cluster stopped answering (killed, crashed)."""


class Interrupted(RunError):
    """Training stopped on SIGINT or SIGTERM (after saving a checkpoint)."""

    def __init__(self, message, signum=signal.SIGINT):
        super().__init__(message)
        self.exit_code = 128 + int(signum)


def main(**kwargs):
    """Trains (`train=True`) or loads a run, then writes what was asked.

    Returns:
        `(gan, run_dir)`: the trained or loaded model and its `RunDirectory`.

    Raises:
        tfdcgan.rules.SettingError: a value out of its range or settings that
            cannot work together, before anything is read or written.
        RunError: with a message for the user (no data, no checkpoint,
            non-finite loss, interrupted, settings that do not fit the run).
    """
    config = resolve(RunConfig(**kwargs))
    rules.check_paths(config)
    # (Test mode runs on one device: it only reads the chief's run.)
    worker = cluster.start(config.strategy if config.train else "default")
    if config.deterministic:
        tf.config.experimental.enable_op_determinism()
    run_dir = RunDirectory.for_config(config)
    logger.info("Run directory: %s%s", run_dir.run_dir,
                "" if worker.is_chief else " (written by the chief)")
    if config.train:
        gan = train(config, run_dir, command=command_line(kwargs), worker=worker)
    else:
        gan = load(config, run_dir, command=command_line(kwargs))
    if worker.is_chief:
        write_outputs(config, run_dir, gan)
    return gan, run_dir


# Training.

@dataclasses.dataclass
class RunCallbacks:
    """The run's own callbacks. `in_order` lists them in the order they must
    run: `guard` first (so nothing is saved after a NaN), the step's outputs
    (`samples`, `curves`, `tensorboard`) before its `checkpointer` (a process
    killed in between has none the checkpoint lacks), then the optional
    `quality` and `weights`, `stop` (and on a cluster `preemption`), the
    user's callbacks, and `progress` last (it prints what the others logged).
    A worker other than the chief has no `samples`, `curves`, `tensorboard`,
    `quality` or `weights` (None): it writes nothing that stays."""

    guard: cb.NaNGuard
    samples: cb.SampleGrid
    curves: cb.LossCurves
    tensorboard: cb.TensorBoardSummaries
    checkpointer: cb.Checkpointer
    stop: cb.StopOnSignal
    progress: keras.callbacks.Callback
    quality: keras.callbacks.Callback = None
    weights: cb.EpochWeights = None
    preemption: cb.SaveOnPreemption = None

    def in_order(self, extra=()):
        ordered = ([self.guard, self.samples, self.curves, self.tensorboard,
                    self.checkpointer, self.quality, self.weights, self.stop,
                    self.preemption] + list(extra) + [self.progress])
        return [c for c in ordered if c is not None]


def train(config, run_dir=None, command="python main.py --train", callbacks=(),
          worker=None):
    """Trains the run, resuming its latest checkpoint; returns the model.

    Args:
        config: a resolved `RunConfig`.
        run_dir: its `RunDirectory` (default: `RunDirectory.for_config(config)`).
        command: the command that trains this run, for messages.
        callbacks: more Keras callbacks, run after the run's own.
        worker: this process's `tfdcgan.cluster.Worker` (default:
            `cluster.start(config.strategy)`).

    Raises:
        TrainingDiverged, Interrupted, RunError.
    """
    run_dir = run_dir or RunDirectory.for_config(config)
    worker = worker or cluster.start(config.strategy)
    try:
        worker.check_batch(config.batch_size)
    except ValueError as error:
        raise RunError(str(error)) from error
    logger.info("%s", worker.describe(config.batch_size))
    note = worker.multi_worker and allocator.note()
    if note:
        logger.info("%s", note)
    seed, = worker.from_chief([_on_chief(worker, lambda: run_dir.seed(config.seed)) or 0])
    seed = int(seed)
    keras.utils.set_random_seed(seed)
    # On a cluster SIGTERM goes through SaveOnPreemption, so that every
    # worker saves at the same step; Ctrl-C stops one worker at once.
    stop = cb.StopOnSignal(signals=() if worker.multi_worker else cb.StopOnSignal.SIGNALS)
    with stop.installed(), worker.scratch_dir(run_dir.run_dir) as scratch:
        gan, ckpt, info = _start(config, run_dir, seed, worker, scratch)
        start_epoch, skip = int(ckpt.epoch.numpy()), int(ckpt.batch.numpy())
        if info is not None and skip >= info.steps_per_epoch:  # the data shrank since
            start_epoch, skip = start_epoch + 1, 0
        run_callbacks = training_callbacks(config, run_dir, gan, ckpt, seed, info, stop,
                                           worker=worker, scratch=scratch)
        if start_epoch >= config.epoch:
            logger.info("The run has already trained %d of %d epochs; raise --epoch "
                        "to train more.", start_epoch, config.epoch)
        else:
            try:
                _fit(config, seed, gan, info, start_epoch, skip, run_callbacks, callbacks,
                     worker.strategy)
            except _PEER_ERRORS as error:
                if not worker.multi_worker:
                    raise
                raise _worker_lost(error, gan, ckpt, command) from error
        if worker.num_replicas > 1:
            logger.info("Weights fingerprint (the same on every worker): trainable %s, "
                        "batch-norm statistics %s.", *weights_fingerprints(gan))
        _finish(run_dir, gan, ckpt, run_callbacks, command)
    if not worker.is_chief:
        logger.info("Trained to step %d; the chief wrote the run.", gan.step)
        return gan
    logger.info("Trained to step %d. Samples: %s; loss curves: %s; TensorBoard: "
                "tensorboard --logdir %s", gan.step, run_dir.sample_dir,
                run_dir.losses_png, os.path.dirname(run_dir.logs_dir.rstrip(os.sep)))
    return gan


def _start(config, run_dir, seed, worker, scratch=None):
    """Builds the model (with --init_* weights), writes the run's files and
    restores its checkpoint. Returns `(gan, run_checkpoint, data info)`; the
    info is None when there is nothing left to train.

    On a cluster the chief alone does the reading and writing; the other
    workers keep their checkpoints in `scratch`, and every variable of the
    chief's (restored or new) is copied to them."""
    chief = worker.is_chief
    stored = run_dir.model_config() if chief else None
    info = None
    if stored is None:
        _, info = load_data(config, seed, epoch=0, quiet=not chief)
        c_dim = info.c_dim
    else:
        c_dim = stored["config"]["c_dim"]
    c_dim, = worker.from_chief([c_dim])
    gan = build_gan(config, int(c_dim), seed, worker.strategy)

    def check_and_write():  # (FLAGS.json last: a resume refused by a check leaves it as it was)
        init = init_weights(config, gan)  # (checks shapes before writing)
        run_dir.makedirs()
        run_dir.check_or_write_model(gan)
        run_dir.check_settings(identity(config))
        run_dir.write_flags(config, seed)
        return init

    init = _on_chief(worker, check_and_write) or {}
    sample_z = gan.sample_z(config.batch_size, seed=sample_seed(seed)).numpy()
    ckpt = cb.RunCheckpoint(run_dir.checkpoint_dir if chief else scratch, gan, sample_z,
                            config.max_to_keep)
    restored = ckpt.restore() if chief else None
    worker.copy_from_chief(ckpt.variables)
    if not chief:
        logger.info("Starting from the chief's %s: step %d, epoch %d.",
                    "checkpoint" if gan.step else "new weights", gan.step,
                    int(ckpt.epoch.numpy()) + 1)
    elif restored:
        logger.info("Resuming %s: step %d, epoch %d, %d batches into it.", restored,
                    gan.step, int(ckpt.epoch.numpy()) + 1, int(ckpt.batch.numpy()))
        if init:
            logger.info("(%s start new runs only; this one resumes its checkpoint.)",
                        " and ".join(f"--{name}" for name in init))
    else:
        logger.info("Starting a new run (seed %d)%s.", seed, "".join(
            f"; {name.split('_')[1]} weights from {path}" for name, path in init.items()))
        run_dir.record_init_weights(init)
    if int(ckpt.epoch.numpy()) >= config.epoch:
        return gan, ckpt, None
    if info is None:
        _, info = load_data(config, seed, 0, quiet=not chief)
    return gan, ckpt, info


def _fit(config, seed, gan, info, start_epoch, skip, run_callbacks, callbacks,
         strategy=None):
    """Trains epochs `start_epoch` .. `config.epoch - 1` in one `fit()`; a
    run stopped in epoch `start_epoch` after `skip` batches first finishes
    that epoch in a `fit()` of its own."""
    all_callbacks = run_callbacks.in_order(_user_callbacks(callbacks))
    steps = info.steps_per_epoch
    spans = [(start_epoch, config.epoch, 0)]
    if skip:
        spans = [(start_epoch, start_epoch + 1, skip), (start_epoch + 1, config.epoch, 0)]
    for first, last, skipped in spans:
        if first >= last:
            break
        run_callbacks.progress.offset = skipped
        _check_data(gan, epochs_data(config, seed, first, first + 1))
        data = epochs_data(config, seed, first, last, skip=skipped, strategy=strategy,
                           steps_per_epoch=steps)
        gan.fit(data, initial_epoch=first, epochs=last, steps_per_epoch=steps - skipped,
                callbacks=all_callbacks, verbose=0)
        if gan.stop_training:  # NaN, a signal, or a callback such as EarlyStopping
            break


def _on_chief(worker, task):
    """`task()` on the chief (its result; None on the other workers). A
    `RunError` it raises reaches every worker: the chief raises it, the
    others one that points to the chief's output, rather than waiting in
    the next collective op for a chief that has gone."""
    error = result = None
    if worker.is_chief:
        try:
            result = task()
        except RunError as raised:
            error = raised
    refused, = worker.from_chief([error is not None])
    if error is not None:
        raise error
    if refused:
        raise RunError("The chief (worker 0) stopped this run before training; "
                       "its output says why.")
    return result


# What a collective op raises when another worker has gone.
_PEER_ERRORS = (tf.errors.UnavailableError, tf.errors.AbortedError, tf.errors.CancelledError)


def _worker_lost(error, gan, ckpt, command):
    text = str(error).strip()
    return WorkerLost(
        f"A worker of the cluster was lost after step {gan.step} "
        f"({text.splitlines()[0] if text else type(error).__name__}). Start every worker "
        f"again with the same command to resume from the last checkpoint"
        f"{'' if ckpt.latest is None else ', ' + ckpt.latest}:\n  {command}")


def _user_callbacks(callbacks):
    """The user's callbacks, less `keras.callbacks.BackupAndRestore`: the
    run's checkpoints already back up everything training needs (mid-epoch
    too, exactly), and its epoch-end backup would be restored over them."""
    kept = [c for c in callbacks if not isinstance(c, keras.callbacks.BackupAndRestore)]
    if len(kept) < len(callbacks):
        logger.warning("keras.callbacks.BackupAndRestore is not used: the run's "
                       "checkpoints already back up training and resume it exactly.")
    return kept


def _finish(run_dir, gan, ckpt, run_callbacks, command):
    """After training: the last checkpoint (after an interrupt), the errors
    to raise, the last sample grid, loss curves and GIF."""
    run_callbacks.checkpointer.set_model(gan)
    run_callbacks.checkpointer.save()  # after an interrupt; otherwise already saved
    guard, stop = run_callbacks.guard, run_callbacks.stop
    if guard.tripped:
        raise TrainingDiverged(guard.message())
    if stop.received:
        raise Interrupted(
            f"Stopped by {signal.Signals(stop.received).name} at step "
            f"{gan.step}; the checkpoint {ckpt.latest} holds it. "
            f"Run the same command to resume:\n  {command}", stop.received)
    samples = run_callbacks.samples
    if samples is None:  # (a worker other than the chief)
        return
    if gan.step and samples.every and not os.path.exists(samples.path(gan.step)):
        samples.set_model(gan)
        samples.write(gan.step)
    if run_callbacks.curves.history:
        run_callbacks.curves.plot()
    cb.TrainingGif(run_dir.sample_dir, run_dir.training_gif).write()


def training_callbacks(config, run_dir, gan, ckpt, seed, info, stop=None, worker=None,
                       scratch=None):
    """The run's `RunCallbacks` for these settings (on a cluster, for this
    `worker`; `scratch`: a non-chief worker's folder for the handler of
    `SaveOnPreemption`)."""
    labels = np.arange(config.batch_size) % gan.y_dim if gan.y_dim else None
    guard = cb.NaNGuard(last_checkpoint=lambda: ckpt.latest)
    stop = stop or cb.StopOnSignal()
    checkpointer = cb.Checkpointer(ckpt, every=config.ckpt_freq, nan_guard=guard)
    progress = cb.progress_callback(config.epoch, info.steps_per_epoch if info else 0,
                                    config.batch_size, every=config.sample_freq)
    preemption = None
    if worker is not None and worker.multi_worker:
        preemption = cb.SaveOnPreemption(
            worker.strategy.cluster_resolver, checkpointer, stop,
            os.path.join(scratch or run_dir.checkpoint_dir, "preemption"))
    if worker is not None and not worker.is_chief:
        return RunCallbacks(guard=guard, samples=None, curves=None, tensorboard=None,
                            checkpointer=checkpointer, stop=stop, progress=progress,
                            preemption=preemption)
    real_images, real_labels = _first_batch(config, seed) if info else (None, None)
    return RunCallbacks(
        guard=guard,
        samples=cb.SampleGrid(run_dir.sample_dir, ckpt.sample_z, labels,
                              every=config.sample_freq),
        curves=cb.LossCurves(run_dir.stats, run_dir.losses_png, every=config.sample_freq),
        tensorboard=cb.TensorBoardSummaries(
            run_dir.logs_dir, z=ckpt.sample_z, labels=labels, real_images=real_images,
            real_labels=real_labels, histogram_freq=config.sample_freq,
            images=config.G_img_sum),
        checkpointer=checkpointer,
        stop=stop,
        progress=progress,
        quality=quality_callback(config, run_dir, seed) if config.quality_freq else None,
        weights=(cb.EpochWeights(run_dir.weights_dir) if config.save_weights_per_epoch
                 else None),
        preemption=preemption)


def init_weights(config, gan):
    """Loads `init_generator` / `init_discriminator` into `gan`'s networks
    (the generator's average, with `ema_decay`, starts from the loaded
    generator); returns `{setting: absolute path}` of those given.

    Raises:
        RunError: a file's weights do not fit (the message names the shapes).
    """
    from tfdcgan import weights

    loaded = {}
    for name, network in (("init_generator", gan.generator),
                          ("init_discriminator", gan.discriminator)):
        path = getattr(config, name)
        if not path:
            continue
        path = os.path.abspath(os.path.expanduser(path))
        try:
            weights.load_weights(network, path, name)
        except ValueError as error:
            raise RunError(str(error)) from error
        loaded[name] = path
    if "init_generator" in loaded:
        gan.restart_average()
    return loaded


def quality_callback(config, run_dir, seed):
    """The `SampleQuality` of `--quality_freq`: scores in `<run>/quality.jsonl`
    and TensorBoard, the best model in `<run>/checkpoint_best`. MNIST is scored
    against its test digits in MNIST-classifier features, other datasets
    against up to `quality_samples` of their training images in the features
    of the standard FID Inception ("fid_inception")."""
    from tfdcgan import metrics
    from tfdcgan.callbacks import quality

    try:
        if config.dataset == "mnist":
            reference = quality.mnist_reference(config.data_dir)
        else:
            reference = metrics.Reference.from_images(
                _training_images(config, seed, config.quality_samples), "fid_inception")
        return quality.SampleQuality(
            reference, every=config.quality_freq, num_samples=config.quality_samples,
            metric=config.quality_metric,
            best_dir=run_dir.best_dir, metrics_path=run_dir.quality_jsonl,
            log_dir=run_dir.logs_dir, seed=seed)
    except (FileNotFoundError, ValueError) as error:  # MissingWeightsError too
        raise RunError(f"--quality_freq {config.quality_freq}: {error}") from error


def _training_images(config, seed, n):
    """Up to `n` training images in file order, uint8: the first readable
    ones of the files training reads."""
    from tfdcgan.gan import to_uint8

    data, _ = load_data(config, seed, 0, quiet=True, shuffle=False)
    images = [to_uint8(batch[0] if isinstance(batch, tuple) else batch).numpy()
              for batch in data.take(-(-n // config.batch_size))]
    return np.concatenate(images)[:n]


def load_data(config, seed, epoch, quiet=False, **overrides):
    """A dataset and its info, shuffled with `epoch_seed(seed, epoch)` (for
    the info and single batches; training reads `epochs_data`).

    Returns `(dataset, info)` from `tfdcgan.data.load_dataset`. With `quiet`,
    the loader's log messages (already shown) are not repeated.
    """
    return _load(config, quiet, **{"seed": epoch_seed(seed, epoch), **overrides})


def epochs_data(config, seed, first, last, skip=0, strategy=None, steps_per_epoch=None):
    """Epochs `first` .. `last - 1` as one dataset, less the first `skip`
    batches. Epoch e is shuffled with `epoch_seed(seed, e)` (through
    `tfdcgan.data.pipeline.seeded_order`), so its order depends only on the
    seed and e, wherever the dataset starts; each epoch's pipeline is built
    when the previous one ends.

    With a `strategy` of several replicas, a distributed dataset
    (`distribute_datasets_from_function`): each worker's pipeline reads its
    shard of every epoch (the same shuffle everywhere, then every n-th image),
    in per-replica batches of `batch_size / replicas`, `steps_per_epoch` of
    them per replica and epoch, so an epoch shows every image at most once
    across the cluster and all workers step through the same epochs."""
    if strategy is None or strategy.num_replicas_in_sync == 1:
        return _epochs(config, seed, first, last, skip)
    if steps_per_epoch is None:
        raise ValueError("epochs_data needs steps_per_epoch with a strategy of several "
                         "replicas (each worker's shard must give the same number).")

    def dataset_fn(context):
        local_replicas = context.num_replicas_in_sync // context.num_input_pipelines
        return _epochs(config, seed, first, last, skip * local_replicas,
                       batch_size=context.get_per_replica_batch_size(config.batch_size),
                       shard=(context.num_input_pipelines, context.input_pipeline_id),
                       batches_per_epoch=steps_per_epoch * local_replicas)

    return strategy.distribute_datasets_from_function(dataset_fn)


def _epochs(config, seed, first, last, skip, batches_per_epoch=None, **overrides):
    seeds = tf.constant([epoch_seed(seed, e) for e in range(first, last)], tf.int64)

    @tf.autograph.experimental.do_not_convert  # (the loader is plain Python, run once)
    def epoch(shuffle_seed):
        data, _ = _load(config, quiet=True, seed=shuffle_seed, **overrides)
        return data.take(batches_per_epoch) if batches_per_epoch else data

    data = tf.data.Dataset.from_tensor_slices(seeds).flat_map(epoch)
    return data.skip(skip) if skip else data


def _load(config, quiet, **overrides):
    options = dict(
        input_fname_pattern=config.input_fname_pattern, c_dim=config.c_dim,
        crop=config.crop, input_height=config.input_height,
        input_width=config.input_width, output_height=config.output_height,
        output_width=config.output_width, batch_size=config.batch_size,
        train_size=config.train_size, shuffle=True,
        labels=bool(config.y_dim), small_images=config.small_images)
    options.update(overrides)
    data_logger = logging.getLogger(data_lib.__name__)
    level = data_logger.level
    if quiet:
        data_logger.setLevel(logging.ERROR)
    try:
        return data_lib.load_dataset(config.dataset, config.data_dir, **options)
    except data_lib.DatasetError as error:
        raise RunError(str(error)) from error
    finally:
        data_logger.setLevel(level)


def _first_batch(config, seed):
    """The first batch of the data in file order (for TensorBoard's D(x)); a
    separate dataset, so the training data's shuffle is not disturbed. It
    reads the training files (their listing is memoised), not only the first
    `batch_size` of them: unreadable files there would leave it short."""
    data, _ = load_data(config, seed, 0, quiet=True, shuffle=False)
    batch = next(iter(data))
    if isinstance(batch, tuple):
        return batch[0], batch[1]
    return batch, None


def build_gan(config, c_dim, seed, strategy=None):
    """The compiled model: DCGAN (BasicGAN with `model="basic"`) with
    Adam(learning_rate, beta1) for D and G, built in `strategy`'s scope
    (default: `config.strategy`'s, `tfdcgan.cluster.start`) under the
    `mixed_precision` policy (the model's `dtype`)."""
    strategy = strategy or cluster.start(config.strategy).strategy
    dtype = None if config.mixed_precision == "none" else config.mixed_precision
    with strategy.scope():
        if config.model == "basic":
            gan = BasicGAN(**model_kwargs(config, c_dim, seed), dtype=dtype, name="basic_gan")
        else:
            gan = DCGAN(**model_kwargs(config, c_dim, seed), dtype=dtype, name="dcgan")
        gan.compile(
            d_optimizer=keras.optimizers.Adam(config.learning_rate, beta_1=config.beta1,
                                              name="d_optimizer"),
            g_optimizer=keras.optimizers.Adam(config.learning_rate, beta_1=config.beta1,
                                              name="g_optimizer"),
            loss=config.loss, label_smoothing=config.label_smoothing)
    return gan


def model_kwargs(config, c_dim, seed):
    """`DCGAN` (or, with `model="basic"`, `BasicGAN`) keyword arguments for
    these settings."""
    kwargs = dict(
        output_height=config.output_height, output_width=config.output_width,
        c_dim=c_dim, z_dim=config.z_dim, y_dim=config.y_dim or None,
        z_dist=config.z_dist, g_steps=config.g_steps, seed=seed,
        ema_decay=config.ema_decay)
    if config.model != "basic":
        kwargs.update(gf_dim=config.gf_dim, df_dim=config.df_dim,
                      kernel_size=config.kernel_size, num_layers=config.num_layers,
                      d_head=config.d_head, sync_batch_norm=config.sync_batch_norm)
    return kwargs


def weights_fingerprints(gan):
    """`(trainable, batch-norm statistics)`: `tfdcgan.cluster.fingerprint`s of
    the networks' trainable weights and of their other variables (the
    moving means and variances), for comparing workers in their logs."""
    networks = (gan.generator, gan.discriminator)
    return (cluster.fingerprint([v for n in networks for v in n.trainable_variables]),
            cluster.fingerprint([v for n in networks for v in n.non_trainable_variables]))


def _check_data(gan, data):
    try:
        gan.check_data(data)
    except ValueError as error:
        raise RunError(str(error)) from error


# Test mode.

def load(config, run_dir=None, command="python main.py --train"):
    """Builds the run's model from `model.json` and restores its latest
    checkpoint (its step is `gan.step`); raises `NoCheckpointError` naming
    where it looked and the command that trains one."""
    run_dir = run_dir or RunDirectory.for_config(config)
    missing = NoCheckpointError(
        f"No checkpoint in {run_dir.checkpoint_dir}. Train one first with\n  {command}\n"
        f"(or pass the --out_name of an existing run under {config.out_dir}).")
    if not os.path.isdir(run_dir.checkpoint_dir):
        raise missing
    gan = run_dir.load_model()
    path = None if gan is None else cb.RunCheckpoint(run_dir.checkpoint_dir, gan).restore()
    if path is None:
        raise missing
    logger.info("Loaded %s (step %d).", path, gan.step)
    return gan


def write_outputs(config, run_dir, gan):
    """What test mode (or the end of training) was asked to write: the
    --visualize option, --generate images, --export, --freeze. Test mode with
    none of them writes a grid of random samples (option 0). Returns the
    paths written."""
    seed = gan.seed if gan.seed is not None else 0
    written = []
    option = config.visualize_option if config.visualize else None
    if option is None and not config.train and not (
            config.generate or config.export or config.freeze):
        option = 0
    if option is not None:
        written += visualize_lib.visualize(gan, option, run_dir.sample_dir,
                                           batch_size=config.batch_size, seed=seed,
                                           step=gan.step)
        logger.info("Visualize option %d: %d files in %s", option, len(written),
                    run_dir.sample_dir)
    if config.generate:
        labels = np.arange(config.generate) % gan.y_dim if gan.y_dim else None
        images = gan.generate(config.generate, seed=seed, labels=labels)
        written += visualize_lib.save_images(images, run_dir.generated_dir)
        logger.info("Generated %d images in %s", config.generate, run_dir.generated_dir)
    if config.export or config.freeze:
        written.append(export_lib.export_saved_model(gan, run_dir.saved_model))
        logger.info("SavedModel of the generator: %s", run_dir.saved_model)
    if config.freeze:
        written.append(export_lib.export_tflite(run_dir.saved_model, run_dir.tflite))
        logger.info("TensorFlow Lite generator: %s", run_dir.tflite)
    return written
