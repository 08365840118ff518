"""Bring image batches to a feature extractor's expected input.

Two value conventions are accepted, told apart by dtype so that nothing is
guessed from the pixel values:

* integer images (uint8 and friends) hold [0, 255];
* floating images hold [-1, 1], the range of the generator's tanh output.

Everything is returned as float32 in [-1, 1]. Size and channel changes are
explicit and documented by each extractor: bilinear resizing (antialiased when
shrinking), grayscale -> RGB by repeating the channel, RGB -> grayscale by the
ITU-R 601 luma weights of `tf.image.rgb_to_grayscale`.
"""

import warnings

import numpy as np
import tensorflow as tf

# Slack on the [-1, 1] check: generator outputs pass through float32 tanh
# and resizing may overshoot by rounding; anything beyond this is a real
# range mismatch (e.g. [0, 255] floats), not noise.
_RANGE_TOLERANCE = 1e-3


def check_images(images, name="images"):
    """Validates an image set and returns it as an array.

    Args:
      images: `[n, H, W, c]` or `[n, H, W]` array, integer in [0, 255] or
        float in [-1, 1]; c is 1 or 3.
      name: what to call the set in error messages.

    Returns:
      The images as a numpy array `[n, H, W, c]` (a grayscale `[n, H, W]`
      set gains a trailing channel axis), dtype unchanged.

    Raises:
      ValueError: wrong rank, channel count, empty set, non-finite pixels or
        values outside the range implied by the dtype.
    """
    images = np.asarray(images)
    if images.ndim == 3:
        images = images[..., np.newaxis]
    if images.ndim != 4:
        raise ValueError(
            f"{name} must be [n, H, W, c] (or [n, H, W] grayscale); "
            f"got shape {images.shape}.")
    if images.shape[0] == 0:
        raise ValueError(f"{name} is empty.")
    if images.shape[-1] not in (1, 3):
        raise ValueError(
            f"{name} must have 1 (grayscale) or 3 (RGB) channels; got "
            f"{images.shape[-1]} (shape {images.shape}). Drop an alpha "
            "channel or convert explicitly before computing metrics.")
    if np.issubdtype(images.dtype, np.integer):
        low, high = images.min(), images.max()
        if low < 0 or high > 255:
            raise ValueError(
                f"integer {name} must lie in [0, 255]; got [{low}, {high}].")
    elif np.issubdtype(images.dtype, np.floating):
        finite = np.isfinite(images)
        if not finite.all():
            bad = int((~finite).reshape(len(images), -1).any(axis=1).sum())
            raise ValueError(
                f"{name} contains NaN or inf in {bad} of {len(images)} "
                "images (a diverged generator?); metrics on them would be "
                "meaningless.")
        low, high = float(images.min()), float(images.max())
        if low < -1 - _RANGE_TOLERANCE or high > 1 + _RANGE_TOLERANCE:
            raise ValueError(
                f"float {name} must lie in [-1, 1] (the generator's tanh "
                f"range); got [{low:.4g}, {high:.4g}]. Pass uint8 for "
                "[0, 255] images, or rescale (x / 127.5 - 1).")
        if low >= 0 and len(images) > 1:
            # [0, 1] floats pass the range check yet would be read as
            # mid-grey-to-white; say so instead of returning a wrong number.
            warnings.warn(
                f"float {name} all lie in [0, 1], but float images are "
                "read as [-1, 1]; if they are [0, 1] images, rescale them "
                "with x * 2 - 1.", stacklevel=3)
    else:
        raise ValueError(
            f"{name} must be an integer or float array; got dtype "
            f"{images.dtype}.")
    return images


def check_not_flat(images, name="images"):
    """Raises when every image of a set (`[n, H, W, c]`) is one flat colour.

    Such a set (a dead generator, a decoding failure) has a well-defined
    but meaningless FID; it is refused rather than scored.
    """
    flat = np.asarray(images).reshape(len(images), -1)
    if len(images) > 1 and (flat.min(axis=1) == flat.max(axis=1)).all():
        raise ValueError(
            f"every one of the {len(images)} {name} is a single flat "
            f"colour (e.g. value {flat[0, 0]}): a dead generator, or images "
            "that did not decode? A score of blank images is meaningless.")


def to_model_input(images, size, channels):
    """Converts a batch to float32 [-1, 1] of the given size and channels.

    Args:
      images: `[b, H, W, c]` array as returned by `check_images`.
      size: `(height, width)` the model expects, or None to keep the size
        (a model that resizes its input itself).
      channels: 1 or 3, the channel count the model expects.

    Returns:
      float32 `tf.Tensor` `[b, height, width, channels]` in [-1, 1].
    """
    if np.issubdtype(images.dtype, np.integer):
        x = tf.convert_to_tensor(images, tf.float32) / 127.5 - 1.0
    else:
        x = tf.clip_by_value(tf.convert_to_tensor(images, tf.float32),
                             -1.0, 1.0)
    if x.shape[-1] != channels:
        if channels == 3:
            x = tf.repeat(x, 3, axis=-1)
        else:
            x = tf.image.rgb_to_grayscale(x)
    if size is not None and tuple(x.shape[1:3]) != tuple(size):
        shrinking = x.shape[1] > size[0] or x.shape[2] > size[1]
        x = tf.image.resize(x, size, method="bilinear", antialias=shrinking)
    return x


def conversion_note(shape, size, channels, model_resize=None):
    """Says how images of `shape` reach a model, e.g. for a results log.

    Args:
      shape: `(H, W, c)` of the images.
      size, channels: as for `to_model_input`.
      model_resize: `(height, width)` the model itself resizes to, if any.

    Returns:
      A short sentence; "as given" when nothing changes.
    """
    height, width, c = shape
    steps = []
    if c != channels:
        steps.append("grayscale repeated to RGB" if channels == 3
                     else "RGB to luma (ITU-R 601)")
    if size is not None and (height, width) != tuple(size):
        shrinking = height > size[0] or width > size[1]
        steps.append(f"resized {height}x{width} -> {size[0]}x{size[1]} "
                     f"(bilinear{', antialiased' if shrinking else ''})")
    if model_resize is not None and (height, width) != tuple(model_resize):
        steps.append(f"resized {height}x{width} -> {model_resize[0]}x"
                     f"{model_resize[1]} by the network (its own bilinear)")
    return "; ".join(steps) or "as given"
