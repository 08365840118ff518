"""MNIST: the IDX reader, the full 60,000-digit set, and the bundled offline set."""

import gzip
import hashlib
import os
import sys

import numpy as np
import pytest

from data_fixtures import MNIST_DIR, requires_mnist, write_bytes
from tfdcgan.data import DatasetError, mnist, read_idx, write_idx
from tfdcgan.data import mnist_dataset as mnist_lib

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ASSETS = os.path.join(REPO, "tfdcgan", "data", "assets")
# Per-class counts of the official 60,000 training labels.
TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]


def _fake_mnist(folder, n=130, gz=True):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
    labels = (np.arange(n) % 10).astype(np.uint8)
    os.makedirs(folder, exist_ok=True)
    suffix = ".gz" if gz else ""
    write_idx(os.path.join(folder, "train-images-idx3-ubyte" + suffix), images)
    write_idx(os.path.join(folder, "train-labels-idx1-ubyte" + suffix), labels)
    return images, labels


@pytest.mark.parametrize("gz", [True, False])
def test_idx_round_trip_gzipped_or_plain(tmp_path, gz):
    array = np.random.default_rng(1).integers(0, 256, (5, 3, 4), dtype=np.uint8)
    path = str(tmp_path / ("a.idx" + (".gz" if gz else "")))
    write_idx(path, array)
    np.testing.assert_array_equal(read_idx(path), array)
    with open(path, "rb") as f:
        assert (f.read(2) == b"\x1f\x8b") == gz


def test_truncated_or_foreign_idx_is_a_clear_error(tmp_path):
    path = str(tmp_path / "x-idx3-ubyte")
    write_idx(path, np.zeros((4, 28, 28), np.uint8))
    data = open(path, "rb").read()
    write_bytes(path, data[:-10])
    with pytest.raises(DatasetError, match="truncated"):
        read_idx(path)
    write_bytes(path, b"PK\x03\x04 a zip file")
    with pytest.raises(DatasetError, match="not an IDX"):
        read_idx(path)
    gz = str(tmp_path / "cut.gz")
    write_idx(gz, np.zeros((100, 28, 28), np.uint8))
    write_bytes(gz, open(gz, "rb").read()[:40])
    with pytest.raises(DatasetError, match="download it again"):
        read_idx(gz)


@pytest.mark.parametrize("gz", [True, False])
def test_mnist_from_a_folder_yields_scaled_images_and_labels(tmp_path, gz):
    images, labels = _fake_mnist(str(tmp_path / "mnist"), gz=gz)
    ds, info = mnist(str(tmp_path), batch_size=16, shuffle=False, with_info=True)
    x, y = next(iter(ds))
    assert x.shape == (16, 28, 28, 1) and x.dtype == "float32"
    assert y.shape == (16,) and y.dtype == "int32"
    np.testing.assert_allclose(x.numpy()[..., 0], images[:16] / 127.5 - 1, atol=1e-6)
    np.testing.assert_array_equal(y.numpy(), labels[:16])
    assert info.source == "mnist" and info.has_labels and info.num_classes == 10
    assert info.steps_per_epoch == len(list(ds)) == 130 // 16


def test_mnist_options_images_only_rgb_resized_seeded(tmp_path):
    _fake_mnist(str(tmp_path / "mnist"))
    ds = mnist(str(tmp_path), batch_size=8, labels=False, c_dim=3, output_height=64, seed=3)
    batch = next(iter(ds)).numpy()
    assert batch.shape == (8, 64, 64, 3) and batch.min() >= -1 and batch.max() <= 1
    np.testing.assert_array_equal(batch[..., 0], batch[..., 2])
    again = next(iter(mnist(str(tmp_path), batch_size=8, labels=False, c_dim=3,
                            output_height=64, seed=3))).numpy()
    np.testing.assert_array_equal(batch, again)


@pytest.mark.parametrize("kwargs, named", [
    (dict(batch_size=0), "batch_size"), (dict(output_height=-28), "output_height")])
