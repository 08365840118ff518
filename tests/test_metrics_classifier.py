"""MNIST classifier: training, the settings-keyed cache, classifier FID and
class coverage on real digits. Uses a tiny network trained for ~200 steps
on a subset; the full setting is measured outside the test suite."""

import gzip
import json
import os

import numpy as np
import pytest

from tfdcgan import metrics
from tfdcgan.metrics import _mnist_idx
from tfdcgan.metrics import classifier

DATA_DIR = os.path.join(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))), "..", "shared", "data", "mnist")
needs_mnist = pytest.mark.skipif(
    not os.path.isfile(os.path.join(DATA_DIR, "t10k-images-idx3-ubyte.gz")),
    reason=f"MNIST IDX files not found in {os.path.normpath(DATA_DIR)}")

# Keras 3.15 saving a model under numpy 2 warns once per variable.
pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation:DeprecationWarning")

TINY = dict(num_train=3000, epochs=2, filters=(8, 16), feature_dim=32,
            batch_size=32)


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory):
    return str(tmp_path_factory.mktemp("classifier_cache"))


@pytest.fixture(scope="module")
def tiny(cache_dir):
    """(model, info) of the tiny classifier, trained once for this module."""
    return metrics.load_or_train_mnist_classifier(
        data_dir=DATA_DIR, cache_dir=cache_dir, **TINY)


@pytest.fixture(scope="module")
def test_set():
    return _mnist_idx.load_mnist(DATA_DIR, "test")


@needs_mnist
def test_tiny_classifier_learns_digits(tiny, cache_dir):
    model, info = tiny
    assert info["test_accuracy"] >= 0.85
    assert info["num_test"] == 10000
    assert info["settings"]["num_train"] == 3000
    assert os.path.isfile(info["path"])
    with open(info["path"][:-len(".keras")] + ".json") as f:
        assert json.load(f)["test_accuracy"] == info["test_accuracy"]


@needs_mnist
def test_second_call_reloads_instead_of_retraining(tiny, cache_dir,
                                                   test_set, monkeypatch):
    def no_training(*args, **kwargs):
        raise AssertionError("retrained a cached classifier")

    monkeypatch.setattr(classifier, "train_classifier", no_training)
    model, _ = tiny
    reloaded, info = metrics.load_or_train_mnist_classifier(
        cache_dir=cache_dir, **TINY)  # no data_dir needed once cached
    assert info["test_accuracy"] == tiny[1]["test_accuracy"]
    images = test_set[0][:64]
    np.testing.assert_allclose(
        classifier.classifier_accuracy(reloaded, images, test_set[1][:64]),
        classifier.classifier_accuracy(model, images, test_set[1][:64]))
    # Other settings are another cache entry, never the tiny network.
    with pytest.raises(FileNotFoundError, match="data_dir"):
        metrics.load_or_train_mnist_classifier(
            cache_dir=cache_dir, **dict(TINY, seed=1))


def test_uncached_without_data_dir_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="pass data_dir="):
        metrics.load_or_train_mnist_classifier(cache_dir=str(tmp_path))
    with pytest.raises(FileNotFoundError, match="train-images-idx3-ubyte"):
        metrics.load_or_train_mnist_classifier(data_dir=str(tmp_path),
                                               cache_dir=str(tmp_path))


def test_default_cache_dir_honours_xdg(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert metrics.default_cache_dir() == os.path.join(str(tmp_path),
                                                       "tfdcgan")


def test_idx_reader_rejects_truncated_and_foreign_files(tmp_path):
    header = bytes([0, 0, 8, 3]) + b"".join(
        n.to_bytes(4, "big") for n in (2, 28, 28))
    with gzip.open(tmp_path / "t10k-images-idx3-ubyte.gz", "wb") as f:
        f.write(header + bytes(100))
    with pytest.raises(ValueError, match="truncated"):
        _mnist_idx.load_mnist(str(tmp_path), "test")
    (tmp_path / "t10k-images-idx3-ubyte.gz").unlink()
    (tmp_path / "t10k-images-idx3-ubyte").write_bytes(b"\x89PNG....")
    with pytest.raises(ValueError, match="not a uint8 IDX file"):
        _mnist_idx.load_mnist(str(tmp_path), "test")


def test_train_classifier_checks_labels():
    with pytest.raises(ValueError, match="labels must be"):
        metrics.train_classifier(np.zeros((4, 28, 28), np.uint8),
                                 np.zeros(3, int))


@needs_mnist
def test_extractor_features_and_probabilities(tiny, cache_dir, test_set):
    extractor = metrics.ClassifierExtractor(tiny[0], info=tiny[1])
    assert (extractor.image_size, extractor.channels) == ((28, 28), 1)
    assert (extractor.feature_dim, extractor.num_classes) == (32, 10)
    outputs = extractor.outputs(test_set[0][:300])
    assert outputs["features"].shape == (300, 32)
    np.testing.assert_allclose(outputs["probs"].sum(axis=1), 1, atol=1e-5)
    accuracy = np.mean(outputs["probs"].argmax(axis=1) == test_set[1][:300])
    assert accuracy >= 0.8
    # The registry builds the same extractor from the cache.
    by_name = metrics.get_extractor("mnist_classifier",
                                    cache_dir=cache_dir, **TINY)
    np.testing.assert_allclose(by_name(test_set[0][:20]),
                               outputs["features"][:20], atol=1e-5)


@needs_mnist
def test_classifier_fid_and_coverage_on_real_digits(tiny, test_set):
    images, labels = test_set
    extractor = metrics.ClassifierExtractor(tiny[0])
    reference = metrics.Reference.from_images(images[:2000], extractor)
    kwargs = dict(kid_subsets=20, kid_subset_size=500)

    real = metrics.evaluate(images[2000:4000], reference, **kwargs)
    ones_only = metrics.evaluate(images[4000:][labels[4000:] == 1][:1000],
                                 reference, **kwargs)
    # Generator-style float input in [-1, 1]; uniform noise images.
    noise = np.random.default_rng(0).uniform(-1, 1, (1000, 28, 28, 1))
    noisy = metrics.evaluate(noise.astype(np.float32), reference, **kwargs)

    assert real.fid < 0.2 * ones_only.fid
    assert real.fid < 0.2 * noisy.fid
    assert abs(real.kid) < 0.1 * ones_only.kid
    assert real.coverage.classes_covered == 10
    assert real.coverage.kl_from_uniform < 0.05
    assert ones_only.coverage.classes_covered <= 2
    assert ones_only.coverage.kl_from_uniform > 1.5

    # 56x56 RGB versions of the digits: refused by default, comparable
    # (resized to 28x28, converted to gray) when allowed.
    rgb_large = np.repeat(np.repeat(np.repeat(
        images[2000:3000, :, :, None], 2, axis=1), 2, axis=2), 3, axis=3)
    with pytest.raises(ValueError, match="allow_shape_mismatch"):
        metrics.evaluate(rgb_large, reference, **kwargs)
    resized = metrics.evaluate(rgb_large, reference, allow_shape_mismatch=True,
                               **kwargs)
    assert resized.fid < 0.2 * ones_only.fid
