"""Shared test setup.

Two logical CPU devices are configured before TensorFlow starts, so
`tf.distribute.MirroredStrategy` can be tested in-process on a CPU-only
machine.
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import tensorflow as tf  # noqa: E402

try:
    _cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(
        _cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
except RuntimeError:  # TensorFlow was already initialised by an earlier import
    pass
