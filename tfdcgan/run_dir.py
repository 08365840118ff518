"""`RunDirectory`: a training run's folder as an object, after
stylegan2-ada's run directories.

    out_dir/out_name/
      FLAGS.json        the settings of the latest training invocation (and the seed)
      model.json        the model's Keras config, written once
      checkpoint/       ckpt-{step}.index / .data-*, and the `checkpoint` index
      samples/          sample grids, and test mode's files
      stats.jsonl       every step's metrics (`LossCurves`)
      losses.png        D and G loss curves
      training.gif      the sample grids, animated
      generated/        --generate N: 000000.png, ...
      weights/          --save_weights_per_epoch: {generator,discriminator}_{epoch:03d}.weights.h5,
                        and generator_ema_{epoch:03d}.weights.h5 (the average, with ema_decay)
      init_weights.json a run started from weight files: which, written once
      quality.jsonl     --quality_freq: the sample scores (`SampleQuality`)
      checkpoint_best/  --quality_freq: the best-scoring model and best.json
      export/           --export: saved_model/; --freeze: generator.tflite
    logs_dir/out_name/  TensorBoard events

The class owns the paths, the files that describe the run (FLAGS.json,
model.json and the checks that a resumed run has the same model and
settings, the seed recorded there, init_weights.json) and the run's step (its newest
checkpoint's). Every JSON file goes through `tfdcgan.jsonfiles`, atomically.
"""

import dataclasses
import json
import os
import re

import numpy as np
import tensorflow as tf
import keras

from tfdcgan import jsonfiles


class RunError(Exception):
    """A run could not do what was asked; the message says why and what to do."""

    exit_code = 1


