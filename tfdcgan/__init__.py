"""tfdcgan: DCGAN (Radford, Metz, Chintala 2015, arXiv:1511.06434) on TensorFlow 2 / Keras 3."""

__version__ = "0.1.0"
