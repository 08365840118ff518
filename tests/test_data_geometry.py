"""Crop and resize geometry: plain-Python rules and the graph ops that follow them."""

import io

import numpy as np
import tensorflow as tf
from hypothesis import given, settings, strategies as st
from PIL import Image

from data_fixtures import rgb_pattern
from tfdcgan.data import decode, geometry

sizes = st.integers(min_value=1, max_value=300)


@given(height=sizes, width=sizes, crop_height=sizes, crop_width=sizes)
def test_upscaled_size_holds_crop_keeps_aspect_and_is_minimal(height, width, crop_height, crop_width):
    new_h, new_w = geometry.upscaled_size(height, width, crop_height, crop_width)
    assert new_h >= crop_height and new_w >= crop_width
    if height >= crop_height and width >= crop_width:
        assert (new_h, new_w) == (height, width)
        return
    # Grown by one factor: one side lands exactly on the crop, and the
    # aspect ratio is kept to within the one-pixel ceiling.
    assert new_h == crop_height or new_w == crop_width
    assert new_h >= height and new_w >= width
    assert abs(new_w * height - new_h * width) < max(height, width)


@given(height=sizes, width=sizes, data=st.data())
def test_crop_offsets_are_inside_and_centred(height, width, data):
    crop_height = data.draw(st.integers(1, height))
    crop_width = data.draw(st.integers(1, width))
    top, left = geometry.crop_offsets(height, width, crop_height, crop_width)
    bottom, right = height - crop_height - top, width - crop_width - left
    assert top >= 0 and left >= 0 and bottom >= 0 and right >= 0
    # Floor: the odd pixel, if any, is left below and to the right.
    assert bottom - top in (0, 1) and right - left in (0, 1)


@settings(max_examples=40, deadline=None)
@given(height=st.integers(1, 80), width=st.integers(1, 80),
       crop_height=st.integers(1, 80), crop_width=st.integers(1, 80))
def test_graph_crop_matches_numpy_slice_or_upscales(height, width, crop_height, crop_width):
    image = tf.constant(np.arange(height * width * 2, dtype=np.float32).reshape(height, width, 2))
    fitted = geometry.tf_upscale_to_fit(image, crop_height, crop_width)
    assert tuple(fitted.shape[:2]) == geometry.upscaled_size(height, width, crop_height, crop_width)
    crop = geometry.tf_center_crop(fitted, crop_height, crop_width).numpy()
    assert crop.shape == (crop_height, crop_width, 2)
    if height >= crop_height and width >= crop_width:
        top, left = geometry.crop_offsets(height, width, crop_height, crop_width)
        np.testing.assert_array_equal(crop, image.numpy()[top:top + crop_height, left:left + crop_width])
    else:  # upscaled content lies within the original value range: no padding
        assert crop.min() >= 0 and crop.max() <= height * width * 2 - 1


@settings(max_examples=25, deadline=None)
@given(height=st.integers(8, 96), width=st.integers(8, 96), data=st.data())
def test_jpeg_window_decode_matches_decode_then_crop(height, width, data):
    crop_height = data.draw(st.integers(8, height))
    crop_width = data.draw(st.integers(8, width))
    buffer = io.BytesIO()
    Image.fromarray(rgb_pattern(height, width, seed=height * 97 + width)).save(buffer, "JPEG", quality=90)
    raw = tf.constant(buffer.getvalue())
    fast = decode.decode_jpeg_crop(raw, 3, crop_height, crop_width).numpy()
    full = geometry.tf_center_crop(decode.decode_any(raw, 3), crop_height, crop_width).numpy()
    assert fast.shape == (crop_height, crop_width, 3)
    # Partial decoding may upsample chroma differently at the window's edge,
    # by a few levels; a window one pixel off differs by 5+ levels on average.
    diff = np.abs(fast - full) * 255
    assert diff.mean() < 1.5 and diff.max() < 16
