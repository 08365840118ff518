"""Decode image files to float32 `[height, width, c_dim]` in [0, 1].

TensorFlow's own decoders do the work (in parallel, outside the GIL) for
JPEG, PNG, GIF (first frame), BMP and WebP. Two details matter for real
folders:

* PNGs are decoded at 16 bits, so 16-bit scans (MRI, microscopy) keep their
  precision and 8-bit PNGs come out exactly as `value / 255`.
* Files `headers.py` flags as `needs_pillow` (palette, 1/4-bit or RLE BMPs,
  which TensorFlow would misread or reject) go through Pillow in a
  `tf.numpy_function`. Only those files pay for the Python call.

Channel conversion: grey to RGB repeats the channel; RGB to grey uses
`tf.image.rgb_to_grayscale` (ITU-R 601 luma, as JPEG and Pillow do); alpha is
dropped (not composited), and palette images are expanded by the decoder.
EXIF orientation is not applied (neither TensorFlow nor carpedm20 does).
"""

import os

import numpy as np
import tensorflow as tf

from tfdcgan.data import geometry

_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
# libjpeg's accurate integer IDCT, as Pillow uses. TensorFlow's default
# (INTEGER_FAST) is off by up to 5 levels and was only ~2% faster on CelebA
# crops here.
_DCT = "INTEGER_ACCURATE"


def to_channels(image, c_dim):
    """Converts `[h, w, 1..4]` to `[h, w, c_dim]` (c_dim 1 or 3).

    1 = grey, 2 = grey + alpha, 3 = RGB, 4 = RGBA (or CMYK already turned
    into RGB by the JPEG decoder, which never yields 4 channels here).
    """
    channels = tf.shape(image)[-1]
    is_grey = channels < 3
    if c_dim == 3:
        image = tf.cond(is_grey,
                        lambda: tf.image.grayscale_to_rgb(image[..., :1]),
                        lambda: image[..., :3])
    elif c_dim == 1:
        image = tf.cond(is_grey,
                        lambda: image[..., :1],
                        lambda: tf.image.rgb_to_grayscale(image[..., :3]))
    else:
        raise ValueError(f"c_dim must be 1 or 3, got {c_dim!r}")
    return tf.ensure_shape(image, [None, None, c_dim])


def decode_any(raw, c_dim, may_be_cmyk=True):
    """Decodes encoded bytes of any supported format; no crop.

    Args:
        raw: scalar string tensor, the file's bytes.
        c_dim: 1 or 3.
        may_be_cmyk: see `decode_jpeg`.

    Returns:
        float32 `[height, width, c_dim]` in [0, 1].
    """
    def png():
        pixels = tf.io.decode_png(raw, channels=0, dtype=tf.uint16)
        return tf.cast(pixels, tf.float32) / 65535.0

    def jpeg():
        return decode_jpeg(raw, c_dim, may_be_cmyk=may_be_cmyk)

    def other():  # GIF, BMP, WebP
        pixels = tf.io.decode_image(raw, channels=0, expand_animations=False)
        return tf.cast(pixels, tf.float32) / 255.0

    is_png = tf.equal(tf.strings.substr(raw, 0, len(_PNG_MAGIC)), _PNG_MAGIC)
    image = tf.cond(tf.io.is_jpeg(raw), jpeg,
                    lambda: tf.cond(is_png, png, other))
    return to_channels(image, c_dim)


def decode_jpeg(raw, c_dim, window=None, may_be_cmyk=True):
    """JPEG bytes to float32 `[h, w, c_dim]` in [0, 1], optionally a window.

    The decoder converts colour itself (grey output is the luma plane), except
    that libjpeg cannot turn CMYK into grey: those go through RGB.

    Args:
        raw: scalar string tensor.
        c_dim: 1 or 3.
        window: optional int32 `[top, left, height, width]`.
        may_be_cmyk: False when the scan proved no file is CMYK, which
            saves a branch per image for c_dim 1.
    """
    def run(channels):
        if window is None:
            pixels = tf.io.decode_jpeg(raw, channels=channels, dct_method=_DCT)
        else:
            pixels = tf.io.decode_and_crop_jpeg(raw, window, channels=channels, dct_method=_DCT)
        return tf.cast(pixels, tf.float32) / 255.0

    if c_dim == 3:
        return run(3)
    if not may_be_cmyk:
        return run(1)
    is_cmyk = tf.equal(tf.image.extract_jpeg_shape(raw)[2], 4)
    return tf.cond(is_cmyk, lambda: tf.image.rgb_to_grayscale(run(3)), lambda: run(1))


def decode_jpeg_crop(raw, c_dim, crop_height, crop_width, may_be_small=True,
                     may_be_cmyk=True):
    """JPEG fast path: decode only the centred crop window.

    `decode_and_crop_jpeg` skips the work outside the window (about 3x
    faster on CelebA than decode-then-crop). Images smaller than the crop are
    decoded whole and scaled up first (`geometry.tf_upscale_to_fit`); when the
    scan proved there are none (`may_be_small=False`) that branch, which
    costs time on every image, is left out.

    Returns:
        float32 `[crop_height, crop_width, c_dim]` in [0, 1].
    """
    shape = tf.image.extract_jpeg_shape(raw)

    def window():
        box = geometry.tf_jpeg_crop_window(shape, crop_height, crop_width)
        return decode_jpeg(raw, c_dim, box, may_be_cmyk)

    def small():
        image = decode_jpeg(raw, c_dim, may_be_cmyk=may_be_cmyk)
        image = geometry.tf_upscale_to_fit(image, crop_height, crop_width)
        return geometry.tf_center_crop(image, crop_height, crop_width)

    if may_be_small:
        fits = tf.logical_and(shape[0] >= crop_height, shape[1] >= crop_width)
        image = tf.cond(fits, window, small)
    else:
        image = window()
    return tf.ensure_shape(image, [crop_height, crop_width, c_dim])


def pillow_decode(path, c_dim):
    """Graph op decoding `path` with Pillow; for files TensorFlow misreads.

    Returns:
        float32 `[height, width, c_dim]` in [0, 1].
    """
    image = tf.numpy_function(
        lambda p: _pillow_array(os.fsdecode(np.asarray(p).item()), c_dim), [path], tf.float32,
        stateful=False)
    return tf.ensure_shape(image, [None, None, c_dim])


def _pillow_array(path, c_dim):
    from PIL import Image
    with Image.open(path) as img:
        img.seek(0)
        mode = "RGB" if c_dim == 3 else "L"
        pixels = np.asarray(img.convert(mode), dtype=np.float32) / 255.0
    return pixels.reshape(pixels.shape[0], pixels.shape[1], c_dim)


def decode_file_eagerly(path, needs_pillow=False):
    """Decodes one file now, raising whatever the decoder raises.

    Used by the scan to settle files whose header looked wrong, with the same
    decoder the pipeline will use.
    """
    if needs_pillow:
        from PIL import Image
        with Image.open(path) as img:
            img.load()
        return
    decode_any(tf.io.read_file(os.fsencode(path)), 3)
