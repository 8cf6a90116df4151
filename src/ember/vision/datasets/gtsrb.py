"""The German Traffic Sign Recognition Benchmark (torchvision.datasets.gtsrb):
root/gtsrb/GTSRB/Training/<class>/*.ppm, root/gtsrb/GTSRB/Final_Test/Images/*.ppm + root/gtsrb/GT-final_test.csv."""
import csv
import os

from ._labelled import LabelledImageFiles, require
from .folder import make_dataset, pil_loader
from .utils import download_and_extract_archive, verify_str_arg


class GTSRB(LabelledImageFiles):
    """43 traffic-sign classes: training images by class folder, test labels from the ground-truth CSV."""

    _base_url = "https://sid.erda.dk/public/archives/daaeac0d7ce1152aea9b61d9f1e19370/"

    def __init__(self, root, split="train", transform=None, target_transform=None, download=False):
        super().__init__(root, transform=transform, target_transform=target_transform)
        self._split = verify_str_arg(split, "split", ("train", "test"))
        self._base_folder = os.path.join(self.root, "gtsrb")
        self._target_folder = os.path.join(self._base_folder, "GTSRB",
                                           "Training" if split == "train" else os.path.join("Final_Test", "Images"))
        if download:
            self.download()
        require([(self._target_folder + os.sep, None)])
        if split == "train":
            samples = make_dataset(self._target_folder, extensions=(".ppm",))
        else:
            with open(os.path.join(self._base_folder, "GT-final_test.csv")) as f:
                samples = [(os.path.join(self._target_folder, row["Filename"]), int(row["ClassId"]))
                           for row in csv.DictReader(f, delimiter=";", skipinitialspace=True)]
        self._samples = samples
        self._image_files, self._labels = [p for p, _ in samples], [y for _, y in samples]
        self.loader = pil_loader

    def download(self):
        if os.path.isdir(self._target_folder):
            return
        if self._split == "train":
            files = [("GTSRB-Training_fixed.zip", "513f3c79a4c5141765e10e952eaa2478")]
        else:
            files = [("GTSRB_Final_Test_Images.zip", "c7e4e6327067d32654124b0fe9e82185"),
                     ("GTSRB_Final_Test_GT.zip", "fe31e9c9270bbcd7b84b7f21a9d9d9e5")]
        for name, md5 in files:
            download_and_extract_archive(self._base_url + name, self._base_folder, md5=md5)
