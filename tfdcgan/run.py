"""What `main.py` calls: settings -> data -> model -> training, or test mode.

    import tfdcgan.run
    tfdcgan.run.main(dataset="mnist", train=True, epoch=1, train_size=640)
    tfdcgan.run.main(dataset="mnist", visualize=True, visualize_option=0)

Every keyword is the `main.py` flag of the same name (`RunConfig`, in
`tfdcgan.run_config` with the run's naming and layout).

The run directory, `out_dir/out_name`, holds:

    FLAGS.json      the settings of the latest training invocation
    model.json      the model's Keras config, written once (test mode builds
                    the model from it, and a resumed run must match it)
    checkpoint/     ckpt-{step}.index / .data-*, and the `checkpoint` index
    samples/        train_{step:08d}.png every sample_freq steps (with
                    sample_freq 0, train_epoch_{epoch:03d}.png at every
                    epoch end), and the files of --visualize
    stats.jsonl     every step's metrics, one JSON object a line
    losses.png      D and G loss curves, redrawn every sample_freq steps
    training.gif    the sample grids, animated, at the end of training
    generated/      --generate N: 000000.png, 000001.png, ...
    export/         --export: saved_model/; --freeze: generator.tflite
    weights/        --save_weights_per_epoch: generator_{epoch:03d}.weights.h5
                    and discriminator_{epoch:03d}.weights.h5 every epoch
    init_weights.json  a run started from weight files: which (--init_generator,
                    --init_discriminator; null: random), written once
    quality.jsonl   --quality_freq N: the sample scores, one JSON object a line
    checkpoint_best/  --quality_freq N: the best-scoring model (a checkpoint
                    like checkpoint/'s) and best.json, its score and step

TensorBoard events go to `logs_dir/out_name`. The default `out_name` is
derived from the settings that define the run (dataset, sizes, z, batch
size, and any model or optimiser setting changed from its default), not from
the time, so the same command finds the same run: `--train` resumes it and
test mode loads it. `--epoch` is not part of the name: raising it continues
a finished run.

Exact resume: a checkpoint holds the weights, both optimizers, the noise
stream, the fixed sample z and where training stands (step, epoch, batch).
Epoch e's data is loaded with the shuffle seed `epoch_seed(seed, e)`, so its
order depends only on the seed and e; a run resumed in the middle of an
epoch reloads that epoch's data and skips the batches already trained (which
costs decoding them once). `fit()` is called once per epoch for this.
"""

import dataclasses
import json
import logging
import math
import os
import signal
import time

import numpy as np
import tensorflow as tf
import keras

from tfdcgan import callbacks as cb
from tfdcgan import data as data_lib
from tfdcgan import export as export_lib
from tfdcgan import rules
from tfdcgan import visualize as visualize_lib
from tfdcgan.basic_gan import BasicGAN
from tfdcgan.dcgan import DCGAN
from tfdcgan.run_config import (  # noqa: F401  (the settings, importable from here too)
    RunConfig, RunPaths, command_line, default_out_name, epoch_seed, resolve, run_paths,
    sample_seed)

logger = logging.getLogger(__name__)


class RunError(Exception):
    """A run could not do what was asked; the message says why and what to do."""

    exit_code = 1


class NoCheckpointError(RunError):
    """Test mode found no checkpoint."""


class TrainingDiverged(RunError):
    """A loss became NaN or infinite."""


class Interrupted(RunError):
    """Training stopped on SIGINT or SIGTERM (after saving a checkpoint)."""

    def __init__(self, message, signum=signal.SIGINT):
        super().__init__(message)
        self.exit_code = 128 + int(signum)


