"""Infer `c_dim` for a folder: 1 if every sampled image is grey, else 3."""

import numpy as np

# Sampled files. Enough to see a colour image in a mixed folder with high
# probability, few enough to cost well under a second.
SAMPLE_SIZE = 32
# Max |R-G|, |G-B| (of 255) for an RGB file to count as grey: JPEG rounding
# of a grey picture saved as RGB stays within 1-2 levels.
_GREY_TOLERANCE = 3


def infer_c_dim(files, headers, sample_size=SAMPLE_SIZE):
    """Returns 1 if all sampled images are greyscale, else 3.

    An image is grey when its header says so (1-component JPEG, grey PNG) or,
    failing that, when its pixels have R = G = B (a grey scan saved as RGB).

    Args:
        files: readable image paths, sorted.
        headers: matching `ImageHeader`s (entries may be None).
        sample_size: files sampled, evenly spaced, so the answer does not
            depend on the shuffle seed.
    """
    if not files:
        raise ValueError("no files to infer c_dim from")
    step = max(1, len(files) // sample_size)
    for index in range(0, len(files), step)[:sample_size]:
        header = headers[index]
        if header is not None and header.grayscale is True:
            continue
        # Otherwise look at the pixels: an RGB file may hold a grey picture.
        if not _pixels_are_grey(files[index]):
            return 3
    return 1


def _pixels_are_grey(path):
    from PIL import Image
    try:
        with Image.open(path) as img:
            img.draft("RGB", (128, 128))  # JPEG: decode at reduced scale
            if img.mode in ("1", "L", "LA", "I", "I;16", "F"):
                return True
            rgb = np.asarray(img.convert("RGB"), dtype=np.int16)
    except Exception:  # unreadable here: let the pipeline's counting decide
        return True
    spread = np.abs(rgb[..., 0] - rgb[..., 1]).max(), np.abs(rgb[..., 1] - rgb[..., 2]).max()
    return max(spread) <= _GREY_TOLERANCE