class RunDirectory:
    """The folder of one run, `run_dir`, and its TensorBoard folder `logs_dir`.

    Args:
        run_dir: str, the run's folder.
        logs_dir: str, its TensorBoard event folder.
        checkpoint_dir, sample_dir: str, folder names under `run_dir`.
    """

    def __init__(self, run_dir, logs_dir, checkpoint_dir="checkpoint", sample_dir="samples"):
        self.run_dir = run_dir
        self.logs_dir = logs_dir
        self.checkpoint_dir = os.path.join(run_dir, checkpoint_dir)
        self.sample_dir = os.path.join(run_dir, sample_dir)
        self.flags_json = os.path.join(run_dir, "FLAGS.json")
        self.model_json = os.path.join(run_dir, "model.json")
        self.init_json = os.path.join(run_dir, "init_weights.json")
        self.stats = os.path.join(run_dir, "stats.jsonl")
        self.losses_png = os.path.join(run_dir, "losses.png")
        self.training_gif = os.path.join(run_dir, "training.gif")
        self.generated_dir = os.path.join(run_dir, "generated")
        self.weights_dir = os.path.join(run_dir, "weights")
        self.quality_jsonl = os.path.join(run_dir, "quality.jsonl")
        self.best_dir = os.path.join(run_dir, "checkpoint_best")
        self.saved_model = os.path.join(run_dir, "export", "saved_model")
        self.tflite = os.path.join(run_dir, "export", "generator.tflite")

    @classmethod
    def for_config(cls, config):
        """The directory of a resolved `RunConfig`: `out_dir/out_name`, with
        TensorBoard events in `logs_dir/out_name`."""
        return cls(os.path.join(os.path.expanduser(config.out_dir), config.out_name),
                   os.path.join(os.path.expanduser(config.logs_dir), config.out_name),
                   config.checkpoint_dir, config.sample_dir)

    def __repr__(self):
        return f"RunDirectory({self.run_dir!r})"

    def makedirs(self):
        for d in (self.run_dir, self.checkpoint_dir, self.sample_dir):
            os.makedirs(d, exist_ok=True)

    # What the run is.

    def model_config(self):
        """model.json's Keras config, or None for a new run."""
        return jsonfiles.read_json(self.model_json)

    def seed(self, requested=None):
        """The run's seed: the one recorded in model.json, else `requested`,
        else a random one (recorded when the model is written).

        Raises:
            RunError: `requested` differs from the recorded seed.
        """
        stored = self.model_config()
        recorded = None if stored is None else stored["config"].get("seed")
        if recorded is not None:
            if requested is not None and requested != recorded:
                raise RunError(f"This run was trained with --seed {recorded}, not {requested}; "
                               f"choose another --out_name for a new run.")
            return int(recorded)
        if requested is not None:
            return int(requested)
        return int(np.random.SeedSequence().generate_state(1)[0] % (2**31 - 1))

    def check_or_write_model(self, gan):
        """Writes model.json for a new run; for an existing one, checks that
        `gan` has the recorded settings.

        Raises:
            RunError: naming each setting that differs.
        """
        stored = self.model_config()
        config = keras.saving.serialize_keras_object(gan)
        if stored is None:
            jsonfiles.write_json(self.model_json, config)
            return
        mine, theirs = _model_args(json.loads(json.dumps(config))), _model_args(stored)
        if mine != theirs:
            changed = _changes(theirs, mine, set(mine) | set(theirs))
            raise RunError(
                f"{self.run_dir} holds a model with other settings ({changed}). "
                f"Use those settings to resume it, or another --out_name for a new run.")

    def check_settings(self, settings):
        """For an existing run, checks that `settings` (a dict of the settings
        that define a run, `tfdcgan.run_config.identity`) are the ones
        FLAGS.json recorded. The model's own settings are model.json's to
        check (`check_or_write_model`, where an unset `num_layers` or `c_dim`
        and the value it stood for agree), the seed is `seed`'s, and settings
        FLAGS.json does not hold (a run older than the setting) are not
        compared.

        Raises:
            RunError: naming each setting that differs.
        """
        recorded = jsonfiles.read_json(self.flags_json)
        if recorded is None:
            return
        stored = self.model_config()
        skip = {"seed", *(_model_args(stored) if stored else ())}
        mine = json.loads(json.dumps(settings))
        changed = _changes(recorded, mine, (set(mine) & set(recorded)) - skip)
        if changed:
            raise RunError(
                f"{self.run_dir} was trained with other settings ({changed}). "
                f"Use those settings to resume it, or another --out_name for a new run.")

    def load_model(self):
        """The model built from model.json (compiled as it was), or None."""
        stored = self.model_config()
        return None if stored is None else keras.saving.deserialize_keras_object(stored)

    def write_flags(self, config, seed):
        """FLAGS.json: the settings of this training invocation, and the seed."""
        jsonfiles.write_json(self.flags_json, dict(dataclasses.asdict(config), seed=seed))

    def record_init_weights(self, init):
        """init_weights.json, once: `{"generator": path or None, "discriminator": ...}`
        from `{"init_generator": path, ...}`."""
        if init and not os.path.exists(self.init_json):
            jsonfiles.write_json(self.init_json, {
                name: init.get(f"init_{name}") for name in ("generator", "discriminator")})

    # Where it stands.

    @property
    def step(self):
        """The step of the newest registered checkpoint (0 without one)."""
        latest = tf.train.latest_checkpoint(self.checkpoint_dir)
        match = re.search(r"-(\d+)$", latest or "")
        return int(match.group(1)) if match else 0


def _changes(old, new, keys):
    """`key: old -> new` for each of `keys` whose values differ, joined."""
    return ", ".join(f"{k}: {old.get(k)!r} -> {new.get(k)!r}"
                     for k in sorted(keys) if old.get(k) != new.get(k))


# Model settings newer than some model.json files, with the value those runs had.
_NEWER_SETTINGS = {"DCGAN": {"sync_batch_norm": False, "ema_decay": 0.0},
                   "BasicGAN": {"ema_decay": 0.0}}


def _model_args(serialized):
    config = serialized["config"]
    args = {k: v for k, v in config.items() if k not in ("name", "trainable", "dtype")}
    for name, value in _NEWER_SETTINGS.get(serialized.get("class_name"), {}).items():
        args.setdefault(name, value)
    return args
