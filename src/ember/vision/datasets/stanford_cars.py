"""Stanford Cars (torchvision.datasets.stanford_cars): root/stanford_cars/{devkit/, cars_train/, cars_test/,
cars_test_annos_withlabels.mat}."""
import os

from ._labelled import LabelledImageFiles, require
from .folder import default_loader
from .utils import verify_str_arg


class StanfordCars(LabelledImageFiles):
    """196 car models; annotations and class names from the devkit's .mat files. The original download is gone,
    so download=True raises ValueError as in torchvision."""

    def __init__(self, root, split="train", transform=None, target_transform=None, download=False,
                 loader=default_loader):
        try:
            import scipy.io as sio
        except ImportError:
            raise RuntimeError("Scipy is not found. This dataset needs to have scipy installed: pip install scipy")
        super().__init__(root, transform=transform, target_transform=target_transform)
        self._split = verify_str_arg(split, "split", ("train", "test"))
        self._base_folder = os.path.join(self.root, "stanford_cars")
        devkit = os.path.join(self._base_folder, "devkit")
        if split == "train":
            self._annotations_mat_path = os.path.join(devkit, "cars_train_annos.mat")
            self._images_base_path = os.path.join(self._base_folder, "cars_train")
        else:
            self._annotations_mat_path = os.path.join(self._base_folder, "cars_test_annos_withlabels.mat")
            self._images_base_path = os.path.join(self._base_folder, "cars_test")
        if download:
            self.download()
        require([(devkit + os.sep, None), (self._annotations_mat_path, None), (self._images_base_path + os.sep, None)],
                hint="StanfordCars can no longer be downloaded; put the official files in place")
        annotations = sio.loadmat(self._annotations_mat_path, squeeze_me=True)["annotations"]
        self._samples = [(os.path.join(self._images_base_path, a["fname"]), int(a["class"]) - 1) for a in annotations]
        self._image_files, self._labels = [p for p, _ in self._samples], [y for _, y in self._samples]
        self.classes = sio.loadmat(os.path.join(devkit, "cars_meta.mat"), squeeze_me=True)["class_names"].tolist()
        self.class_to_idx = {c: i for i, c in enumerate(self.classes)}
        self.loader = loader

    def download(self):
        raise ValueError("The original URL is broken so the StanfordCars dataset cannot be downloaded anymore.")