def test_sizes_out_of_range_are_refused_naming_them(kwargs, named):
    from tfdcgan import rules

    with pytest.raises(rules.SettingError, match=f"^{named}="):
        mnist(None, **kwargs)


def test_missing_mnist_files_name_the_folder_and_the_fix(tmp_path):
    os.makedirs(tmp_path / "mnist")
    with pytest.raises(DatasetError) as e:
        mnist(str(tmp_path))
    assert "train-images-idx3-ubyte.gz" in str(e.value) and "download.py mnist" in str(e.value)


@requires_mnist
def test_full_mnist_has_all_60000_training_digits():
    ds, info = mnist(str(MNIST_DIR.parent), batch_size=1000, shuffle=False, with_info=True)
    assert info.num_examples == 60_000 and info.steps_per_epoch == 60
    counts = np.zeros(10, int)
    total = 0
    for x, y in ds:
        counts += np.bincount(y.numpy(), minlength=10)
        total += x.shape[0]
    assert total == 60_000 and counts.tolist() == TRAIN_COUNTS


@requires_mnist
def test_all_split_is_carpedm20s_70000():
    images, labels = mnist_lib.load_arrays(str(MNIST_DIR), "all")
    assert images.shape == (70_000, 28, 28) and labels.shape == (70_000,)


def test_bundled_set_is_10000_labelled_digits_under_3_mb():
    images, labels = mnist_lib.load_bundled_arrays()
    assert images.shape == (10_000, 28, 28) and images.dtype == np.uint8
    assert labels.shape == (10_000,) and set(np.unique(labels)) == set(range(10))
    assert np.bincount(labels).min() > 800  # every class well represented
    assert images.mean() > 20  # real digits (MNIST's mean is about 33), not blanks
    size = sum(os.path.getsize(os.path.join(ASSETS, n)) for n in os.listdir(ASSETS))
    assert size < 3 * 1024 * 1024
    source = open(os.path.join(ASSETS, "SOURCE.md")).read()
    assert "CC BY-SA 3.0" in source and "LeCun" in source and "make_bundled_mnist.py" in source


def test_mnist_without_data_dir_uses_the_bundled_set():
    ds, info = mnist(batch_size=100, with_info=True)
    assert info.source == "mnist-bundled" and info.num_examples == 10_000
    x, y = next(iter(ds))
    assert x.shape == (100, 28, 28, 1) and y.shape == (100,)
    with pytest.raises(DatasetError, match="only the 'train' split"):
        mnist(split="test")


@requires_mnist
def test_bundled_set_is_the_first_10000_official_digits_and_the_tool_rebuilds_it(tmp_path):
    sys.path.insert(0, os.path.join(REPO, "tools"))
    try:
        import make_bundled_mnist
    finally:
        sys.path.pop(0)
    paths = make_bundled_mnist.make_bundled_mnist(str(MNIST_DIR), str(tmp_path))
    official_images, official_labels = mnist_lib.load_arrays(str(MNIST_DIR), "train")
    bundled_images, bundled_labels = mnist_lib.load_bundled_arrays()
    np.testing.assert_array_equal(bundled_images, official_images[:10_000])
    np.testing.assert_array_equal(bundled_labels, official_labels[:10_000])
    for path in paths:  # same content as the committed files
        committed = os.path.join(ASSETS, os.path.basename(path))
        with gzip.open(path) as a, gzip.open(committed) as b:
            assert hashlib.md5(a.read()).digest() == hashlib.md5(b.read()).digest()


def test_shards_of_one_shuffle_are_disjoint_and_cover_the_epoch():
    # Workers of a cluster shuffle with the same seed and keep every n-th digit.
    def digits(shard=None):
        data = mnist(None, batch_size=5, labels=False, seed=7, train_size=60, shard=shard)
        return [image.tobytes() for batch in data for image in batch.numpy()]

    everything = digits()
    first, second = digits((2, 0)), digits((2, 1))
    assert len(first) == len(second) == 30
    assert not set(first) & set(second)
    assert sorted(first + second) == sorted(everything)
