"""InceptionV3 extractor: local weight lookup, the missing-weights error,
opt-in time-bounded download, and features from a (random) weights file.

The real ImageNet weights are never needed: the network tests use randomly
initialized weights saved to a temporary file.
"""

import os
import socket
import urllib.request

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfdcgan import metrics
from tfdcgan.metrics import inception

# Keras 3.15 saving weights under numpy 2 warns once per variable.
pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation:DeprecationWarning")


@pytest.fixture
def network_calls(monkeypatch):
    """Records (and blocks) every download attempt."""
    calls = []

    def no_network(*args, **kwargs):
        calls.append(args)
        raise OSError("network blocked by the test")

    monkeypatch.setattr(urllib.request, "urlretrieve", no_network)
    monkeypatch.setattr(keras.utils, "get_file", no_network)
    return calls


@pytest.fixture
def empty_keras_home(tmp_path, monkeypatch):
    """Keras home and its /tmp fallback point at empty folders."""
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
    monkeypatch.setattr(inception, "_FALLBACK_KERAS_HOME",
                        str(tmp_path / "tmp_keras"))
    return tmp_path / "keras_home"


def test_missing_weights_error_says_where_to_put_the_file(empty_keras_home,
                                                           network_calls):
    expected_path = os.path.join(str(empty_keras_home), "models",
                                 inception.WEIGHTS_FILENAME)
    assert inception.inception_weights_path() is None
    with pytest.raises(metrics.MissingWeightsError) as caught:
        metrics.InceptionExtractor()
    message = str(caught.value)
    assert expected_path in message
    assert inception.WEIGHTS_URL in message
    assert "allow_download=True" in message
    assert isinstance(caught.value, FileNotFoundError)
    assert network_calls == []  # downloading is opt-in


def test_missing_explicit_weights_path(empty_keras_home, network_calls,
                                      tmp_path):
    missing = str(tmp_path / "nowhere.h5")
    with pytest.raises(metrics.MissingWeightsError, match="nowhere.h5"):
        metrics.get_extractor("inception", weights_path=missing,
                              allow_download=True)
    assert network_calls == []


def test_weights_found_in_keras_cache_and_checked(empty_keras_home,
                                                   network_calls):
    path = empty_keras_home / "models" / inception.WEIGHTS_FILENAME
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not the real weights")
    assert inception.inception_weights_path() == str(path)
    # A truncated download must not surface as an obscure HDF5 error.
    with pytest.raises(metrics.MissingWeightsError, match="md5 mismatch"):
        inception.resolve_weights()
    assert network_calls == []
    # When allowed, a corrupt file is fetched again.
    with pytest.raises(metrics.MissingWeightsError, match="failed"):
        inception.resolve_weights(allow_download=True)
    assert len(network_calls) == 1


def test_download_is_opt_in_time_bounded_and_failure_is_clear(
        empty_keras_home, monkeypatch):
    seen_timeouts = []

    # Patches get_file itself: the test must never reach the network.
    def failing_get_file(*args, **kwargs):
        seen_timeouts.append(socket.getdefaulttimeout())
        raise Exception("URL fetch failure: no route to host")

    monkeypatch.setattr(keras.utils, "get_file", failing_get_file)
    previous = socket.getdefaulttimeout()
    with pytest.raises(metrics.MissingWeightsError,
                       match="Downloading the InceptionV3 weights failed"):
        inception.resolve_weights(allow_download=True, download_timeout=7.0)
    assert seen_timeouts == [7.0]
    assert socket.getdefaulttimeout() == previous


@pytest.fixture(scope="module")
def random_weights(tmp_path_factory):
    model = keras.applications.InceptionV3(
        include_top=False, weights=None, input_shape=(299, 299, 3),
        pooling="avg")
    path = str(tmp_path_factory.mktemp("inception") / "random.weights.h5")
    model.save_weights(path)
    return path


def test_features_of_small_grayscale_images(random_weights):
    extractor = metrics.get_extractor("inception",
                                      weights_path=random_weights,
                                      batch_size=2)
    assert extractor.name == "inception"
    images = np.random.default_rng(0).integers(0, 256, (3, 28, 28, 1),
                                               dtype=np.uint8)
    features = extractor(images)
    assert features.shape == (3, 2048)
    assert np.isfinite(features).all() and (features >= 0).all()
    # The documented conversion: [0, 255] -> [-1, 1], gray -> RGB,
    # bilinear resize to 299x299.
    manual = tf.image.resize(
        tf.repeat(images.astype(np.float32) / 127.5 - 1, 3, axis=-1),
        (299, 299), method="bilinear")
    np.testing.assert_allclose(features,
                               extractor.model.predict_on_batch(manual),
                               rtol=1e-4, atol=1e-5)
