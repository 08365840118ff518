"""tfdcgan: DCGAN (Radford, Metz, Chintala 2015, arXiv:1511.06434) on TensorFlow 2 / Keras 3.

    import tfdcgan
    gan = tfdcgan.DCGAN(output_height=28, c_dim=1)
    gan.compile()
    gan.fit(dataset, epochs=5)
    images = gan.generate(64, seed=0)      # uint8 [64, 28, 28, 1]
"""

__version__ = "0.1.0"

from tfdcgan import losses
from tfdcgan.basic_gan import BasicGAN
from tfdcgan.dcgan import DCGAN
from tfdcgan.discriminator import Discriminator
from tfdcgan.gan import GAN
from tfdcgan.gan_optimizers import GANOptimizers
from tfdcgan.generator import Generator

# Loaded when first used, so `import tfdcgan` stays light (no matplotlib, no
# command-line runner): `tfdcgan.data`, `tfdcgan.metrics`, ...
_SUBMODULES = ("callbacks", "cli", "data", "export", "metrics", "rules", "run",
               "run_config", "visualize", "weights")


# (`from tfdcgan import *` stays as light as `import tfdcgan`: the lazy
# submodules are not in it.)
__all__ = ["BasicGAN", "DCGAN", "Discriminator", "GAN", "GANOptimizers", "Generator",
           "losses"]


def __getattr__(name):
    if name in _SUBMODULES:
        import importlib
        return importlib.import_module(f"tfdcgan.{name}")
    raise AttributeError(f"module 'tfdcgan' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_SUBMODULES))
