"""ember.vision.datasets: torchvision's datasets, read from their official file formats and folder layouts."""
from .vision import VisionDataset, StandardTransform  # noqa: F401
from .mnist import MNIST, FashionMNIST, KMNIST, EMNIST, QMNIST  # noqa: F401
from .cifar import CIFAR10, CIFAR100  # noqa: F401
from .folder import DatasetFolder, ImageFolder  # noqa: F401
from .fakedata import FakeData  # noqa: F401
from .svhn import SVHN  # noqa: F401
from .stl10 import STL10  # noqa: F401
from .usps import USPS  # noqa: F401
from .semeion import SEMEION  # noqa: F401
from .flowers102 import Flowers102  # noqa: F401
from .oxford_iiit_pet import OxfordIIITPet  # noqa: F401
from .food101 import Food101  # noqa: F401
from .dtd import DTD  # noqa: F401
from .eurosat import EuroSAT  # noqa: F401
from .gtsrb import GTSRB  # noqa: F401
from .country211 import Country211  # noqa: F401
from .fer2013 import FER2013  # noqa: F401
from .caltech import Caltech101, Caltech256  # noqa: F401
from .fgvc_aircraft import FGVCAircraft  # noqa: F401
from .stanford_cars import StanfordCars  # noqa: F401
from .imagenette import Imagenette  # noqa: F401
from .sun397 import SUN397  # noqa: F401
from .imagenet import ImageNet  # noqa: F401
from .voc import VOCDetection, VOCSegmentation  # noqa: F401
from .coco import CocoDetection, CocoCaptions  # noqa: F401
from .celeba import CelebA  # noqa: F401
from .omniglot import Omniglot  # noqa: F401
from .lfw import LFWPeople, LFWPairs  # noqa: F401
from .widerface import WIDERFace  # noqa: F401
from .kitti import Kitti  # noqa: F401
from .places365 import Places365  # noqa: F401
from .moving_mnist import MovingMNIST  # noqa: F401
from .flickr import Flickr8k, Flickr30k  # noqa: F401
from .sbu import SBU  # noqa: F401
from .clevr import CLEVRClassification  # noqa: F401
from .rendered_sst2 import RenderedSST2  # noqa: F401
from .pcam import PCAM  # noqa: F401
from .cityscapes import Cityscapes  # noqa: F401
from .sbd import SBDataset  # noqa: F401
from .inaturalist import INaturalist  # noqa: F401
from .phototour import PhotoTour  # noqa: F401
from ._optical_flow import Sintel, FlyingChairs, FlyingThings3D  # noqa: F401
from ._stereo_matching import (CarlaStereo, Kitti2012Stereo, Kitti2015Stereo, CREStereo,  # noqa: F401
                               FallingThingsStereo, SceneFlowStereo, SintelStereo, InStereo2k, ETH3DStereo,
                               Middlebury2014Stereo)
from . import utils  # noqa: F401
from ..tv_tensors._dataset_wrapper import wrap_dataset_for_transforms_v2  # noqa: F401

__all__ = ["VisionDataset", "MNIST", "FashionMNIST", "KMNIST", "EMNIST", "QMNIST", "CIFAR10", "CIFAR100",
           "DatasetFolder", "ImageFolder", "FakeData", "SVHN", "STL10", "USPS", "SEMEION", "Flowers102",
           "OxfordIIITPet", "Food101", "DTD", "EuroSAT", "GTSRB", "Country211", "FER2013",
           "Caltech101", "Caltech256", "FGVCAircraft", "StanfordCars", "Imagenette", "SUN397",
           "ImageNet", "VOCDetection", "VOCSegmentation", "CocoDetection", "CocoCaptions",
           "CelebA", "Omniglot", "LFWPeople", "LFWPairs", "WIDERFace",
           "Kitti", "Places365", "MovingMNIST", "Flickr8k", "Flickr30k", "SBU",
           "CLEVRClassification", "RenderedSST2", "PCAM", "Cityscapes",
           "SBDataset", "INaturalist", "PhotoTour", "Sintel",
           "FlyingChairs", "FlyingThings3D", "CarlaStereo", "Kitti2012Stereo", "Kitti2015Stereo", "CREStereo",
           "FallingThingsStereo", "SceneFlowStereo", "SintelStereo", "InStereo2k", "ETH3DStereo",
           "Middlebury2014Stereo", "wrap_dataset_for_transforms_v2"]
