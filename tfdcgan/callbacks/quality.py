"""`SampleQuality`: FID / KID / class coverage while training, and the best checkpoint.

GAN sample quality often peaks and then degrades, so the last checkpoint is
not necessarily the one to keep. This callback scores the generator every
few steps against a fixed reference set and keeps the best-scoring model in
a checkpoint folder of its own, beside the run's latest.
"""

import logging
import math
import os
import time

import tensorflow as tf

from tfdcgan import jsonfiles
from tfdcgan.callbacks.checkpoint import RunCheckpoint
from tfdcgan.callbacks.steps import StepCallback

logger = logging.getLogger(__name__)

# Metric name -> True when lower is better.
METRICS = {"fid": True, "kid": True, "classes_covered": False, "kl_from_uniform": True}
BEST_FILE = "best.json"


class SampleQuality(StepCallback):
    """Scores `num_samples` generated images against `reference` every
    `every` steps and at the end of each epoch and `fit()`.

    Each evaluation generates `gan.generate(num_samples, seed=seed)` (the same
    z every time, inference-mode batch norm, so scores differ only by the
    weights and training is left exactly as it was), computes
    `tfdcgan.metrics.evaluate` against `reference`, and

    * appends one JSON line to `metrics_path` (`step`, `time`, `seconds`,
      `fid`, `kid`, `kid_std_error`, and with a classifier extractor
      `classes_covered`, `kl_from_uniform`, `class_histogram`, ...);
    * writes the scalars `quality/<name>` at the global step to `log_dir`
      (TensorBoard);
    * when `metric` improved on the best so far, saves the model (a
      `RunCheckpoint`: weights, optimizers, step) to `best_dir` and the score
      to `best_dir/best.json`.

    At the end of an epoch whose last step was scored, the scores (`fid`,
    `kid`, ...) join the epoch's logs: callbacks after this one
    (`keras.callbacks.EarlyStopping(monitor="fid", mode="min")`) and
    `fit()`'s History see them.

    A resumed run drops the lines after the model's step from
    `metrics_path` (steps trained again) and reads the best score so far
    from `best.json`, so a worse model never replaces a better one.
    Weights that are NaN or infinite are not scored (a diverged generator's
    samples would cast to black images and give a meaningless number): the
    line records `"error"` instead and the best checkpoint is left alone.

    Args:
        reference: a `tfdcgan.metrics.Reference`, e.g. `mnist_reference(...)`
            or `Reference.from_images(train_images, "fid_inception")`.
        every: int, steps between evaluations; 0 or None for `fit()` ends only.
        num_samples: int, images generated per evaluation (FID is biased
            upwards at small counts: compare scores at equal counts only).
        metric: str, the score that picks the best checkpoint: "fid", "kid",
            "kl_from_uniform" (lower is better) or "classes_covered" (higher
            is better; the last two need a classifier extractor).
        best_dir: str or None, folder of the best checkpoint; None keeps none.
        metrics_path: str or None, the JSON-lines file.
        log_dir: str or None, TensorBoard event folder.
        seed: int, seed of the generated z and of KID's subsets.
        at_train_end: bool, also evaluate at the end of every epoch and of
            every `fit()` (unless this step was just evaluated).
        **evaluate_kwargs: passed to `tfdcgan.metrics.evaluate`
            (`kid_subsets`, `kid_subset_size`, `coverage_threshold`, ...).

    Attributes:
        history: list of the records written, this session and before.
        best: the best record so far (with `checkpoint`), or None.

    Example:
    >>> from tfdcgan.callbacks.quality import SampleQuality, mnist_reference
    >>> reference = mnist_reference("data/mnist")
    >>> quality = SampleQuality(
    ...     reference, every=1000, best_dir="out/run/checkpoint_best",
    ...     metrics_path="out/run/quality.jsonl", log_dir="logs/run")
    >>> gan.fit(data, epochs=5, callbacks=[quality])
    >>> quality.best["fid"], quality.best["step"]
    """

    def __init__(self, reference, every=1000, num_samples=10000, metric="fid",
                 best_dir=None, metrics_path=None, log_dir=None, seed=0,
                 at_train_end=True, **evaluate_kwargs):
        super().__init__()
        from tfdcgan import metrics  # the metrics package is only needed here

        if not isinstance(reference, metrics.Reference):
            raise TypeError(
                f"reference must be a tfdcgan.metrics.Reference (made once with "
                f"Reference.from_images or mnist_reference), got "
                f"{type(reference).__name__}.")
        if metric not in METRICS:
            raise ValueError(f"metric must be one of {sorted(METRICS)}, got {metric!r}.")
        if metric in ("classes_covered", "kl_from_uniform") and not hasattr(
                reference.extractor, "num_classes"):
            raise ValueError(
                f"metric {metric!r} needs a classifier extractor (such as "
                f"'mnist_classifier'); the reference uses "
                f"{reference.extractor.name!r}. Use 'fid' or 'kid'.")
        if every is not None and (not isinstance(every, int) or every < 0):
            raise ValueError(f"every must be a non-negative integer, got {every!r}.")
        if not isinstance(num_samples, int) or num_samples < 2:
            raise ValueError(f"num_samples must be an integer >= 2, got {num_samples!r}.")
        self.reference = reference
        self.every = every
        self.num_samples = num_samples
        self.metric = metric
        self.best_dir = best_dir
        self.metrics_path = metrics_path
        self.log_dir = log_dir
        self.seed = seed
        self.at_train_end = at_train_end
        self.evaluate_kwargs = evaluate_kwargs
        self.history = None
        self.best = None
        self._evaluated_step = None
        self._writer = None
        self._best_checkpoint = None

    @property
    def lower_is_better(self):
        return METRICS[self.metric]

    def on_train_begin(self, logs=None):
        super().on_train_begin(logs)
        gan = self.model
        shape = tuple(gan.image_shape)
        if shape != self.reference.image_shape and not self.evaluate_kwargs.get(
                "allow_shape_mismatch"):
            raise ValueError(
                f"The model generates images of shape {shape} (H, W, c) but the "
                f"quality reference holds {self.reference.image_shape}; build the "
                f"reference from images like the training data.")
        if self.history is None:
            self._resume()

    def _resume(self):
        records = jsonfiles.read_jsonl(self.metrics_path) if self.metrics_path else []
        self.history = [r for r in records if r.get("step", math.inf) <= self.step]
        if self.metrics_path:
            jsonfiles.write_jsonl(self.metrics_path, self.history)
        if self.best_dir:
            path = os.path.join(self.best_dir, BEST_FILE)
            best = jsonfiles.read_json(path)
            if best is not None:
                if best.get("metric") == self.metric:
                    self.best = best
                else:
                    logger.warning(
                        "%s holds the best %r, not %r; the best checkpoint will be "
                        "replaced at the next evaluation.", path, best.get("metric"),
                        self.metric)

    def on_train_batch_end(self, batch, logs=None):
        super().on_train_batch_end(batch, logs)
        if self.every and self.step % self.every == 0:
            self.evaluate()

    def on_epoch_end(self, epoch, logs=None):
        if self.at_train_end and self.step and self._evaluated_step != self.step:
            self.evaluate()
        if logs is not None and self._evaluated_step == self.step and self.history:
            # Scores of this step join the epoch's logs, as a Keras metric's
            # would: callbacks after this one (EarlyStopping, ModelCheckpoint,
            # CSVLogger) and fit()'s History see them.
            record = self.history[-1]
            logs.update({k: record[k] for k in METRICS if k in record})

    def on_train_end(self, logs=None):
        if self.at_train_end and self.step and self._evaluated_step != self.step:
            self.evaluate()
        if self._writer is not None:
            self._writer.flush()

    def evaluate(self):
        """Scores the model at the current step, logs it, keeps it if best.

        Returns:
            the record (a dict; `"error"` holds the reason when not scored).
        """
        from tfdcgan import metrics

        self.step = self.model_step()
        if self.history is None:
            self._resume()
        start = time.perf_counter()
        record = {"step": self.step, "time": round(time.time(), 3)}
        self._evaluated_step = self.step
        if not _finite(self.model.generator.variables):
            record["error"] = "generator weights are NaN or infinite"
            logger.error("Step %d: not scoring samples: the generator's weights are "
                         "NaN or infinite.", self.step)
        else:
            images = self.model.generate(self.num_samples, seed=self.seed)
            kwargs = {"seed": self.seed, **self.evaluate_kwargs}
            try:
                result = metrics.evaluate(images, self.reference, **kwargs)
            except ValueError as error:
                record["error"] = str(error)
                logger.error("Step %d: samples not scored: %s", self.step, error)
            else:
                record.update(result.as_dict())
        record["seconds"] = round(time.perf_counter() - start, 2)
        if "error" not in record:
            self._log_scalars(record)
            if self._improves(record):
                self._keep_best(record)
            logger.info("Step %d: %s", self.step, ", ".join(
                f"{k} {record[k]:.4g}" for k in METRICS if k in record))
        self.history.append(record)
        if self.metrics_path:
            jsonfiles.append_jsonl(self.metrics_path, record)
        return record

    def _improves(self, record):
        if self.best is None:
            return True
        value, best = record[self.metric], self.best[self.metric]
        return value < best if self.lower_is_better else value > best

    def _keep_best(self, record):
        best = dict(record, metric=self.metric)
        if self.best_dir:
            if self._best_checkpoint is None:
                self._best_checkpoint = RunCheckpoint(self.best_dir, self.model,
                                                      max_to_keep=1)
            self._best_checkpoint.step.assign(self.step)
            path = self._best_checkpoint.save()
            if path is None:
                return
            best["checkpoint"] = path
            jsonfiles.write_json(os.path.join(self.best_dir, BEST_FILE), best)
            logger.info("Step %d: best %s so far (%.4g); saved %s", self.step,
                        self.metric, record[self.metric], path)
        self.best = best

    @property
    def writer(self):
        if self._writer is None and self.log_dir:
            self._writer = tf.summary.create_file_writer(self.log_dir)
        return self._writer

    def _log_scalars(self, record):
        if self.writer is None:
            return
        with self.writer.as_default(step=self.step):
            for name in ("fid", "kid", "classes_covered", "kl_from_uniform"):
                if name in record:
                    tf.summary.scalar(f"quality/{name}", record[name])


