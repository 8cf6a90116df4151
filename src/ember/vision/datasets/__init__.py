"""ember.vision.datasets: torchvision's datasets, read from their official file formats and folder layouts."""
from .vision import VisionDataset, StandardTransform  # noqa: F401
from .mnist import MNIST, FashionMNIST  # noqa: F401
from .cifar import CIFAR10, CIFAR100  # noqa: F401
from .folder import DatasetFolder, ImageFolder  # noqa: F401
from .fakedata import FakeData  # noqa: F401
from . import utils  # noqa: F401

__all__ = ["VisionDataset", "MNIST", "FashionMNIST", "CIFAR10", "CIFAR100", "DatasetFolder", "ImageFolder",
           "FakeData"]