def main(**kwargs):
    """Trains (`train=True`) or loads a run, then writes what was asked.

    Returns:
        `(gan, paths)`: the trained or loaded model and its `RunPaths`.

    Raises:
        tfdcgan.rules.SettingError: a value out of its range or settings that
            cannot work together, before anything is read or written.
        RunError: with a message for the user (no data, no checkpoint,
            non-finite loss, interrupted, settings that do not fit the run).
    """
    config = resolve(RunConfig(**kwargs))
    rules.check_paths(config)
    if config.deterministic:
        tf.config.experimental.enable_op_determinism()
    paths = run_paths(config)
    logger.info("Run directory: %s", paths.run_dir)
    if config.train:
        gan = train(config, paths, command=command_line(kwargs))
    else:
        gan = load(config, paths, command=command_line(kwargs))
    write_outputs(config, paths, gan)
    return gan, paths


# Training.

def train(config, paths=None, command="python main.py --train", callbacks=()):
    """Trains the run, resuming its latest checkpoint; returns the model.

    Args:
        config: a resolved `RunConfig`.
        paths: its `RunPaths` (default `run_paths(config)`).
        command: the command that trains this run, for messages.
        callbacks: more Keras callbacks, run after the run's own.

    Raises:
        TrainingDiverged, Interrupted, RunError.
    """
    paths = paths or run_paths(config)
    stored = _read_json(paths.model_json)
    seed = _run_seed(config, stored)
    keras.utils.set_random_seed(seed)

    stop = cb.StopOnSignal()
    with stop.installed():
        data = info = None
        if stored is None:
            data, info = load_data(config, seed, epoch=0)
            c_dim = info.c_dim
        else:
            c_dim = stored["config"]["c_dim"]
        gan = build_gan(config, c_dim, seed)
        init = init_weights(config, gan)  # (before anything is written: shapes checked)
        for d in (paths.run_dir, paths.checkpoint_dir, paths.sample_dir):
            os.makedirs(d, exist_ok=True)
        _write_json(paths.flags_json, dict(dataclasses.asdict(config), seed=seed))
        _check_or_write_model(gan, stored, paths)
        sample_z = gan.sample_z(config.batch_size, seed=sample_seed(seed)).numpy()
        ckpt = cb.RunCheckpoint(paths.checkpoint_dir, gan, sample_z, config.max_to_keep)
        restored = ckpt.restore()
        step, start_epoch, skip = (int(v.numpy()) for v in (ckpt.step, ckpt.epoch, ckpt.batch))
        if restored:
            logger.info("Resuming %s: step %d, epoch %d, %d batches into it.",
                        restored, step, start_epoch + 1, skip)
            if init:
                logger.info("(%s start new runs only; this one resumes its checkpoint.)",
                            " and ".join(f"--{name}" for name in init))
        else:
            logger.info("Starting a new run (seed %d)%s.", seed, "".join(
                f"; {name.split('_')[1]} weights from {path}" for name, path in init.items()))
            if init and not os.path.exists(paths.init_json):
                _write_json(paths.init_json, {name.split("_")[1]: init.get(name)
                                              for name in ("init_generator",
                                                           "init_discriminator")})
        if start_epoch < config.epoch and (data is None or start_epoch != 0):
            data, info = load_data(config, seed, start_epoch, quiet=data is not None)
        if info is not None:
            _check_data(gan, data)
            if skip >= info.steps_per_epoch:  # the data shrank since
                start_epoch, skip = start_epoch + 1, 0

        run_callbacks = training_callbacks(config, paths, gan, ckpt, seed, info)
        guard, samples, curves, _, checkpointer = run_callbacks[:5]
        progbar = run_callbacks[-1]
        all_callbacks = run_callbacks[:-1] + [stop] + list(callbacks) + [progbar]
        if start_epoch >= config.epoch:
            logger.info("The run has already trained %d of %d epochs; raise --epoch "
                        "to train more.", start_epoch, config.epoch)
        for epoch in range(start_epoch, config.epoch):
            if stop.received:
                break
            if data is None:
                data, info = load_data(config, seed, epoch, quiet=True)
            first = skip if epoch == start_epoch else 0
            progbar.offset = first
            gan.fit(data.skip(first) if first else data, initial_epoch=epoch,
                    epochs=epoch + 1, steps_per_epoch=info.steps_per_epoch - first,
                    callbacks=all_callbacks, verbose=1)
            data = None
            if guard.tripped or stop.received:
                break

        checkpointer.set_model(gan)
        checkpointer.save()  # after an interrupt; otherwise already saved
        if guard.tripped:
            raise TrainingDiverged(guard.message())
        if stop.received:
            raise Interrupted(
                f"Stopped by {signal.Signals(stop.received).name} at step "
                f"{int(ckpt.step.numpy())}; the checkpoint {ckpt.latest} holds it. "
                f"Run the same command to resume:\n  {command}", stop.received)
        final_step = int(ckpt.step.numpy())
        if final_step and samples.every and not os.path.exists(samples.path(final_step)):
            samples.set_model(gan)
            samples.write(final_step)
        if curves.history:
            curves.plot()
        cb.TrainingGif(paths.sample_dir, paths.training_gif).write()
    gan.run_step = int(ckpt.step.numpy())
    logger.info("Trained to step %d. Samples: %s; loss curves: %s; TensorBoard: "
                "tensorboard --logdir %s", gan.run_step, paths.sample_dir,
                paths.losses_png, os.path.dirname(paths.logs_dir.rstrip(os.sep)))
    return gan


