"""`image_folder`: batches, crop geometry, options, and what it does with bad input."""

import json
import logging
import os

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from data_fixtures import (position_image, rgb_pattern, save, save_flat, save_jpegs,
                           to_float, truncated_copy, write_bytes)
from tfdcgan.data import DatasetError, image_folder


def _all_images(ds):
    return np.concatenate([b.numpy() for b in ds]) if ds is not None else None


def _bad_quant_table_jpeg(path):
    """A JPEG with intact header and end whose frame names an undefined table.

    The header check accepts it; libjpeg refuses to decode it.
    """
    source = save(path, rgb_pattern(40, 50), quality=90)
    data = bytearray(open(source, "rb").read())
    sof = data.index(b"\xff\xc0")
    data[sof + 12] = 3  # first component's quantisation table id
    return write_bytes(path, bytes(data))


def test_batches_have_the_promised_shape_dtype_and_range(tmp_path):
    save_jpegs(tmp_path / "faces", 10)
    ds, info = image_folder(str(tmp_path), "faces", output_height=32, batch_size=4,
                            with_info=True)
    batches = [b.numpy() for b in ds]
    assert len(batches) == 2 == info.steps_per_epoch  # 10 // 4, remainder dropped
    for batch in batches:
        assert batch.shape == (4, 32, 32, 3) and batch.dtype == np.float32
        assert batch.min() >= -1 and batch.max() <= 1
    assert np.ptp(np.concatenate(batches)) > 1.5  # real content, not a constant
    assert ds.element_spec.shape.as_list() == [4, 32, 32, 3]
    assert info.source == "folder" and info.num_examples == 10 and not info.has_labels
    json.dumps(info.to_dict())


def test_data_dir_alone_is_the_folder(tmp_path):
    save_jpegs(tmp_path, 4)
    ds = image_folder(str(tmp_path), batch_size=2, output_height=8)
    assert len(list(ds)) == 2


def test_crop_takes_the_centre_window_exactly(tmp_path):
    pixels = position_image(31, 44)
    save(tmp_path / "pos.png", pixels)
    ds = image_folder(str(tmp_path), input_fname_pattern="*.png", crop=True,
                      input_height=17, input_width=20, output_height=17, output_width=20,
                      batch_size=1, shuffle=False)
    got = next(iter(ds)).numpy()[0]
    top, left = (31 - 17) // 2, (44 - 20) // 2
    np.testing.assert_allclose(got, to_float(pixels[top:top + 17, left:left + 20]), atol=1e-5)


def test_crop_then_resize_sees_only_the_centre(tmp_path):
    # White 20x20 centre in a black 60x60 image: cropping the centre and
    # resizing gives pure white; resizing the whole image does not.
    pixels = np.zeros((60, 60, 3), np.uint8)
    pixels[20:40, 20:40] = 255
    save(tmp_path / "box.png", pixels)
    common = dict(input_fname_pattern="*.png", output_height=32, batch_size=1)
    cropped = next(iter(image_folder(str(tmp_path), crop=True, input_height=20, **common)))
    whole = next(iter(image_folder(str(tmp_path), crop=False, **common)))
    np.testing.assert_allclose(cropped.numpy(), 1.0, atol=1e-5)
    assert whole.numpy().min() == pytest.approx(-1.0, abs=1e-5)


def test_no_crop_resizes_whole_image_and_same_size_passes_through(tmp_path):
    pixels = rgb_pattern(24, 24)
    save(tmp_path / "a.png", pixels)
    same = next(iter(image_folder(str(tmp_path), input_fname_pattern="*.png",
                                  output_height=24, batch_size=1)))
    np.testing.assert_allclose(same.numpy()[0], to_float(pixels), atol=1e-5)
    wide = next(iter(image_folder(str(tmp_path), input_fname_pattern="*.png",
                                  output_height=12, output_width=30, batch_size=1)))
    assert wide.shape == (1, 12, 30, 3)


