"""The generator for serving: a TensorFlow SavedModel and a TensorFlow Lite model.

Both take noise `z` float32 `[batch, z_dim]` (and, for a conditional model,
one-hot `labels` float32 `[batch, y_dim]`) and return `images` uint8
`[batch, H, W, C]`, exactly what `GAN.generate` returns for the same z:

    serving = tf.saved_model.load("out/run/export/saved_model")
    images = serving.signatures["serving_default"](z=z)["images"]

carpedm20's `--export` wrote a checkpoint with a new batch size and
`--freeze` a frozen GraphDef; here the batch size is free and `--freeze`
writes the TF1 frozen graph's successor, a `.tflite` file.
"""

import os
import warnings

import numpy as np
import tensorflow as tf
import keras

from tfdcgan.gan import copy_network, to_uint8

ENDPOINT = "serve"


def export_saved_model(gan, export_dir):
    """Writes `gan.sampling_generator` (`gan.generator`, or its average with
    `ema_decay`) as a SavedModel with a serving signature.

    Args:
        gan: a `tfdcgan.GAN`.
        export_dir: str, the SavedModel directory (created or replaced).

    Returns:
        `export_dir`. Reload with `tf.saved_model.load(export_dir)`; the
        signature `serving_default` (also the method `.serve`) takes `z` (and
        `labels`) and returns `{"images": uint8 [batch, H, W, C]}`.

    A generator trained under a mixed policy ("mixed_bfloat16",
    "mixed_float16") is written in float32, with its own (float32) weights:
    TensorFlow Lite's converter refuses its bfloat16 convolutions. Its images
    may then differ from `generate()`'s by the rounding of the smaller type.
    """
    generator = _in_float32(gan.sampling_generator)
    archive = keras.export.ExportArchive()
    archive.track(generator)
    z_spec = tf.TensorSpec([None, gan.z_dim], tf.float32, name="z")
    if gan.y_dim:
        labels_spec = tf.TensorSpec([None, gan.y_dim], tf.float32, name="labels")

        def serve(z, labels):
            return {"images": to_uint8(generator(z, labels, training=False))}

        archive.add_endpoint(ENDPOINT, serve, input_signature=[z_spec, labels_spec])
    else:
        def serve(z):
            return {"images": to_uint8(generator(z, training=False))}

        archive.add_endpoint(ENDPOINT, serve, input_signature=[z_spec])
    archive.write_out(export_dir, verbose=False)
    return export_dir


def _in_float32(generator):
    """`generator`, or where it computes in another type, a float32 copy of
    it holding the same weights."""
    if generator.compute_dtype == "float32":
        return generator
    return copy_network(generator, dtype="float32")


def export_tflite(saved_model_dir, path):
    """Converts a SavedModel from `export_saved_model` to a `.tflite` file.

    Returns `path`. Run it with `tf.lite.Interpreter` (see `run_tflite`).
    """
    converter = tf.lite.TFLiteConverter.from_saved_model(
        saved_model_dir, signature_keys=[ENDPOINT])
    model = converter.convert()
    directory = os.path.dirname(path)
    if directory:
        os.makedirs(directory, exist_ok=True)
    with open(path, "wb") as f:
        f.write(model)
    return path


def run_tflite(path, z, labels=None):
    """Runs a `.tflite` generator from `export_tflite` on numpy inputs.

    Args:
        path: str, the `.tflite` file.
        z: float32 `[batch, z_dim]`.
        labels: one-hot float32 `[batch, y_dim]` for a conditional model.

    Returns:
        uint8 images `[batch, H, W, C]`.
    """
    interpreter = _interpreter(path)
    runner = interpreter.get_signature_runner(ENDPOINT)
    inputs = {"z": np.asarray(z, np.float32)}
    if labels is not None:
        inputs["labels"] = np.asarray(labels, np.float32)
    return runner(**inputs)["images"]


def _interpreter(path):
    try:  # LiteRT, tf.lite.Interpreter's successor, where installed.
        from ai_edge_litert.interpreter import Interpreter
    except ImportError:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*tf.lite.Interpreter is deprecated")
            return tf.lite.Interpreter(model_path=path)
    return Interpreter(model_path=path)
