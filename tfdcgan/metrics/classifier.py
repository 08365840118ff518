"""A small MNIST classifier whose penultimate layer is a feature space.

InceptionV3 features say little about 28x28 digits, so MNIST GANs are
usually scored with a classifier trained on MNIST itself ("classifier
FID"). This module builds and trains that classifier and caches it on disk,
keyed by its settings, so every later call (and every benchmark) reuses the
same network.
"""

import hashlib
import json
import os
import time

import keras
import numpy as np
import tensorflow as tf

from tfdcgan.metrics import _mnist_idx
from tfdcgan.metrics.cache import default_cache_dir
from tfdcgan.metrics import images as images_lib

# Bump when build_classifier changes, so stale cache entries are not reused.
_ARCHITECTURE_VERSION = 1
FEATURE_LAYER = "features"


def build_classifier(image_size=(28, 28), channels=1, num_classes=10,
                     filters=(32, 64), feature_dim=128, seed=0):
    """Conv-pool-conv-pool-dense classifier with a named feature layer.

    `[b, H, W, c]` float32 in [-1, 1] -> class probabilities
    `[b, num_classes]`; the layer named "features" gives `[b, feature_dim]`
    (after ReLU; the layer before dropout and the softmax).

    Args:
      image_size: `(height, width)` of the input.
      channels: input channels.
      num_classes: output classes.
      filters: filters of the two 3x3 convolutions.
      feature_dim: width of the feature layer.
      seed: seed of the initializers and dropout.
    """
    def init(offset):
        return keras.initializers.GlorotUniform(seed=seed + offset)

    inputs = keras.Input((*image_size, channels))
    x = keras.layers.Conv2D(filters[0], 3, padding="same", activation="relu",
                            kernel_initializer=init(0))(inputs)
    x = keras.layers.MaxPooling2D()(x)
    x = keras.layers.Conv2D(filters[1], 3, padding="same", activation="relu",
                            kernel_initializer=init(1))(x)
    x = keras.layers.MaxPooling2D()(x)
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dense(feature_dim, activation="relu",
                           kernel_initializer=init(2), name=FEATURE_LAYER)(x)
    x = keras.layers.Dropout(0.5, seed=seed)(x)
    outputs = keras.layers.Dense(num_classes, activation="softmax",
                                 kernel_initializer=init(3), name="probs")(x)
    return keras.Model(inputs, outputs, name="mnist_classifier")


def _as_input(images, image_size, channels):
    images = images_lib.check_images(images, "training images")
    return images_lib.to_model_input(images, image_size, channels)


def train_classifier(images, labels, num_classes=10, filters=(32, 64),
                     feature_dim=128, epochs=3, batch_size=128,
                     learning_rate=1e-3, seed=0, verbose=0):
    """Trains `build_classifier` on labelled images.

    Args:
      images: `[n, H, W, c]` or `[n, H, W]`, uint8 [0, 255] or float
        [-1, 1]; the network takes their size and channel count.
      labels: `[n]` integer classes.
      num_classes, filters, feature_dim: see `build_classifier`.
      epochs: passes over the data.
      batch_size: examples per Adam step.
      learning_rate: Adam learning rate.
      seed: seed of initialization, dropout and shuffling.
      verbose: Keras `fit` verbosity.

    Returns:
      The trained `keras.Model`.
    """
    images = images_lib.check_images(images, "training images")
    labels = np.asarray(labels)
    if labels.shape != (len(images),):
        raise ValueError(
            f"labels must be [{len(images)}]; got shape {labels.shape}.")
    image_size, channels = images.shape[1:3], images.shape[3]
    model = build_classifier(image_size, channels, num_classes, filters,
                             feature_dim, seed)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate),
                  loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    inputs = images_lib.to_model_input(images, image_size, channels)
    data = (tf.data.Dataset.from_tensor_slices(
        (inputs, labels.astype(np.int32)))
            .shuffle(len(images), seed=seed)
            .batch(batch_size))
    model.fit(data, epochs=epochs, shuffle=False, verbose=verbose)
    return model