@pytest.mark.parametrize("c_dim", [1, 3])
def test_mixed_modes_and_formats_give_uniform_batches(tmp_path, c_dim):
    pixels = rgb_pattern(40, 50, seed=7)
    rgba = np.dstack([pixels, np.full((40, 50), 128, np.uint8)])
    files = [
        save(tmp_path / "a_grey.jpg", pixels, mode="L", quality=95),
        save(tmp_path / "b_rgb.jpg", pixels, quality=95),
        save(tmp_path / "c_rgb.png", pixels),
        save(tmp_path / "d_rgba.png", rgba),
        save(tmp_path / "e_la.png", pixels, mode="LA"),
        save(tmp_path / "f_palette.png", Image.fromarray(pixels).quantize(64)),
        save(tmp_path / "g_grey16.png", Image.fromarray(pixels[..., 0].astype(np.uint16) * 257)),
        save(tmp_path / "h_rgb.bmp", pixels),
        save(tmp_path / "i_palette.bmp", Image.fromarray(pixels).quantize(16)),
        save(tmp_path / "j_anim.gif", Image.fromarray(pixels).quantize(64)),
    ]
    ds = image_folder(str(tmp_path), input_fname_pattern="*", c_dim=c_dim, crop=True,
                      input_height=30, output_height=16, batch_size=1, shuffle=False)
    images = _all_images(ds)
    assert images.shape == (len(files), 16, 16, c_dim)
    # Each file lands on the Pillow rendering of itself, in order.
    for path, got in zip(files, images):
        with Image.open(path) as img:
            if img.mode == "I;16":  # Pillow's own "L" conversion clips 16-bit
                img = Image.fromarray((np.asarray(img) // 257).astype(np.uint8))
            ref = img.convert("RGB" if c_dim == 3 else "L")
        ref = np.asarray(ref.crop((10, 5, 40, 35)).resize((16, 16), Image.BILINEAR), np.float64)
        ref = ref.reshape(16, 16, c_dim) / 127.5 - 1
        assert np.abs(got - ref).mean() < 0.04, path


def test_c_dim_is_inferred_from_the_files(tmp_path):
    grey, mixed = tmp_path / "grey", tmp_path / "mixed"
    pixels = rgb_pattern(20, 20)
    save(grey / "a.jpg", pixels, mode="L")
    save(grey / "b.png", pixels[..., 0])
    save(grey / "c.png", np.repeat(pixels[..., :1], 3, -1))  # grey picture saved as RGB
    save(mixed / "a.jpg", pixels, mode="L")
    save(mixed / "b.png", pixels)
    ds, info = image_folder(str(grey), input_fname_pattern="*.*", c_dim=None, batch_size=3,
                            output_height=8, with_info=True)
    assert info.c_dim == 1 and info.c_dim_inferred and next(iter(ds)).shape[-1] == 1
    ds, info = image_folder(str(mixed), input_fname_pattern="*.*", c_dim=None, batch_size=2,
                            output_height=8, with_info=True)
    assert info.c_dim == 3 and next(iter(ds)).shape[-1] == 3


def test_train_size_caps_the_files_used(tmp_path):
    save_jpegs(tmp_path, 10)
    ds, info = image_folder(str(tmp_path), train_size=6, batch_size=2, output_height=8,
                            with_info=True)
    assert info.num_files == 6 and info.num_examples == 6
    assert len(list(ds)) == 3


def _first_pixels(ds):
    return tuple(np.round(_all_images(ds)[:, 0, 0, 0], 3))


def test_seeded_shuffle_is_reproducible_and_reshuffles_each_epoch(tmp_path):
    for i in range(16):
        save_flat(tmp_path / f"{i:02d}.png", i * 16)
    make = lambda seed: image_folder(str(tmp_path), input_fname_pattern="*.png",
                                     output_height=4, batch_size=1, seed=seed)
    ds = make(1)
    first, second = _first_pixels(ds), _first_pixels(ds)
    assert sorted(first) == sorted(second) and len(set(first)) == 16
    assert first != second  # a new order each epoch
    assert _first_pixels(make(1)) == first  # same seed, same first epoch
    assert _first_pixels(make(2)) != first
    unshuffled = image_folder(str(tmp_path), input_fname_pattern="*.png", output_height=4,
                              batch_size=1, shuffle=False)
    assert list(_first_pixels(unshuffled)) == sorted(first)


@pytest.mark.parametrize("crop", [False, True])
def test_memory_and_disk_cache_match_the_uncached_pipeline(tmp_path, crop):
    save_jpegs(tmp_path / "imgs", 6)
    common = dict(output_height=16, batch_size=2, shuffle=False, crop=crop, input_height=30)
    plain = _all_images(image_folder(str(tmp_path / "imgs"), **common))
    memory = image_folder(str(tmp_path / "imgs"), cache="memory", **common)
    disk = image_folder(str(tmp_path / "imgs"), cache=str(tmp_path / "cache" / "faces"), **common)
    # Both caches are filled when the dataset is made, so they serve every
    # epoch even with the photos gone.
    for path in (tmp_path / "imgs").iterdir():
        path.unlink()
    for ds in (memory, disk):
        for _ in range(2):
            np.testing.assert_allclose(_all_images(ds), plain, atol=1.01 / 127.5)


def test_disk_cache_is_reused_and_never_stale(tmp_path):
    save_jpegs(tmp_path / "imgs", 4)
    prefix = str(tmp_path / "cache" / "faces")
    first = _all_images(image_folder(str(tmp_path / "imgs"), cache=prefix, output_height=8,
                                     batch_size=4, shuffle=False))
    index_files = lambda: sorted(n for n in os.listdir(tmp_path / "cache") if n.endswith(".index"))
    assert len(index_files()) == 1 and index_files()[0].startswith("faces-")
    again = _all_images(image_folder(str(tmp_path / "imgs"), cache=prefix, output_height=8,
                                     batch_size=4, shuffle=False))
    np.testing.assert_array_equal(again, first)
    assert len(index_files()) == 1  # reused, not rewritten
    bigger = image_folder(str(tmp_path / "imgs"), cache=prefix, output_height=16, batch_size=4)
    assert next(iter(bigger)).shape == (4, 16, 16, 3) and len(index_files()) == 2


def test_rebuilding_the_dataset_reuses_the_scan_until_the_folder_changes(tmp_path, monkeypatch):
    from tfdcgan.data import headers
    save_jpegs(tmp_path, 4)
    reads = []
    real_read = headers.read_header
    monkeypatch.setattr(headers, "read_header", lambda path: reads.append(path) or real_read(path))
    make = lambda seed: image_folder(str(tmp_path), output_height=8, batch_size=2, seed=seed,
                                     with_info=True)[1]
    assert make(1).num_examples == 4 and len(reads) == 4
    assert make(2).num_examples == 4 and len(reads) == 4  # new seed, same scan
    save_flat(tmp_path / "new.jpg", 10)
    assert make(3).num_examples == 5 and len(reads) == 9  # folder changed: scanned again


def test_prefetch_to_an_explicit_device_feeds_a_tf_function(tmp_path):
    save_jpegs(tmp_path, 4)
    ds = image_folder(str(tmp_path), output_height=8, batch_size=2, prefetch_to_device="/CPU:0")

    @tf.function
    def total(iterator):
        return next(iterator) + next(iterator)

    assert total(iter(ds)).shape == (2, 8, 8, 3)
    # "auto" without a GPU is a plain prefetch, which later transformations may follow.
    auto = image_folder(str(tmp_path), output_height=8, batch_size=2, prefetch_to_device="auto")
    assert len(list(auto.repeat(2).skip(1))) == 3


# --- bad input ---------------------------------------------------------------

def test_missing_folder_names_it_the_pattern_and_the_parent(tmp_path):
    (tmp_path / "anime").mkdir()
    with pytest.raises(DatasetError) as e:
        image_folder(str(tmp_path), "celebA", input_fname_pattern="*.jpg")
    message = str(e.value)
    assert str(tmp_path / "celebA") in message and "*.jpg" in message
    assert "anime/" in message and "download.py celebA" in message
    assert isinstance(e.value, ValueError)


def test_a_file_given_as_the_folder_is_named_as_a_file(tmp_path):
    (tmp_path / "faces").write_text("a file\n")
    with pytest.raises(DatasetError, match=r"faces is a file, not a folder"):
        image_folder(str(tmp_path), "faces")


@pytest.mark.parametrize("kwargs, named", [
    (dict(output_height=0), "output_height"), (dict(output_width=-5), "output_width"),
    (dict(output_height=2.5), "output_height"), (dict(crop=True, input_height=0), "input_height"),
    (dict(batch_size=0), "batch_size"), (dict(output_width=0), "output_width"),
    (dict(crop=True, input_width=0), "input_width")])
def test_sizes_out_of_range_are_refused_naming_them_before_reading(tmp_path, kwargs, named):
    from tfdcgan import rules

    with pytest.raises(rules.SettingError, match=f"^{named}="):
        image_folder(str(tmp_path / "nowhere"), **kwargs)


def test_no_match_says_what_is_there_instead(tmp_path):
    for i in range(3):
        save_flat(tmp_path / f"{i}.png", 0)
    write_bytes(tmp_path / "notes.txt", b"hi")
    with pytest.raises(DatasetError) as e:
        image_folder(str(tmp_path), input_fname_pattern="*.jpg")
    message = str(e.value)
    assert str(tmp_path) in message and "'*.jpg'" in message
    assert "3 '.png' files" in message and "1 '.txt' file" in message


def test_no_match_hints_at_subfolders_and_case(tmp_path):
    save_jpegs(tmp_path / "celebA" / "img_align_celeba", 2)
    with pytest.raises(DatasetError, match=r"2 files one folder down match; pass "
                                           r"input_fname_pattern='\*/\*.jpg'"):
        image_folder(str(tmp_path), "celebA")
    save_flat(tmp_path / "upper" / "A.JPG", 0)
    with pytest.raises(DatasetError, match=r"case-sensitive: try input_fname_pattern='\*.JPG'"):
        image_folder(str(tmp_path), "upper")
    ds = image_folder(str(tmp_path), "celebA", input_fname_pattern="*/*.jpg", batch_size=2)
    assert next(iter(ds)).shape == (2, 64, 64, 3)


def test_unreadable_files_are_skipped_counted_and_reported_once(tmp_path, caplog):
    good = save_jpegs(tmp_path, 8)
    write_bytes(tmp_path / "empty.jpg", b"")
    write_bytes(tmp_path / "readme.jpg", b"this is not a picture")
    truncated_copy(good[0], tmp_path / "cut.jpg")
    write_bytes(tmp_path / "header_only.jpg", open(good[1], "rb").read()[:20])
    with caplog.at_level(logging.WARNING, logger="tfdcgan.data"):
        ds, info = image_folder(str(tmp_path), output_height=8, batch_size=1, with_info=True)
    assert info.num_files == 12 and info.num_examples == 8 and info.num_skipped == 4
    reasons = dict(info.skipped)
    assert reasons["empty.jpg"] == "empty file"
    assert reasons["readme.jpg"].startswith("not a JPEG, PNG")
    assert "truncated" in reasons["cut.jpg"] and "truncated" in reasons["header_only.jpg"]
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "Skipped 4 of 12" in warnings[0].getMessage() and "empty.jpg" in warnings[0].getMessage()
    assert "Skipped 4 of 12" in info.summary()
    assert len(_all_images(ds)) == 8


def test_file_failing_only_at_decode_time_is_dropped_not_fatal(tmp_path):
    save_jpegs(tmp_path, 5)
    _bad_quant_table_jpeg(tmp_path / "zz_bad.jpg")
    ds, info = image_folder(str(tmp_path), output_height=8, batch_size=1, shuffle=False,
                            with_info=True)
    assert info.num_skipped == 0  # the header looks fine ...
    assert len(_all_images(ds)) == 5  # ... but the epoch runs, without it
    _, exact = image_folder(str(tmp_path), output_height=8, batch_size=1, verify="decode",
                            with_info=True)
    assert [name for name, _ in exact.skipped] == ["zz_bad.jpg"]
    assert exact.skipped[0][1].startswith("truncated or corrupt")


def test_verify_none_still_survives_bad_files(tmp_path):
    save_jpegs(tmp_path, 4)
    write_bytes(tmp_path / "empty.jpg", b"")
    ds, info = image_folder(str(tmp_path), output_height=8, batch_size=1, verify="none",
                            with_info=True)
    assert info.num_skipped == 0 and len(_all_images(ds)) == 4


def test_nothing_readable_is_an_error_naming_folder_pattern_and_files(tmp_path):
    write_bytes(tmp_path / "a.jpg", b"")
    write_bytes(tmp_path / "b.jpg", b"<html>")
    with pytest.raises(DatasetError) as e:
        image_folder(str(tmp_path))
    message = str(e.value)
    assert str(tmp_path) in message and "'*.jpg'" in message
    assert "a.jpg (empty file)" in message and "b.jpg" in message


def test_image_smaller_than_the_crop_is_an_error_naming_it(tmp_path):
    save_jpegs(tmp_path, 4, height=60, width=60)
    save_flat(tmp_path / "tiny.jpg", 255, height=20, width=25)
    with pytest.raises(DatasetError) as e:
        image_folder(str(tmp_path), crop=True, input_height=40, batch_size=2)
    message = str(e.value)
    assert "tiny.jpg" in message and "25x20" in message and "40x40" in message
    assert "small_images='upscale'" in message


def test_small_images_skip_policy_leaves_them_out(tmp_path):
    save_jpegs(tmp_path, 4, height=60, width=60)
    save_flat(tmp_path / "tiny.jpg", 255, height=20, width=25)
    ds, info = image_folder(str(tmp_path), crop=True, input_height=40, batch_size=1,
                            output_height=8, small_images="skip", with_info=True)
    assert [n for n, _ in info.skipped] == ["tiny.jpg"] and "smaller" in info.skipped[0][1]
    assert len(_all_images(ds)) == 4


@pytest.mark.parametrize("ext", ["jpg", "png"])
def test_small_images_upscale_policy_has_no_black_border(tmp_path, ext):
    save_flat(tmp_path / f"tiny.{ext}", 255, height=20, width=25)
    ds = image_folder(str(tmp_path), input_fname_pattern=f"*.{ext}", crop=True,
                      input_height=40, output_height=16, batch_size=1, small_images="upscale")
    # All white: the crop was cut from the scaled-up image, never padded.
    np.testing.assert_allclose(_all_images(ds), 1.0, atol=1e-4)


def test_fewer_images_than_a_batch_is_an_error(tmp_path):
    save_jpegs(tmp_path, 3)
    with pytest.raises(DatasetError, match="fewer than one batch of 64"):
        image_folder(str(tmp_path))
    ds = image_folder(str(tmp_path), drop_remainder=False, output_height=8)
    assert next(iter(ds)).shape[0] == 3


def test_bad_arguments_are_value_errors(tmp_path):
    save_jpegs(tmp_path, 2)
    with pytest.raises(ValueError, match="c_dim"):
        image_folder(str(tmp_path), c_dim=2)
    with pytest.raises(ValueError, match="small_images"):
        image_folder(str(tmp_path), small_images="pad")
    with pytest.raises(ValueError, match="verify"):
        image_folder(str(tmp_path), verify="maybe", batch_size=1)


@pytest.mark.parametrize("verify", ["header", "none"])
@pytest.mark.parametrize("c_dim", [1, 3])
def test_all_jpeg_folder_with_cmyk_grey_and_small_photos(tmp_path, c_dim, verify):
    # The graph leaves out branches the scan proved unnecessary; with
    # verify="none" it keeps them all. Both must give the same pixels.
    pixels = rgb_pattern(60, 70, seed=5)
    files = [save(tmp_path / "a_rgb.jpg", pixels, quality=95),
             save(tmp_path / "b_grey.jpg", pixels, mode="L", quality=95),
             save(tmp_path / "c_cmyk.jpg", pixels, mode="CMYK", quality=95),
             save(tmp_path / "d_small.jpg", pixels[:30, :35], quality=95)]
    ds = image_folder(str(tmp_path), c_dim=c_dim, crop=True, input_height=40, output_height=20,
                      batch_size=1, shuffle=False, small_images="upscale", verify=verify)
    images = _all_images(ds)
    assert images.shape == (4, 20, 20, c_dim)
    for path, got in zip(files, images):
        with Image.open(path) as img:
            img = img.convert("RGB" if c_dim == 3 else "L")
            if img.size[0] < 40:  # the small one: scaled up to 40 rows first
                img = img.resize((47, 40), Image.BILINEAR)
            left, top = (img.size[0] - 40) // 2, (img.size[1] - 40) // 2
            ref = img.crop((left, top, left + 40, top + 40)).resize((20, 20), Image.BILINEAR)
        ref = np.asarray(ref, np.float64).reshape(20, 20, c_dim) / 127.5 - 1
        assert np.abs(got - ref).mean() < 0.03, path


def test_a_crop_larger_than_every_image_is_an_error_even_when_skipping(tmp_path):
    save_jpegs(tmp_path, 3, height=30, width=30)
    with pytest.raises(DatasetError, match="larger than every image") as e:
        image_folder(str(tmp_path), crop=True, input_height=40, batch_size=1,
                     small_images="skip")
    assert "input_height" in str(e.value) and "--small_images upscale" in str(e.value)


# A Latin-1 name: valid on a Linux disk, not valid UTF-8.
NOT_UTF8 = os.fsdecode(b"caf\xe9")


def test_a_file_name_that_is_not_utf8_is_read_like_any_other(tmp_path):
    for i, name in enumerate(["a", "b", NOT_UTF8]):
        save(tmp_path / f"{name}.png", np.full((8, 8), 40 * i, np.uint8))
    ds, info = image_folder(str(tmp_path), input_fname_pattern="*.png", c_dim=1,
                            output_height=8, batch_size=3, shuffle=False, with_info=True)
    assert info.num_examples == 3 and not info.skipped
    images = _all_images(ds)
    assert sorted(np.round((images[:, 0, 0, 0] + 1) * 127.5).astype(int).tolist()) == [
        0, 40, 80]


def test_an_unreadable_file_whose_name_is_not_utf8_is_skipped_and_named_escaped(
        tmp_path, caplog):
    save_jpegs(tmp_path, 2)
    write_bytes(os.path.join(str(tmp_path), NOT_UTF8 + ".jpg"), b"<html>")
    with caplog.at_level(logging.WARNING):
        _, info = image_folder(str(tmp_path), batch_size=2, output_height=8,
                               with_info=True)
    assert [name for name, _ in info.skipped] == ["caf\\xe9.jpg"]
    assert "caf\\xe9.jpg" in caplog.text
    json.dumps(info.to_dict())  # savable


def test_shards_of_one_shuffle_are_disjoint_and_cover_the_folder(tmp_path):
    # Each worker of a cluster decodes only its own files of every epoch.
    save_jpegs(tmp_path / "faces", 12)

    def images(shard=None):
        data = image_folder(str(tmp_path), "faces", batch_size=2, seed=3, output_height=16,
                            shard=shard)
        return [image.tobytes() for batch in data for image in batch.numpy()]

    everything = images()
    shards = [images((3, index)) for index in range(3)]
    assert [len(s) for s in shards] == [4, 4, 4]
    assert len(set(everything)) == 12
    assert sorted(shards[0] + shards[1] + shards[2]) == sorted(everything)