def training_callbacks(config, paths, gan, ckpt, seed, info):
    """The run's callbacks, in the order they must run: `NaNGuard` (so
    nothing is saved after a NaN), `SampleGrid`, `LossCurves`,
    `TensorBoardSummaries`, then `Checkpointer` (a step's outputs are
    written before its checkpoint, so a process killed in between has none
    the checkpoint lacks), with `--quality_freq` the `SampleQuality`, with
    `--save_weights_per_epoch` the `EpochWeights`, and last the
    `RunProgbar`. (More go before the progress bar.)"""
    step = int(ckpt.step.numpy())
    labels = np.arange(config.batch_size) % gan.y_dim if gan.y_dim else None
    guard = cb.NaNGuard(step, last_checkpoint=lambda: ckpt.latest)
    checkpointer = cb.Checkpointer(ckpt, every=config.ckpt_freq, nan_guard=guard)
    samples = cb.SampleGrid(paths.sample_dir, ckpt.sample_z, labels,
                            every=config.sample_freq, initial_step=step)
    curves = cb.LossCurves(paths.stats, paths.losses_png, every=config.sample_freq,
                           initial_step=step)
    real_images, real_labels = _first_batch(config, seed) if info else (None, None)
    tensorboard = cb.TensorBoardSummaries(
        paths.logs_dir, z=ckpt.sample_z, labels=labels, real_images=real_images,
        real_labels=real_labels, histogram_freq=config.sample_freq,
        images=config.G_img_sum, initial_step=step)
    steps_per_epoch = info.steps_per_epoch if info else 0
    progbar = cb.RunProgbar(config.epoch, steps_per_epoch)
    quality = [quality_callback(config, paths, seed, step)] if config.quality_freq else []
    weights = [cb.EpochWeights(paths.weights_dir)] if config.save_weights_per_epoch else []
    return [guard, samples, curves, tensorboard, checkpointer] + quality + weights + [progbar]


