"""Image checks and conversion to an extractor's input."""

import numpy as np
import pytest

from tfdcgan.metrics import images


def test_uint8_and_float_conventions_agree():
    pixels = np.array([0, 51, 127, 255], np.uint8).reshape(1, 2, 2, 1)
    from_uint8 = images.to_model_input(pixels, (2, 2), 1).numpy()
    from_float = images.to_model_input(
        pixels.astype(np.float32) / 127.5 - 1, (2, 2), 1).numpy()
    np.testing.assert_allclose(from_uint8.ravel(),
                               [-1, 51 / 127.5 - 1, 127 / 127.5 - 1, 1],
                               atol=1e-6)
    np.testing.assert_allclose(from_uint8, from_float, atol=1e-6)


def test_grayscale_to_rgb_repeats_and_rgb_to_grayscale_uses_luma():
    gray = np.linspace(-1, 1, 16, dtype=np.float32).reshape(1, 4, 4, 1)
    rgb = images.to_model_input(gray, (4, 4), 3).numpy()
    assert rgb.shape == (1, 4, 4, 3)
    for channel in range(3):
        np.testing.assert_allclose(rgb[..., channel:channel + 1], gray)
    red = np.zeros((1, 2, 2, 3), np.uint8)
    red[..., 0] = 255
    luma = images.to_model_input(red, (2, 2), 1).numpy()
    np.testing.assert_allclose(luma, 0.2989 * 2 - 1, atol=1e-3)


@pytest.mark.parametrize("size", [(14, 14), (56, 40)])
def test_resize_keeps_range_and_constant_images(size):
    constant = np.full((2, 28, 28, 1), 0.25, np.float32)
    resized = images.to_model_input(constant, size, 1).numpy()
    assert resized.shape == (2, *size, 1)
    np.testing.assert_allclose(resized, 0.25, atol=1e-5)
    noise = np.random.default_rng(0).uniform(-1, 1, (2, 28, 28, 3))
    resized = images.to_model_input(noise.astype(np.float32), size, 3)
    assert resized.numpy().min() >= -1 and resized.numpy().max() <= 1


def test_grayscale_without_channel_axis_gains_one():
    checked = images.check_images(np.zeros((3, 8, 8), np.uint8))
    assert checked.shape == (3, 8, 8, 1)


@pytest.mark.parametrize("array, message", [
    (np.zeros((2, 8, 8, 4), np.uint8), "1 \\(grayscale\\) or 3"),
    (np.zeros((8, 8), np.uint8), r"\[n, H, W, c\]"),
    (np.zeros((0, 8, 8, 1), np.uint8), "empty"),
    (np.full((2, 4, 4, 1), 255.0, np.float32), r"\[-1, 1\]"),
    (np.full((2, 4, 4, 1), 300, np.int32), r"\[0, 255\]"),
    (np.array([[[["a"]]]]), "dtype"),
])
def test_bad_images_raise(array, message):
    with pytest.raises(ValueError, match=message):
        images.check_images(array)


def test_nan_images_raise_with_count():
    batch = np.zeros((5, 4, 4, 1), np.float32)
    batch[1, 0, 0, 0] = np.nan
    batch[3, 2, 1, 0] = np.inf
    with pytest.raises(ValueError, match="NaN or inf in 2 of 5 images"):
        images.check_images(batch, "generated images")


def test_zero_one_floats_warn():
    with pytest.warns(UserWarning, match=r"\[0, 1\]"):
        images.check_images(np.full((2, 4, 4, 1), 0.5, np.float32))