def mnist_reference(data_dir, split="test", cache_dir=None, **classifier_kwargs):
    """The usual MNIST reference: classifier features of the `split` digits
    (10,000 test digits by default), with the MNIST classifier trained once
    and cached (`tfdcgan.metrics.load_or_train_mnist_classifier`).

    Args:
        data_dir: folder with the MNIST IDX files (or holding `mnist/`).
        split: "test" or "train".
        cache_dir: the classifier cache (default `~/.cache/tfdcgan`).
        **classifier_kwargs: more settings of the classifier.
    """
    from tfdcgan import metrics
    from tfdcgan.data import mnist_dataset

    folder = mnist_dataset.find_mnist_folder(data_dir, split)
    if folder is None:
        raise FileNotFoundError(
            f"No MNIST {split} files in {data_dir} or {os.path.join(data_dir, 'mnist')}; "
            f"the quality reference needs them (python download.py mnist).")
    images, _ = mnist_dataset.load_arrays(folder, split)
    # The classifier, when not cached yet, trains on "train" and is tested on "test".
    classifier_dir = mnist_dataset.find_mnist_folder(data_dir, "all") or folder
    return metrics.Reference.from_images(
        images[..., None], "mnist_classifier", data_dir=classifier_dir,
        cache_dir=cache_dir, **classifier_kwargs)


def _finite(variables):
    return all(bool(tf.reduce_all(tf.math.is_finite(v)))
               for v in variables if tf.as_dtype(v.dtype).is_floating)
