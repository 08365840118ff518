"""One call from images to FID, KID and class coverage.

Reference features (e.g. of the MNIST test set) are costly and never
change, so they live in a `Reference` made once and passed to every
`evaluate` call:

    reference = Reference.from_images(test_images, "mnist_classifier",
                                      data_dir="data/mnist")
    result = evaluate(generator_samples, reference)
    print(result.fid, result.kid, result.coverage.classes_covered)
"""

import dataclasses
import functools
from typing import Optional

from tfdcgan.metrics import coverage as coverage_lib
from tfdcgan.metrics import distances
from tfdcgan.metrics import extractors
from tfdcgan.metrics import images as images_lib


class Reference:
    """Features of a reference image set, computed once and reused.

    Args:
      features: `[n, d]` reference features.
      extractor: the `FeatureExtractor` that made them (and will make the
        generated samples' features).
      image_shape: `(H, W, c)` of the reference images, to catch generated
        sets of another size or channel count.
    """

    def __init__(self, features, extractor, image_shape):
        self.features = distances.check_features(features, "reference")
        self.extractor = extractor
        self.image_shape = tuple(image_shape)

    @classmethod
    def from_images(cls, images, extractor="fid_inception", **extractor_kwargs):
        """Extracts the features of `images` `[n, H, W, c]`.

        Args:
          images: uint8 [0, 255] or float [-1, 1] reference images.
          extractor: registered name or `FeatureExtractor` instance.
          **extractor_kwargs: forwarded to the factory of a named extractor
            (e.g. `data_dir`, `cache_dir` for "mnist_classifier").
        """
        extractor = extractors.get_extractor(extractor, **extractor_kwargs)
        images = images_lib.check_images(images, "reference images")
        images_lib.check_not_flat(images, "reference images")
        return cls(extractor(images, "reference images"), extractor,
                   images.shape[1:])

    @functools.cached_property
    def moments(self):
        """`(mean [d], covariance [d, d])`, computed on first use."""
        return distances.feature_moments(self.features, "reference")

    def __len__(self):
        return len(self.features)


@dataclasses.dataclass(frozen=True)
class Evaluation:
    """Result of `evaluate`.

    Attributes:
      fid: Frechet distance (lower is better).
      kid: kernel distance, unbiased (lower is better; ~0 when matched).
      kid_std_error: standard error of `kid` over its subsets.
      extractor: name of the feature extractor.
      num_generated: generated samples used.
      num_reference: reference samples used.
      coverage: class coverage of the generated samples, when the
        extractor is a classifier; else None.
      input_conversion: how the generated images were brought to the
        extractor's input (e.g. "grayscale repeated to RGB; resized 64x64
        -> 299x299 by the network (its own bilinear)").
    """

    fid: float
    kid: float
    kid_std_error: float
    extractor: str
    num_generated: int
    num_reference: int
    coverage: Optional[coverage_lib.CoverageReport] = None
    input_conversion: str = "as given"

    def as_dict(self):
        """Flat plain-Python dict, ready for a JSON-lines log."""
        result = {key: getattr(self, key) for key in (
            "fid", "kid", "kid_std_error", "extractor", "num_generated",
            "num_reference", "input_conversion")}
        if self.coverage is not None:
            result.update(self.coverage.as_dict())
        return result


def _as_reference(reference, extractor):
    if isinstance(reference, Reference):
        same = (extractor is None or extractor is reference.extractor
                or extractor == reference.extractor.name)
        if not same:
            raise ValueError(
                "reference was computed with extractor "
                f"{reference.extractor.name!r}; do not pass another one.")
        return reference
    if extractor is None:
        raise ValueError(
            "reference is an image array, so an extractor is needed "
            "(e.g. extractor='inception' or 'mnist_classifier'); better, "
            "build a Reference once and reuse it.")
    return Reference.from_images(reference, extractor)


def evaluate(generated_images, reference, extractor=None, kid_subsets=100,
             kid_subset_size=1000, seed=0, coverage_threshold=0.02,
             allow_shape_mismatch=False):
    """FID, KID (and class coverage) of generated images against a reference.

    Args:
      generated_images: `[n, H, W, c]`, uint8 [0, 255] or float [-1, 1]
        (the generator's output as is).
      reference: a `Reference`, or reference images (then `extractor` is
        required and their features are computed on every call).
      extractor: registered name or instance; only with reference images,
        or the instance the `Reference` was made with.
      kid_subsets, kid_subset_size, seed: see `kernel_distance`.
      coverage_threshold: see `class_coverage`.
      allow_shape_mismatch: by default generated images must have the
        reference's `(H, W, c)`, since a mismatch usually means the wrong
        data or model; True lets the extractor resize and convert each set
        to its own input independently.

    Returns:
      An `Evaluation`.

    Raises:
      ValueError: shape mismatch, NaN images or features, bad ranges, a
        set of flat single-colour images.
    """
    reference = _as_reference(reference, extractor)
    generated_images = images_lib.check_images(generated_images,
                                               "generated images")
    images_lib.check_not_flat(generated_images, "generated images")
    shape = tuple(generated_images.shape[1:])
    if shape != reference.image_shape and not allow_shape_mismatch:
        raise ValueError(
            f"generated images are {shape} (H, W, c) but the reference "
            f"images are {reference.image_shape}. Resize/convert them "
            "explicitly, or pass allow_shape_mismatch=True to let the "
            f"{reference.extractor.name!r} extractor bring both to its "
            f"{reference.extractor.image_size} x "
            f"{reference.extractor.channels} input.")
    outputs = reference.extractor.outputs(generated_images,
                                          "generated images")
    features = outputs["features"]
    fid = distances.frechet_distance_from_moments(
        *distances.feature_moments(features, "generated features"),
        *reference.moments)
    kid, kid_std_error = distances.kernel_distance(
        features, reference.features, num_subsets=kid_subsets,
        subset_size=kid_subset_size, seed=seed)
    coverage = None
    if "probs" in outputs:
        coverage = coverage_lib.class_coverage(
            outputs["probs"], outputs["probs"].shape[1], coverage_threshold)
    return Evaluation(fid=fid, kid=kid, kid_std_error=kid_std_error,
                      extractor=reference.extractor.name,
                      num_generated=len(features),
                      num_reference=len(reference), coverage=coverage,
                      input_conversion=reference.extractor.conversion_note(
                          shape))
