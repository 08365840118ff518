"""Feature extractors: images `[n, H, W, c]` -> features `[n, d]`.

An extractor owns a Keras model and the conversion of arbitrary image sets
to that model's input (see `images.py`); FID and KID are then computed on
its outputs. New extractors subclass `FeatureExtractor`, implement
`_forward`, and register a factory by name:

    @register_extractor("my_net")
    def _make_my_net(**kwargs):
        return MyNetExtractor(**kwargs)

    extractor = get_extractor("my_net")
"""

import warnings

import numpy as np

from tfdcgan.metrics import images as images_lib

_REGISTRY = {}


class FeatureExtractor:
    """Base class: batching, input conversion and checks.

    Subclasses set the attributes below and implement `_forward`.

    Attributes:
      name: short identifier, recorded with results.
      image_size: `(height, width)` every image is resized to, or None
        when the model resizes its input itself (`model_resize`).
      channels: 1 or 3; images are converted to this many channels.
      feature_dim: d, the width of the features.
      batch_size: images per forward pass.
      model_resize: `(height, width)` the model resizes to, if it does.
    """

    name = "base"
    model_resize = None

    def __init__(self, image_size, channels, feature_dim, batch_size=100):
        self.image_size = None if image_size is None else tuple(image_size)
        self.channels = channels
        self.feature_dim = feature_dim
        self.batch_size = batch_size

    def _forward(self, batch):
        """float32 `[b, *image_size, channels]` in [-1, 1] -> dict of arrays.

        Returns a dict with at least "features" `[b, feature_dim]`; a
        classifier adds "probs" `[b, num_classes]`.
        """
        raise NotImplementedError

    def outputs(self, images, name="images"):
        """Runs the model over `images` in batches.

        Args:
          images: `[n, H, W, c]` or `[n, H, W]`; uint8 in [0, 255] or float
            in [-1, 1]. Resized to `image_size` and converted to `channels`.
          name: what to call the set in error messages.

        Returns:
          dict of float64 numpy arrays with `n` rows (see `_forward`).
        """
        images = images_lib.check_images(images, name)
        if images.shape[-1] != self.channels:
            warnings.warn(
                f"{name} have {images.shape[-1]} channel(s); the "
                f"{self.name!r} features read {self.channels}: "
                f"{self.conversion_note(images.shape[1:])}.", stacklevel=2)
        parts = []
        for start in range(0, len(images), self.batch_size):
            batch = images_lib.to_model_input(
                images[start:start + self.batch_size], self.image_size,
                self.channels)
            parts.append(self._forward(batch))
        return {key: np.concatenate([np.asarray(p[key], np.float64)
                                     for p in parts])
                for key in parts[0]}

    def conversion_note(self, shape):
        """How images of shape `(H, W, c)` are brought to the model's input."""
        return images_lib.conversion_note(shape, self.image_size,
                                          self.channels, self.model_resize)

    def __call__(self, images, name="images"):
        """Features `[n, feature_dim]` of `images` (see `outputs`)."""
        return self.outputs(images, name)["features"]

    def __repr__(self):
        return (f"{type(self).__name__}(name={self.name!r}, "
                f"image_size={self.image_size}, channels={self.channels}, "
                f"feature_dim={self.feature_dim})")


def register_extractor(name):
    """Decorator registering `factory(**kwargs) -> FeatureExtractor`."""
    def decorator(factory):
        _REGISTRY[name] = factory
        return factory
    return decorator


def available_extractors():
    """Sorted names accepted by `get_extractor`."""
    return sorted(_REGISTRY)


def get_extractor(extractor, **kwargs):
    """Returns an extractor given its registered name, or passes one through.

    Args:
      extractor: a registered name ("inception", "mnist_classifier", ...)
        or a `FeatureExtractor` instance (returned as is; kwargs must then
        be empty).
      **kwargs: forwarded to the registered factory.
    """
    if isinstance(extractor, FeatureExtractor):
        if kwargs:
            raise ValueError(
                "keyword arguments only apply when the extractor is given "
                f"by name; got an instance and {sorted(kwargs)}.")
        return extractor
    if extractor not in _REGISTRY:
        raise ValueError(
            f"unknown feature extractor {extractor!r}; available: "
            f"{available_extractors()}.")
    return _REGISTRY[extractor](**kwargs)
