"""InceptionV3 pool features, the feature space of FID.

Uses `keras.applications.InceptionV3` (ImageNet weights, no top, global
average pooling): 2048-d features of 299x299x3 inputs. These are Keras's
ImageNet weights, not the 2015 TF graph of the original FID code, so values
rank models consistently but are not comparable with published FIDs.

Weights are looked up locally first; downloading is opt-in and time-bounded,
so an offline machine gets a prompt `MissingWeightsError` that says where
to put the file instead of a hanging or obscure network failure.
"""

import os
import socket

import keras

from tfdcgan.metrics import cache
from tfdcgan.metrics import extractors

WEIGHTS_FILENAME = "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5"
WEIGHTS_URL = ("https://storage.googleapis.com/tensorflow/keras-applications/"
               "inception_v3/" + WEIGHTS_FILENAME)
WEIGHTS_MD5 = "bcbd6486424b2319ff4ef7d526e38f63"
# keras.utils.get_file writes here when the Keras home is not writable (or
# does not exist yet), so downloaded weights may sit here instead.
_FALLBACK_KERAS_HOME = os.path.join("/tmp", ".keras")


class MissingWeightsError(FileNotFoundError):
    """The InceptionV3 weights are neither on disk nor downloadable."""


def _keras_home():
    # Mirrors Keras's own rule (keras/src/backend/config.py), read at call
    # time so that a changed KERAS_HOME is honoured.
    if "KERAS_HOME" in os.environ:
        return os.environ["KERAS_HOME"]
    home = os.path.expanduser("~")
    return os.path.join(home if os.access(home, os.W_OK) else "/tmp",
                        ".keras")


def weights_search_paths():
    """Where `inception_weights_path` looks, in order."""
    paths = [os.path.join(_keras_home(), "models", WEIGHTS_FILENAME)]
    fallback = os.path.join(_FALLBACK_KERAS_HOME, "models", WEIGHTS_FILENAME)
    if fallback not in paths:
        paths.append(fallback)
    return paths


def inception_weights_path():
    """The local weights file in Keras's cache, or None when absent."""
    for path in weights_search_paths():
        if os.path.isfile(path):
            return path
    return None


def _missing_message(reason):
    return (
        f"{reason}\nFID/KID with Inception features need the Keras "
        f"InceptionV3 ImageNet weights (no top), file {WEIGHTS_FILENAME!r} "
        f"(md5 {WEIGHTS_MD5}). Download it from\n  {WEIGHTS_URL}\n"
        f"and put it at\n  {weights_search_paths()[0]}\n(or pass "
        "weights_path=...), or allow the download with allow_download=True. "
        "For MNIST, the 'mnist_classifier' extractor needs no download.")


def _download(timeout):
    # urllib (under keras.utils.get_file) has no timeout argument; the
    # socket default bounds each blocking read. Restored afterwards since it
    # is process-wide.
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(timeout)
    try:
        return keras.utils.get_file(WEIGHTS_FILENAME, WEIGHTS_URL,
                                    cache_subdir="models",
                                    file_hash=WEIGHTS_MD5)
    except Exception as error:  # keras re-raises URL errors as Exception.
        raise MissingWeightsError(_missing_message(
            f"Downloading the InceptionV3 weights failed: {error}")) from error
    finally:
        socket.setdefaulttimeout(previous)


def resolve_weights(weights_path=None, allow_download=False,
                    download_timeout=30.0):
    """Finds (or, if allowed, downloads) the weights; returns their path.

    Args:
      weights_path: explicit file; skips the search. Either the original
        `.h5` file or a Keras 3 `.weights.h5` file of the same model.
      allow_download: fetch the file into Keras's cache when absent.
      download_timeout: seconds a blocked network read may take.

    Raises:
      MissingWeightsError: no file, and no (successful) download.
    """
    if weights_path is not None:
        if not os.path.isfile(weights_path):
            raise MissingWeightsError(_missing_message(
                f"weights_path {weights_path!r} does not exist."))
        return weights_path
    path = inception_weights_path()
    if path is not None and cache.file_digest(path, "md5") == WEIGHTS_MD5:
        return path
    if allow_download:
        return _download(download_timeout)
    if path is not None:
        # A truncated download must not surface as an obscure HDF5 error.
        raise MissingWeightsError(_missing_message(
            f"{path} is incomplete or corrupt (md5 mismatch); delete it."))
    raise MissingWeightsError(_missing_message(
        "InceptionV3 weights not found in: "
        + ", ".join(weights_search_paths()) + "."))


class InceptionExtractor(extractors.FeatureExtractor):
    """InceptionV3 pool3 features `[n, 2048]`.

    Images are resized (bilinear) to 299x299 and grayscale is repeated to
    RGB; uint8 [0, 255] or float [-1, 1] input, [-1, 1] is what InceptionV3
    expects ("tf" preprocessing mode).

    Args:
      weights_path: see `resolve_weights`.
      allow_download: see `resolve_weights`.
      download_timeout: see `resolve_weights`.
      batch_size: images per forward pass.

    Raises:
      MissingWeightsError: at construction, when the weights are missing.

    Example:
      extractor = InceptionExtractor()
      features = extractor(images)  # [n, 2048]
    """

    name = "inception"

    def __init__(self, weights_path=None, allow_download=False,
                 download_timeout=30.0, batch_size=50):
        super().__init__(image_size=(299, 299), channels=3, feature_dim=2048,
                         batch_size=batch_size)
        self.weights_path = resolve_weights(weights_path, allow_download,
                                            download_timeout)
        # weights=None builds the architecture without Keras's own lookup,
        # which would try the network; the file is loaded explicitly.
        self.model = keras.applications.InceptionV3(
            include_top=False, weights=None, input_shape=(299, 299, 3),
            pooling="avg")
        self.model.load_weights(self.weights_path)

    def _forward(self, batch):
        return {"features": self.model.predict_on_batch(batch)}


@extractors.register_extractor("inception")
def _make_inception(**kwargs):
    return InceptionExtractor(**kwargs)
