"""Centre-crop and resize geometry, in plain Python and as TensorFlow ops.

The crop follows carpedm20/DCGAN-tensorflow's `center_crop`: take the centred
`crop_height x crop_width` window, then resize it to the output size (the
CelebA recipe is the 108x108 centre of a 178x218 photo, resized to 64x64).
Two deliberate departures, both documented in `image_folder`:

* Offsets are floored, `(height - crop_height) // 2`, so an odd margin leaves
  the extra row at the bottom (carpedm20 used Python 3's banker's `round`,
  which floors or ceils depending on parity).
* An image smaller than the crop is first scaled up, keeping its aspect ratio,
  until the crop fits (the "upscale" policy). Cropping it as-is would either
  fail mid-epoch or pad with black.

The plain-Python functions are the reference the tests check the graph
versions against.
"""

import tensorflow as tf


def crop_offsets(height, width, crop_height, crop_width):
    """Top-left corner of the centred crop window.

    Args:
        height, width: image size, at least the crop size.
        crop_height, crop_width: crop window size.

    Returns:
        `(top, left)`, each in `[0, size - crop_size]`.
    """
    return (height - crop_height) // 2, (width - crop_width) // 2


def upscaled_size(height, width, crop_height, crop_width):
    """Smallest aspect-preserving size that holds the crop window.

    Images that already hold the crop keep their size. Integer arithmetic
    (ceiling division) instead of float scale factors, so the result is
    never one pixel short or long because of rounding.

    Returns:
        `(new_height, new_width)` with `new_height >= crop_height` and
        `new_width >= crop_width`.
    """
    if height >= crop_height and width >= crop_width:
        return height, width
    # Scale by max(crop_height / height, crop_width / width); compare the
    # two ratios by cross-multiplying to stay in integers.
    if crop_height * width >= crop_width * height:
        return crop_height, -(-width * crop_height // height)
    return -(-height * crop_width // width), crop_width


def tf_upscale_to_fit(image, crop_height, crop_width):
    """Graph version of `upscaled_size`: resize `image` up if it is too small.

    Args:
        image: float32 `[height, width, channels]`.
        crop_height, crop_width: Python ints.

    Returns:
        float32 `[new_height, new_width, channels]`; `image` itself when it
        already holds the crop.
    """
    shape = tf.shape(image)
    height, width = tf.cast(shape[0], tf.int64), tf.cast(shape[1], tf.int64)
    ch = tf.constant(crop_height, tf.int64)
    cw = tf.constant(crop_width, tf.int64)

    def grow():
        by_height = ch * width >= cw * height
        new_h = tf.where(by_height, ch, (height * cw + width - 1) // width)
        new_w = tf.where(by_height, (width * ch + height - 1) // height, cw)
        size = tf.cast(tf.stack([new_h, new_w]), tf.int32)
        return tf.image.resize(image, size, method="bilinear")

    fits = tf.logical_and(height >= ch, width >= cw)
    return tf.cond(fits, lambda: image, grow)


def tf_center_crop(image, crop_height, crop_width):
    """Centred crop of an image at least the crop size (see `crop_offsets`).

    Args:
        image: `[height, width, channels]`.

    Returns:
        `[crop_height, crop_width, channels]`, static height and width.
    """
    shape = tf.shape(image)
    top, left = crop_offsets(shape[0], shape[1], crop_height, crop_width)
    crop = image[top:top + crop_height, left:left + crop_width]
    return tf.ensure_shape(crop, [crop_height, crop_width, None])


def tf_jpeg_crop_window(jpeg_shape, crop_height, crop_width):
    """`decode_and_crop_jpeg` window `[top, left, height, width]` (int32)."""
    top, left = crop_offsets(jpeg_shape[0], jpeg_shape[1], crop_height, crop_width)
    return tf.stack([top, left, crop_height, crop_width])
