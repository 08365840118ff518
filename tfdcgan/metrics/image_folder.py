"""A folder of images as one array, for scoring (generated or real sets).

    from tfdcgan import metrics
    real = metrics.read_image_folder("data/faces", size=64)
    fake = metrics.read_image_folder("out/run/generated", size=64, pattern="*.png")
    print(metrics.evaluate(fake, metrics.Reference.from_images(real, "fid_inception")).fid)

Reading goes through `tfdcgan.data.image_folder`, so the same decoding,
crop, resize and bad-file rules apply as in training.
"""

import numpy as np


def read_image_folder(folder, size, pattern="*.png", c_dim=3, crop=False,
                      crop_size=None, limit=None):
    """Every image in `folder` matching `pattern`, in path order.

    Args:
      folder: the folder (`**` in `pattern` recurses).
      size: output height and width (an int, or `(height, width)`).
      pattern: glob of the files.
      c_dim: 3 (RGB) or 1 (grey); every file is converted to it.
      crop, crop_size: centre-crop `crop_size` (int or pair) first, as
        training's `--crop --input_height` does.
      limit: read at most this many files (the first in path order).

    Returns:
      float32 `[n, height, width, c_dim]` in [-1, 1].

    Raises:
      tfdcgan.data.DatasetError: no folder, no matching readable file.
    """
    from tfdcgan import data  # tf.data pipelines: imported when used.

    height, width = (size, size) if np.isscalar(size) else size
    crop_height, crop_width = ((crop_size, crop_size) if crop_size is None
                               or np.isscalar(crop_size) else crop_size)
    dataset = data.image_folder(
        folder, input_fname_pattern=pattern, c_dim=c_dim, crop=crop,
        input_height=crop_height or height, input_width=crop_width,
        output_height=height, output_width=width, batch_size=256,
        train_size=limit, shuffle=False, drop_remainder=False)
    return np.concatenate([batch.numpy() for batch in dataset])