def init_weights(config, gan):
    """Loads `init_generator` / `init_discriminator` into `gan`'s networks;
    returns `{setting: absolute path}` of those given.

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
    return loaded


def quality_callback(config, paths, seed, step):
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
            best_dir=os.path.join(paths.run_dir, "checkpoint_best"),
            metrics_path=os.path.join(paths.run_dir, "quality.jsonl"),
            log_dir=paths.logs_dir, seed=seed, initial_step=step)
    except (FileNotFoundError, ValueError) as error:  # MissingWeightsError too
        raise RunError(f"--quality_freq {config.quality_freq}: {error}") from error


def _training_images(config, seed, n):
    """Up to `n` training images in file order, uint8."""
    from tfdcgan.gan import to_uint8

    data, _ = load_data(config, seed, 0, quiet=True, shuffle=False, train_size=n)
    images = [to_uint8(batch[0] if isinstance(batch, tuple) else batch).numpy()
              for batch in data]
    return np.concatenate(images)


def load_data(config, seed, epoch, quiet=False, **overrides):
    """Epoch `epoch`'s data, shuffled with `epoch_seed(seed, epoch)`.

    Returns `(dataset, info)` from `tfdcgan.data.load_dataset`. With `quiet`,
    the loader's log messages (already shown for an earlier epoch) are not
    repeated.
    """
    options = dict(
        input_fname_pattern=config.input_fname_pattern, c_dim=config.c_dim,
        crop=config.crop, input_height=config.input_height,
        input_width=config.input_width, output_height=config.output_height,
        output_width=config.output_width, batch_size=config.batch_size,
        train_size=config.train_size, shuffle=True, seed=epoch_seed(seed, epoch),
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
    separate dataset, so the training data's shuffle is not disturbed."""
    data, _ = load_data(config, seed, 0, quiet=True, shuffle=False,
                        train_size=config.batch_size)
    batch = next(iter(data))
    if isinstance(batch, tuple):
        return batch[0], batch[1]
    return batch, None


def build_gan(config, c_dim, seed):
    """The compiled model: DCGAN (BasicGAN with `model="basic"`) with
    Adam(learning_rate, beta1) for D and G,
    built in the `strategy`'s scope under the `mixed_precision` policy."""
    strategy = _strategy(config.strategy)
    previous_policy = keras.config.dtype_policy()
    if config.mixed_precision != "none":
        keras.config.set_dtype_policy(config.mixed_precision)
    try:
        with strategy.scope():
            if config.model == "basic":
                gan = BasicGAN(**model_kwargs(config, c_dim, seed), name="basic_gan")
            else:
                gan = DCGAN(**model_kwargs(config, c_dim, seed), name="dcgan")
            gan.compile(
                d_optimizer=keras.optimizers.Adam(config.learning_rate, beta_1=config.beta1,
                                                  name="d_optimizer"),
                g_optimizer=keras.optimizers.Adam(config.learning_rate, beta_1=config.beta1,
                                                  name="g_optimizer"),
                loss=config.loss)
    finally:
        keras.config.set_dtype_policy(previous_policy)
    return gan


def model_kwargs(config, c_dim, seed):
    """`DCGAN` (or, with `model="basic"`, `BasicGAN`) keyword arguments for
    these settings."""
    kwargs = dict(
        output_height=config.output_height, output_width=config.output_width,
        c_dim=c_dim, z_dim=config.z_dim, y_dim=config.y_dim or None,
        z_dist=config.z_dist, g_steps=config.g_steps, seed=seed)
    if config.model != "basic":
        kwargs.update(gf_dim=config.gf_dim, df_dim=config.df_dim,
                      kernel_size=config.kernel_size, num_layers=config.num_layers,
                      d_head=config.d_head)
    return kwargs


def _strategy(name):
    if name == "mirrored":
        return tf.distribute.MirroredStrategy()
    if name == "multi_worker":
        return tf.distribute.MultiWorkerMirroredStrategy()
    return tf.distribute.get_strategy()


def _run_seed(config, stored):
    if stored is not None:
        recorded = stored["config"].get("seed")
        if config.seed is not None and recorded is not None and config.seed != recorded:
            raise RunError(f"This run was trained with --seed {recorded}, not {config.seed}; "
                           f"choose another --out_name for a new run.")
        if recorded is not None:
            return int(recorded)
    if config.seed is not None:
        return int(config.seed)
    return int(np.random.SeedSequence().generate_state(1)[0] % (2**31 - 1))


