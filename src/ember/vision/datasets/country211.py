"""Country211 (torchvision.datasets.country211): root/country211/{train,valid,test}/<country code>/*.jpg."""
import os

from ._labelled import require
from .folder import ImageFolder, default_loader
from .utils import download_and_extract_archive, verify_str_arg


class Country211(ImageFolder):
    """Geolocation in 211 countries (YFCC100M photos), an ImageFolder over root/country211/<split>."""

    _URL = "https://openaipublic.azureedge.net/clip/data/country211.tgz"
    _MD5 = "84988d7644798601126c29e9877aab6a"

    def __init__(self, root, split="train", transform=None, target_transform=None, download=False,
                 loader=default_loader):
        self._split = verify_str_arg(split, "split", ("train", "valid", "test"))
        self.root = os.path.expanduser(os.fspath(root))
        self._base_folder = os.path.join(self.root, "country211")
        if download:
            self._download()
        require([(self._base_folder + os.sep, None)])
        super().__init__(os.path.join(self._base_folder, split), transform=transform,
                         target_transform=target_transform, loader=loader)
        self.root = os.path.expanduser(os.fspath(root))

    def _download(self):
        if os.path.isdir(self._base_folder):
            return
        download_and_extract_archive(self._URL, self.root, md5=self._MD5)
