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
from tfdcgan import callbacks, export, run, visualize  # noqa: E402,F401  (CLI, outputs)