def _check_or_write_model(gan, stored, paths):
    config = keras.saving.serialize_keras_object(gan)
    if stored is None:
        _write_json(paths.model_json, config)
        return
    mine, theirs = _model_args(json.loads(json.dumps(config))), _model_args(stored)
    if mine != theirs:
        changed = ", ".join(f"{k}: {theirs.get(k)!r} -> {mine.get(k)!r}"
                            for k in sorted(set(mine) | set(theirs))
                            if mine.get(k) != theirs.get(k))
        raise RunError(
            f"{paths.run_dir} holds a model with other settings ({changed}). "
            f"Use those settings to resume it, or another --out_name for a new run.")


def _model_args(serialized):
    config = serialized["config"]
    return {k: v for k, v in config.items() if k not in ("name", "trainable", "dtype")}


def _check_data(gan, data):
    try:
        gan.check_data(data)
    except ValueError as error:
        raise RunError(str(error)) from error


# Test mode.

def load(config, paths=None, command="python main.py --train"):
    """Builds the run's model from `model.json` and restores its latest
    checkpoint (its step is `gan.run_step`); raises `NoCheckpointError`
    naming where it looked and the command that trains one."""
    paths = paths or run_paths(config)
    missing = NoCheckpointError(
        f"No checkpoint in {paths.checkpoint_dir}. Train one first with\n  {command}\n"
        f"(or pass the --out_name of an existing run under {config.out_dir}).")
    stored = _read_json(paths.model_json)
    if stored is None or not os.path.isdir(paths.checkpoint_dir):
        raise missing
    gan = keras.saving.deserialize_keras_object(stored)
    ckpt = cb.RunCheckpoint(paths.checkpoint_dir, gan)
    path = ckpt.restore()
    if path is None:
        raise missing
    gan.run_step = int(ckpt.step.numpy())
    logger.info("Loaded %s (step %d).", path, gan.run_step)
    return gan


def write_outputs(config, paths, gan):
    """What test mode (or the end of training) was asked to write: the
    --visualize option, --generate images, --export, --freeze. Test mode with
    none of them writes a grid of random samples (option 0). Returns the
    paths written."""
    seed = gan.seed if gan.seed is not None else 0
    step = getattr(gan, "run_step", 0)
    written = []
    option = config.visualize_option if config.visualize else None
    if option is None and not config.train and not (
            config.generate or config.export or config.freeze):
        option = 0
    if option is not None:
        written += visualize_lib.visualize(gan, option, paths.sample_dir,
                                           batch_size=config.batch_size, seed=seed, step=step)
        logger.info("Visualize option %d: %d files in %s", option, len(written),
                    paths.sample_dir)
    if config.generate:
        labels = np.arange(config.generate) % gan.y_dim if gan.y_dim else None
        images = gan.generate(config.generate, seed=seed, labels=labels)
        written += visualize_lib.save_images(images, paths.generated_dir)
        logger.info("Generated %d images in %s", config.generate, paths.generated_dir)
    if config.export or config.freeze:
        written.append(export_lib.export_saved_model(gan, paths.saved_model))
        logger.info("SavedModel of the generator: %s", paths.saved_model)
    if config.freeze:
        written.append(export_lib.export_tflite(paths.saved_model, paths.tflite))
        logger.info("TensorFlow Lite generator: %s", paths.tflite)
    return written


def _read_json(path):
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def _write_json(path, obj):
    partial = f"{path}.{os.getpid()}.{time.time_ns()}.partial"
    with open(partial, "w") as f:
        json.dump(_jsonable(obj), f, indent=2, sort_keys=True)
        f.write("\n")
    os.replace(partial, path)


def _jsonable(obj):
    if isinstance(obj, dict):
        return {k: _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, float) and math.isinf(obj):
        return None
    return obj
