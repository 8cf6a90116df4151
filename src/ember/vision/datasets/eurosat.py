"""EuroSAT RGB (torchvision.datasets.eurosat): root/eurosat/2750/<class>/*.jpg."""
import os

from ._labelled import require
from .folder import ImageFolder, default_loader
from .utils import download_and_extract_archive


class EuroSAT(ImageFolder):
    """Sentinel-2 land-cover patches in ten classes, an ImageFolder over root/eurosat/2750."""

    url = ("https://huggingface.co/datasets/torchgeo/eurosat/resolve/c877bcd43f099cd0196738f714544e355477f3fd/"
           "EuroSAT.zip")
    md5 = "c8fa014336c82ac7804f0398fcb19387"

    def __init__(self, root, transform=None, target_transform=None, download=False, loader=default_loader):
        self.root = os.path.expanduser(os.fspath(root))
        self._base_folder = os.path.join(self.root, "eurosat")
        self._data_folder = os.path.join(self._base_folder, "2750")
        if download:
            self.download()
        require([(self._data_folder + os.sep, None)])
        super().__init__(self._data_folder, transform=transform, target_transform=target_transform, loader=loader)
        self.root = os.path.expanduser(os.fspath(root))

    def download(self):
        if os.path.isdir(self._data_folder):
            return
        os.makedirs(self._base_folder, exist_ok=True)
        download_and_extract_archive(self.url, self._base_folder, md5=self.md5)