def classifier_accuracy(model, images, labels, batch_size=500):
    """Fraction of `images` whose argmax prediction equals `labels`."""
    x = _as_input(images, model.input_shape[1:3], model.input_shape[3])
    probs = model.predict(x, batch_size=batch_size, verbose=0)
    return float(np.mean(probs.argmax(axis=1) == np.asarray(labels)))


def _cache_paths(cache_dir, settings):
    key = hashlib.sha1(
        json.dumps(settings, sort_keys=True).encode()).hexdigest()[:12]
    stem = os.path.join(cache_dir, f"mnist_classifier-{key}")
    return stem + ".keras", stem + ".json"


def _write_atomically(path, write):
    # Write then rename, so a concurrent reader never sees a partial file.
    root, ext = os.path.splitext(path)
    temporary = f"{root}.tmp{os.getpid()}{ext}"
    write(temporary)
    os.replace(temporary, path)


def load_or_train_mnist_classifier(data_dir=None, cache_dir=None,
                                   num_train=None, epochs=3,
                                   filters=(32, 64), feature_dim=128,
                                   batch_size=128, learning_rate=1e-3,
                                   seed=0, retrain=False, verbose=0):
    """Returns the cached MNIST classifier for these settings, training it once.

    The cache entry is `<cache_dir>/mnist_classifier-<hash>.keras` plus a
    `.json` with the settings, the MNIST test accuracy and training time;
    the hash covers every setting below, so changing one trains a new
    network and never reuses a mismatched one.

    Args:
      data_dir: folder with the four MNIST IDX files (`.gz` or not); only
        read when the classifier is not cached yet.
      cache_dir: cache folder; defaults to `default_cache_dir()`.
      num_train: train on a random subset of this many training images
        (None: all 60,000); small values give a fast, weaker network.
      epochs, filters, feature_dim, batch_size, learning_rate, seed: see
        `train_classifier`.
      retrain: ignore (and overwrite) a cached network.
      verbose: Keras `fit` verbosity.

    Returns:
      `(model, info)`: the `keras.Model` and the info dict ("settings",
      "test_accuracy", "num_test", "train_seconds", "path").

    Raises:
      FileNotFoundError: not cached and `data_dir` missing or incomplete.
    """
    cache_dir = cache_dir or default_cache_dir()
    settings = {
        "architecture_version": _ARCHITECTURE_VERSION,
        "num_train": num_train, "epochs": epochs, "filters": list(filters),
        "feature_dim": feature_dim, "batch_size": batch_size,
        "learning_rate": learning_rate, "seed": seed,
    }
    model_path, info_path = _cache_paths(cache_dir, settings)
    if not retrain and os.path.isfile(model_path) and os.path.isfile(
            info_path):
        with open(info_path) as f:
            info = json.load(f)
        info["path"] = model_path  # the cache folder may have moved
        return keras.models.load_model(model_path, compile=False), info
    if data_dir is None:
        raise FileNotFoundError(
            f"No MNIST classifier with these settings in {cache_dir!r}; "
            "pass data_dir= pointing to a folder with the four MNIST IDX "
            "files to train one (it is cached for later calls).")

    train_images, train_labels = _mnist_idx.load_mnist(data_dir, "train")
    test_images, test_labels = _mnist_idx.load_mnist(data_dir, "test")
    if num_train is not None:
        subset = np.random.default_rng(seed).permutation(
            len(train_images))[:num_train]
        train_images, train_labels = train_images[subset], train_labels[
            subset]
    start = time.perf_counter()
    model = train_classifier(
        train_images, train_labels, filters=filters, feature_dim=feature_dim,
        epochs=epochs, batch_size=batch_size, learning_rate=learning_rate,
        seed=seed, verbose=verbose)
    train_seconds = time.perf_counter() - start
    info = {
        "settings": settings,
        "test_accuracy": classifier_accuracy(model, test_images,
                                             test_labels),
        "num_test": len(test_images),
        "train_seconds": round(train_seconds, 1),
        "path": model_path,
    }

    os.makedirs(cache_dir, exist_ok=True)

    def write_info(path):
        with open(path, "w") as f:
            json.dump(info, f, indent=2)

    _write_atomically(info_path, write_info)
    _write_atomically(model_path, model.save)
    return model, info
