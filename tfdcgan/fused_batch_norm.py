"""Batch normalization in one fused TensorFlow kernel."""

import keras
import tensorflow as tf


@keras.saving.register_keras_serializable(package="tfdcgan")
class FusedBatchNormalization(keras.layers.BatchNormalization):
    """`keras.layers.BatchNormalization`, computed by `FusedBatchNormV3`.

    Keras 3 normalizes with a chain of small ops (moments, then scale and
    shift) whose gradient is another dozen; TensorFlow's fused kernel (oneDNN
    on CPU, cuDNN on GPU) does the forward pass in one op and the backward
    pass in one more, about 2.5x faster on a 2-core CPU for the DCGAN's
    feature maps (benchmarks/RESULTS.md, "Training throughput").

    The layer is the Keras layer in everything else: the same arguments,
    variables, checkpoints and update rule. Training normalizes with the
    batch statistics and moves `moving_variance` towards the biased batch
    variance, as Keras does (the kernel reports the unbiased one, which is
    corrected here); inference uses the moving statistics. Inputs the kernel
    cannot take (not 4-D channels-last, float64, masks, renorm, synchronized
    statistics, no scale or no center) go through the Keras implementation.

    Args:
        Those of `keras.layers.BatchNormalization`.
    """

    def call(self, inputs, training=None, mask=None):
        if not self._fusable(inputs, mask):
            return super().call(inputs, training=training, mask=mask)
        # Statistics in float32 even under mixed precision, as Keras does.
        x = tf.cast(inputs, tf.float32)
        gamma = tf.cast(self.gamma, tf.float32)
        beta = tf.cast(self.beta, tf.float32)
        if training and self.trainable:
            empty = tf.constant([], tf.float32)
            outputs, mean, unbiased_variance, _, _, _ = tf.raw_ops.FusedBatchNormV3(
                x=x, scale=gamma, offset=beta, mean=empty, variance=empty,
                epsilon=self.epsilon, exponential_avg_factor=1.0,
                data_format="NHWC", is_training=True)
            shape = tf.shape(x)
            count = tf.cast(shape[0] * shape[1] * shape[2], tf.float32)
            variance = unbiased_variance * tf.maximum(count - 1.0, 0.0) / count
            momentum = self.momentum
            self.moving_mean.assign(
                tf.cast(self.moving_mean, tf.float32) * momentum + mean * (1.0 - momentum))
            self.moving_variance.assign(
                tf.cast(self.moving_variance, tf.float32) * momentum
                + variance * (1.0 - momentum))
        else:
            outputs, _, _, _, _, _ = tf.raw_ops.FusedBatchNormV3(
                x=x, scale=gamma, offset=beta,
                mean=tf.cast(self.moving_mean, tf.float32),
                variance=tf.cast(self.moving_variance, tf.float32),
                epsilon=self.epsilon, exponential_avg_factor=1.0,
                data_format="NHWC", is_training=False)
        return tf.cast(outputs, self.compute_dtype)

    def _fusable(self, inputs, mask):
        return (keras.backend.backend() == "tensorflow"
                and mask is None
                and len(inputs.shape) == 4
                and self.axis in (-1, 3)
                and self.center and self.scale
                and not self.renorm
                and not self.synchronized
                and keras.backend.standardize_dtype(inputs.dtype) != "float64")
