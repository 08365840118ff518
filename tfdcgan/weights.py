"""One network's weights in a file, the PyTorch DCGAN's habit in Keras form.

The PyTorch DCGAN scripts keep `netG_{epoch}.pth` / `netD_{epoch}.pth` and
start new runs from them (`--netG`, `--netD`). Here a network's weights are a
Keras `.weights.h5` file (`Generator.save_weights` / `load_weights`), and a
new run can start from one of those or from the generator or discriminator
of a whole saved DCGAN (a `.keras` file):

    save_weights(gan.generator, "weights/generator_005.weights.h5")
    load_weights(gan.generator, "weights/generator_005.weights.h5", "init_generator")
"""

import collections
import os
import zipfile

import h5py
import keras

SUFFIXES = (".weights.h5", ".keras")


def save_weights(network, path):
    """Writes `network`'s weights to `path` (`.weights.h5`) atomically: a
    reader never sees a half-written file, and a crash leaves none."""
    directory, name = os.path.split(path)
    partial = os.path.join(directory, f".{os.getpid()}.{name}")  # still .weights.h5
    network.save_weights(partial, overwrite=True)
    os.replace(partial, path)
    return path


def load_weights(network, path, name):
    """Sets `network`'s weights from `path`, a `.weights.h5` file of a network
    like it or a `.keras` file of a whole GAN (its network of the same name,
    `generator` or `discriminator`).

    Args:
        network: the built network (`gan.generator` or `gan.discriminator`).
        path: the file.
        name: the setting that named the file (`init_generator`), for messages.

    Raises:
        ValueError: the file cannot be read (damaged, cut short, another
            kind of file), or its weights do not fit `network`; the message
            names the shapes the file has and the network lacks, and the
            other way round.
    """
    try:
        _load(network, path, name)
    except (OSError, zipfile.BadZipFile) as error:  # (h5py's and zipfile's "not a file of mine")
        raise ValueError(f"{name}={path!r} is not a readable {_suffix(path)} file "
                         f"({error}): damaged, cut short, or another kind of file.") from error


def _load(network, path, name):
    if path.endswith(".keras"):
        if not zipfile.is_zipfile(path):  # (Keras would say "File not found")
            raise zipfile.BadZipFile("not a zip archive, which a .keras file is")
        whole = keras.models.load_model(path, compile=False)
        source = getattr(whole, network.name, None)
        if not isinstance(source, keras.Model):
            raise ValueError(f"{name}={path!r}: this .keras file holds a "
                             f"{type(whole).__name__} without a {network.name}.")
        values = source.get_weights()
        _check_shapes(name, path, network, [v.shape for v in values])
        network.set_weights(values)
        return
    _check_shapes(name, path, network, _file_shapes(path))
    network.load_weights(path)


def _suffix(path):
    return next((suffix for suffix in SUFFIXES if path.endswith(suffix)), "weights")


def _file_shapes(path):
    shapes = []
    with h5py.File(path, "r") as f:
        f.visititems(lambda _, item: shapes.append(item.shape)
                     if isinstance(item, h5py.Dataset) else None)
    return shapes


def _check_shapes(name, path, network, shapes):
    mine = collections.Counter(tuple(w.shape) for w in network.weights)
    theirs = collections.Counter(tuple(s) for s in shapes)
    if mine == theirs:
        return
    extra = sorted((theirs - mine).elements())
    missing = sorted((mine - theirs).elements())
    raise ValueError(
        f"{name}={path!r}: its weights do not fit this {network.name}: the file "
        f"has weights of shapes {_shapes(extra)} where the {network.name} has "
        f"{_shapes(missing)} ({sum(theirs.values())} weights in the file, "
        f"{sum(mine.values())} in the {network.name}). Build the run with the "
        f"settings of the run that saved it (its model.json).")


def _shapes(shapes):
    return ", ".join(str(s) for s in shapes) or "none"
