"""Class coverage of generated samples, judged by a classifier.

A mode-collapsed generator on MNIST draws a few digits only; FID notices
this indirectly, the histogram of predicted classes shows it directly.
"""

import dataclasses

import numpy as np


@dataclasses.dataclass(frozen=True)
class CoverageReport:
    """How generated samples spread over the classes.

    Attributes:
      counts: `[num_classes]` int, samples predicted as each class.
      histogram: `[num_classes]` float, `counts / counts.sum()`.
      classes_covered: classes holding at least `threshold` of the samples.
      kl_from_uniform: KL(histogram || uniform) in nats, from 0 (perfectly
        balanced) to log(num_classes) (a single class).
      threshold: the fraction used for `classes_covered`.
    """

    counts: np.ndarray
    histogram: np.ndarray
    classes_covered: int
    kl_from_uniform: float
    threshold: float

    @property
    def num_classes(self):
        return len(self.counts)

    def as_dict(self):
        """Plain-Python version, ready for `json.dumps`."""
        return {
            "class_counts": self.counts.tolist(),
            "class_histogram": self.histogram.tolist(),
            "classes_covered": self.classes_covered,
            "kl_from_uniform": self.kl_from_uniform,
            "coverage_threshold": self.threshold,
        }


def class_coverage(predictions, num_classes=10, threshold=0.02):
    """Histogram of predicted classes and how many classes it covers.

    Args:
      predictions: `[n]` integer class labels, or `[n, num_classes]` class
        probabilities / logits (reduced by argmax).
      num_classes: number of classes.
      threshold: fraction of the samples a class needs to count as covered.
        The default 2% is a fifth of the 10% a class gets when balanced.

    Returns:
      A `CoverageReport`.

    Raises:
      ValueError: empty input, NaN probabilities, labels out of range or a
        probability width that is not `num_classes`.
    """
    predictions = np.asarray(predictions)
    if predictions.size == 0:
        raise ValueError("predictions is empty.")
    if predictions.ndim == 2:
        if predictions.shape[1] != num_classes:
            raise ValueError(
                f"predictions has {predictions.shape[1]} columns, expected "
                f"num_classes={num_classes}.")
        if not np.isfinite(predictions).all():
            raise ValueError(
                "predictions contains NaN or inf; the classifier's input "
                "was probably NaN.")
        labels = predictions.argmax(axis=1)
    elif predictions.ndim == 1:
        if not np.issubdtype(predictions.dtype, np.integer):
            raise ValueError(
                "1-D predictions must be integer class labels; got dtype "
                f"{predictions.dtype}.")
        labels = predictions
        if labels.min() < 0 or labels.max() >= num_classes:
            raise ValueError(
                f"labels must lie in [0, {num_classes}); got "
                f"[{labels.min()}, {labels.max()}].")
    else:
        raise ValueError(
            "predictions must be [n] labels or [n, num_classes] "
            f"probabilities; got shape {predictions.shape}.")
    counts = np.bincount(labels, minlength=num_classes)
    histogram = counts / counts.sum()
    nonzero = histogram > 0
    kl = float(np.sum(histogram[nonzero]
                      * np.log(histogram[nonzero] * num_classes)))
    return CoverageReport(
        counts=counts,
        histogram=histogram,
        classes_covered=int(np.sum(histogram >= threshold)),
        kl_from_uniform=max(kl, 0.0),
        threshold=threshold,
    )
