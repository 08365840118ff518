"""Every supported file kind decodes to the right pixels in the right channels.

The reference is Pillow's own conversion of the same file. Lossless formats
must match to rounding; JPEG paths may differ by a few levels because the
decoders' colour conversions differ.
"""

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from data_fixtures import rgb_pattern, save
from tfdcgan.data import decode, headers

H, W = 30, 41
LOSSLESS = 1.01 / 255
JPEG = 4 / 255


def _reference(path, c_dim):
    with Image.open(path) as img:
        img.seek(0)
        if img.mode == "I;16":
            grey = np.asarray(img, dtype=np.float64) / 65535.0
            return grey[..., None] if c_dim == 1 else np.repeat(grey[..., None], 3, -1)
        if img.mode in ("RGBA", "LA", "PA") or "transparency" in img.info:
            img = img.convert("RGBA" if img.mode != "LA" else "LA")  # keep colour, drop alpha below
            img = img.convert("RGB") if img.mode == "RGBA" else img.convert("L")
        rgb = np.asarray(img.convert("RGB"), dtype=np.float64) / 255.0
    if c_dim == 3:
        return rgb
    return (rgb @ np.array([0.2989, 0.5870, 0.1140]))[..., None]


def _decode(path, c_dim):
    header = headers.read_header(path)
    if header.needs_pillow:
        return decode.pillow_decode(tf.constant(path), c_dim).numpy()
    return decode.decode_any(tf.io.read_file(path), c_dim).numpy()


def _pixels():
    return rgb_pattern(H, W, seed=3)


CASES = {
    # name: (mode written, format, save kwargs, tolerance)
    "rgb.jpg": ("RGB", "JPEG", {"quality": 95}, JPEG),
    "grey.jpg": ("L", "JPEG", {"quality": 95}, JPEG),
    "cmyk.jpg": ("CMYK", "JPEG", {"quality": 95}, JPEG),
    "rgb.png": ("RGB", "PNG", {}, LOSSLESS),
    "grey.png": ("L", "PNG", {}, LOSSLESS),
    "rgba.png": ("RGBA", "PNG", {}, LOSSLESS),
    "grey_alpha.png": ("LA", "PNG", {}, LOSSLESS),
    "palette.png": ("P", "PNG", {}, LOSSLESS),
    "rgb.bmp": ("RGB", "BMP", {}, LOSSLESS),
    "grey.bmp": ("L", "BMP", {}, LOSSLESS),
    "palette.bmp": ("P", "BMP", {}, LOSSLESS),
    "mono.bmp": ("1", "BMP", {}, LOSSLESS),
    "palette.gif": ("P", "GIF", {}, LOSSLESS),
    "rgb.webp": ("RGB", "WEBP", {"lossless": True}, LOSSLESS),
}


@pytest.mark.parametrize("c_dim", [1, 3])
@pytest.mark.parametrize("name", sorted(CASES))
def test_decodes_like_pillow(tmp_path, name, c_dim):
    mode, fmt, kwargs, tolerance = CASES[name]
    image = Image.fromarray(_pixels())
    if mode == "P":
        image = image.quantize(colors=64)
    if mode == "RGBA":  # varying alpha, so "drop" and "composite" would differ
        image.putalpha(Image.fromarray(np.tile(np.arange(W, dtype=np.uint8) * 6, (H, 1))))
    path = save(tmp_path / name, image, mode=mode if mode != "P" else None, format=fmt, **kwargs)
    got = _decode(path, c_dim)
    want = _reference(path, c_dim)
    assert got.shape == (H, W, c_dim) and got.dtype == np.float32
    # JPEG grey output comes straight from the luma plane, not via RGB.
    tol = tolerance + (2 / 255 if fmt == "JPEG" and c_dim == 1 else 0)
    np.testing.assert_allclose(got, want, atol=tol)


def test_sixteen_bit_png_keeps_full_precision(tmp_path):
    values = np.random.default_rng(0).integers(0, 65536, (H, W), dtype=np.uint16)
    path = save(tmp_path / "scan16.png", Image.fromarray(values))
    got = _decode(path, 1)[..., 0]
    # Exact to 16 bits, not merely to the top 8.
    np.testing.assert_allclose(got, values / 65535.0, atol=1e-6)
    assert headers.read_header(path).bit_depth == 16
    rgb = _decode(path, 3)
    np.testing.assert_allclose(rgb, np.repeat(got[..., None], 3, -1), atol=1e-6)


def test_eight_bit_png_is_exactly_value_over_255(tmp_path):
    pixels = _pixels()
    path = save(tmp_path / "rgb.png", pixels)
    np.testing.assert_allclose(_decode(path, 3), pixels / 255.0, atol=1e-6)


def test_animated_gif_gives_its_first_frame(tmp_path):
    frames = [Image.new("RGB", (W, H), colour) for colour in ((255, 0, 0), (0, 255, 0), (0, 0, 255))]
    path = str(tmp_path / "anim.gif")
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=50)
    got = _decode(path, 3)
    assert got.shape == (H, W, 3)
    np.testing.assert_allclose(got.reshape(-1, 3).mean(0), [1.0, 0.0, 0.0], atol=0.01)


def test_rgba_alpha_is_dropped_not_composited(tmp_path):
    pixels = np.zeros((H, W, 4), np.uint8)
    pixels[..., 0] = 200  # red under fully transparent alpha
    path = save(tmp_path / "clear.png", pixels)
    np.testing.assert_allclose(_decode(path, 3)[..., 0], 200 / 255, atol=1e-6)


def test_palette_bmp_is_routed_to_pillow_and_grey_bmp_is_not(tmp_path):
    colour = save(tmp_path / "palette.bmp", Image.fromarray(_pixels()).quantize(colors=16))
    grey = save(tmp_path / "grey.bmp", _pixels()[..., 0])
    assert headers.read_header(colour).needs_pillow
    assert not headers.read_header(grey).needs_pillow
    assert headers.read_header(grey).grayscale is True
