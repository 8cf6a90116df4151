"""SBU Captioned Photos (torchvision.datasets.sbu): root/dataset/{SBU_captioned_photo_dataset_urls.txt,
SBU_captioned_photo_dataset_captions.txt, <photos>}."""
import os

from ._labelled import LabelledImageFiles, require
from .folder import default_loader
from .utils import download_and_extract_archive, download_url


class SBU(LabelledImageFiles):
    """(photo, caption) for each listed photo present on disk; download=True fetches the lists and then every
    photo that is still online."""

    url = "https://www.cs.rice.edu/~vo9/sbucaptions/SBUCaptionedPhotoDataset.tar.gz"
    filename = "SBUCaptionedPhotoDataset.tar.gz"
    md5_checksum = "9aec147b3488753cf758b4d493422285"

    def __init__(self, root, transform=None, target_transform=None, download=True, loader=default_loader):
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.loader = loader
        if download:
            self.download()
        require([(os.path.join(self.root, self.filename), self.md5_checksum)])
        folder = os.path.join(self.root, "dataset")
        self.photos, self.captions = [], []
        with open(os.path.join(folder, "SBU_captioned_photo_dataset_urls.txt")) as urls, \
                open(os.path.join(folder, "SBU_captioned_photo_dataset_captions.txt")) as captions:
            for url, caption in zip(urls, captions):
                photo = os.path.basename(url.rstrip())
                if os.path.exists(os.path.join(folder, photo)):
                    self.photos.append(photo)
                    self.captions.append(caption.rstrip())
        self._image_files = [os.path.join(folder, p) for p in self.photos]
        self._labels = self.captions

    def download(self):
        try:
            return require([(os.path.join(self.root, self.filename), self.md5_checksum)])
        except RuntimeError:
            pass
        download_and_extract_archive(self.url, self.root, self.root, self.filename, self.md5_checksum)
        with open(os.path.join(self.root, "dataset", "SBU_captioned_photo_dataset_urls.txt")) as f:
            for line in f:
                try:
                    download_url(line.rstrip(), os.path.join(self.root, "dataset"))
                except RuntimeError:  # many of the photos are gone from Flickr
                    pass
