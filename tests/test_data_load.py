"""`load_dataset`, the CLI's entry point: which source it picks and what it reports."""

import logging
import os
import shutil
import time

import numpy as np
import pytest
from PIL import Image

from data_fixtures import CELEBA_DIR, MNIST_DIR, requires_celeba, requires_mnist, save_jpegs
from tfdcgan.data import DatasetError, load_dataset


@requires_mnist
def test_mnist_uses_the_full_set_when_data_dir_has_it(caplog):
    with caplog.at_level(logging.INFO, logger="tfdcgan.data"):
        ds, info = load_dataset("mnist", str(MNIST_DIR.parent), batch_size=64)
    assert info.source == "mnist" and info.num_examples == 60_000
    assert "Using full MNIST (60,000 digits" in caplog.text
    x, y = next(iter(ds))
    assert x.shape == (64, 28, 28, 1) and y.shape == (64,)


def test_mnist_falls_back_to_the_bundled_set_and_says_so(tmp_path, caplog):
    with caplog.at_level(logging.INFO, logger="tfdcgan.data"):
        ds, info = load_dataset("mnist", str(tmp_path), batch_size=32)
    assert info.source == "mnist-bundled" and info.num_examples == 10_000
    warning = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warning) == 1 and "bundled MNIST subset" in warning[0]
    assert str(tmp_path / "mnist") in warning[0] and "download.py mnist" in warning[0]
    x, y = next(iter(ds))
    assert x.shape == (32, 28, 28, 1) and y.dtype == "int32"


@requires_mnist
def test_mnist_in_a_partial_folder_falls_back(tmp_path):
    os.makedirs(tmp_path / "mnist")
    shutil.copy(MNIST_DIR / "train-images-idx3-ubyte.gz", tmp_path / "mnist")
    _, info = load_dataset("mnist", str(tmp_path), batch_size=32)
    assert info.source == "mnist-bundled"


def test_mnist_flags_for_folders_are_ignored_and_labels_optional(tmp_path):
    ds, info = load_dataset("mnist", str(tmp_path), batch_size=8, crop=True, input_height=108,
                            input_fname_pattern="*.png", labels=False, output_height=32)
    assert not info.has_labels and info.image_shape == (32, 32, 1)
    assert next(iter(ds)).shape == (8, 32, 32, 1)


def test_other_names_are_folders_under_data_dir_with_inferred_c_dim(tmp_path):
    save_jpegs(tmp_path / "scans", 6, mode="L")
    ds, info = load_dataset("scans", str(tmp_path), batch_size=2, output_height=16)
    assert info.source == "folder" and info.name == "scans" and info.c_dim == 1
    assert info.c_dim_inferred and info.image_shape == (16, 16, 1)
    assert next(iter(ds)).shape == (2, 16, 16, 1)
    _, info = load_dataset("scans", str(tmp_path), batch_size=2, c_dim=3)
    assert info.c_dim == 3 and not info.c_dim_inferred and info.image_shape == (64, 64, 3)


def test_unknown_folder_is_a_dataset_error(tmp_path):
    with pytest.raises(DatasetError, match="does not exist"):
        load_dataset("anime", str(tmp_path))


@requires_celeba
def test_real_celeba_with_carpedm20s_crop_at_half_resolution():
    # The shared photos are 89x109, half of CelebA's 178x218, so the classic
    # 108x108 crop is 54x54 here.
    start = time.perf_counter()
    ds, info = load_dataset("celebA", str(CELEBA_DIR.parent), crop=True, input_height=54,
                            output_height=64, batch_size=64, shuffle=False)
    startup = time.perf_counter() - start
    assert info.num_files == 8000 and info.num_skipped == 0 and info.c_dim == 3
    batch = next(iter(ds)).numpy()
    assert batch.shape == (64, 64, 64, 3)
    assert -1 <= batch.min() < -0.5 and 0.5 < batch.max() <= 1
    # Same pixels as carpedm20's Pillow recipe on the first photo.
    with Image.open(CELEBA_DIR / "000001.jpg") as img:
        width, height = img.size
        top, left = (height - 54) // 2, (width - 54) // 2
        ref = img.convert("RGB").crop((left, top, left + 54, top + 54)).resize((64, 64), Image.BILINEAR)
    ref = np.asarray(ref, np.float64) / 127.5 - 1
    assert np.abs(batch[0] - ref).mean() < 0.02
    # Start-up (header scan of 8,000 files, c_dim inference, graph) stays short.
    assert startup < 20, startup
