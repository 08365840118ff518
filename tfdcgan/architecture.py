"""Layer geometry and initialisation shared by the generator and the discriminator.

The DCGAN stack halves (discriminator) or doubles (generator) the feature map
at every stride-2 layer. Sizes follow carpedm20/DCGAN-tensorflow's
`conv_out_size_same` (`ceil(size / stride)`), so any output size works, square
or not, odd or even.
"""

import math

import keras

# The first (generator) / last (discriminator) feature map keeps at least
# this many pixels a side; see `default_num_layers`.
MIN_BASE_SIZE = 4


def conv_out_size_same(size, stride=2):
    """Output length of a 'same'-padded convolution: `ceil(size / stride)`."""
    return int(math.ceil(float(size) / float(stride)))


def default_num_layers(height, width):
    """Number of stride-2 layers for an image of `height x width`.

    The most layers that keep the smaller side of the smallest feature map
    at least `MIN_BASE_SIZE` (4) pixels: 28 -> 3 (4x4), 32 -> 3 (4x4),
    64 -> 4 (4x4, the paper's DCGAN), 96 -> 4 (6x6), 108 -> 5 (4x4),
    128 -> 5 (4x4). At least 1.

    At 28x28 this measured a classifier FID 2.5x lower than stopping at 7x7
    (2 layers), on two seeds (benchmarks/RESULTS.md, "Depth and width").
    """
    size = min(height, width)
    layers = 1
    while conv_out_size_same(size, 2**(layers + 1)) >= MIN_BASE_SIZE:
        layers += 1
    return layers


def feature_map_sizes(height, width, num_layers):
    """Spatial sizes from the image down to the smallest feature map.

    Returns a list of `num_layers + 1` `(height, width)` pairs; index 0 is the
    image, index `num_layers` the smallest map.
    """
    sizes = [(height, width)]
    for _ in range(num_layers):
        h, w = sizes[-1]
        sizes.append((conv_out_size_same(h), conv_out_size_same(w)))
    return sizes


def weight_initializer(seed=None):
    """N(0, 0.02), the DCGAN paper's initialisation for every weight."""
    return keras.initializers.RandomNormal(mean=0.0, stddev=0.02, seed=seed)


def layer_seed(seed, index):
    """A distinct seed for layer `index`: a Keras initializer given an int seed
    returns the same values on every call, so layers must not share one."""
    return None if seed is None else seed * 1009 + index


def broadcast_labels(feature_map, labels):
    """Concatenates one-hot `labels [batch, y_dim]` to every pixel of
    `feature_map [batch, h, w, c]` (carpedm20's `conv_cond_concat`)."""
    labels = keras.ops.cast(labels, feature_map.dtype)
    shape = keras.ops.shape(feature_map)
    maps = keras.ops.broadcast_to(
        labels[:, None, None, :], (shape[0], shape[1], shape[2], labels.shape[-1]))
    return keras.ops.concatenate([feature_map, maps], axis=-1)


def check_labels(labels, y_dim, network):
    """Raises ValueError when labels are missing for a conditional network,
    given to an unconditional one, or of the wrong width."""
    if y_dim and labels is None:
        raise ValueError(
            f"{network} is conditioned on labels (y_dim={y_dim}) but no labels "
            f"were given; pass one-hot labels of shape [batch, {y_dim}].")
    if not y_dim and labels is not None:
        raise ValueError(
            f"{network} has y_dim=None (unconditional) but labels of shape "
            f"{tuple(labels.shape)} were given; build it with y_dim to condition "
            f"on labels.")
    if labels is not None and labels.shape[-1] is not None and labels.shape[-1] != y_dim:
        raise ValueError(
            f"{network} expects one-hot labels [batch, {y_dim}], got shape "
            f"{tuple(labels.shape)}.")


def check_images(images, image_shape, network):
    """Raises ValueError when the static shape of `images` is not
    `[batch, *image_shape]` (unknown dimensions pass)."""
    shape = tuple(images.shape)
    given = shape[1:]
    if len(shape) != 4 or any(
            g is not None and g != e for g, e in zip(given, image_shape)):
        h, w, c = image_shape
        raise ValueError(
            f"{network} expects images of shape [batch, {h}, {w}, {c}] "
            f"(height, width, channels), got {list(shape)}.")
