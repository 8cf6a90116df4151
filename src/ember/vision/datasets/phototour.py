"""Multi-view stereo correspondence patches, "PhotoTour" (torchvision.datasets.phototour): root/<name>/ holds the
bitmaps of 64x64 patches, info.txt and the matches file; root/<name>.pt caches them (a PyTorch-format file,
interchangeable with torchvision's)."""
import os
import zipfile

import numpy as np
from PIL import Image

import ember
from .utils import download_url
from .vision import VisionDataset


class PhotoTour(VisionDataset):
    """Training: one (64, 64) uint8 patch per item; testing: (patch, patch, 1 if they match else 0)."""

    urls = {
        "notredame_harris": ["http://matthewalunbrown.com/patchdata/notredame_harris.zip", "notredame_harris.zip",
                             "69f8c90f78e171349abdf0307afefe4d"],
        "yosemite_harris": ["http://matthewalunbrown.com/patchdata/yosemite_harris.zip", "yosemite_harris.zip",
                            "a73253d1c6fbd3ba2613c45065c00d46"],
        "liberty_harris": ["http://matthewalunbrown.com/patchdata/liberty_harris.zip", "liberty_harris.zip",
                           "c731fcfb3abb4091110d0ae8c7ba182c"],
        "notredame": ["http://icvl.ee.ic.ac.uk/vbalnt/notredame.zip", "notredame.zip",
                      "509eda8535847b8c0a90bbb210c83484"],
        "yosemite": ["http://icvl.ee.ic.ac.uk/vbalnt/yosemite.zip", "yosemite.zip", "533b2e8eb7ede31be40abc317b2fd4f0"],
        "liberty": ["http://icvl.ee.ic.ac.uk/vbalnt/liberty.zip", "liberty.zip", "fdd9152f138ea5ef2091746689176414"],
    }
    means = {"notredame": 0.4854, "yosemite": 0.4844, "liberty": 0.4437, "notredame_harris": 0.4854,
             "yosemite_harris": 0.4844, "liberty_harris": 0.4437}
    stds = {"notredame": 0.1864, "yosemite": 0.1818, "liberty": 0.2019, "notredame_harris": 0.1864,
            "yosemite_harris": 0.1818, "liberty_harris": 0.2019}
    lens = {"notredame": 468159, "yosemite": 633587, "liberty": 450092, "liberty_harris": 379587,
            "yosemite_harris": 450912, "notredame_harris": 325295}
    image_ext = "bmp"
    info_file = "info.txt"
    matches_files = "m50_100000_100000_0.txt"

    def __init__(self, root, name, train=True, transform=None, download=False):
        super().__init__(root, transform=transform)
        self.name = name
        self.data_dir = os.path.join(self.root, name)
        self.data_down = os.path.join(self.root, f"{name}.zip")
        self.data_file = os.path.join(self.root, f"{name}.pt")
        self.train = train
        self.mean, self.std = self.means[name], self.stds[name]
        if download:
            self.download()
        if not os.path.exists(self.data_file):
            if not os.path.isdir(self.data_dir):
                raise RuntimeError(f"Dataset not found: neither {self.data_file} nor {self.data_dir} exists. You can "
                                   f"use download=True to download it")
            self.cache()
        self.data, self.labels, self.matches = ember.load(self.data_file, weights_only=True)

    def __getitem__(self, index):
        if self.train:
            data = self.data[index]
            return data if self.transform is None else self.transform(data)
        first, second, same = self.matches[index]
        data1, data2 = self.data[first], self.data[second]
        if self.transform is not None:
            data1, data2 = self.transform(data1), self.transform(data2)
        return data1, data2, same

    def __len__(self):
        return len(self.data if self.train else self.matches)

    def download(self):
        if os.path.exists(self.data_file) or os.path.exists(self.data_dir):
            return
        url, filename, md5 = self.urls[self.name]
        path = download_url(url, self.root, filename, md5)
        with zipfile.ZipFile(path) as z:
            z.extractall(self.data_dir)
        os.unlink(path)

    def cache(self):
        """Cut the bitmaps into patches and save (patches, point ids, matches) to root/<name>.pt."""
        patches = []
        for name in sorted(f for f in os.listdir(self.data_dir) if f.endswith(self.image_ext)):
            img = np.asarray(Image.open(os.path.join(self.data_dir, name)).convert("L"))
            rows, cols = img.shape[0] // 64, img.shape[1] // 64  # patches are laid out row by row
            patches.append(img[:rows * 64, :cols * 64].reshape(rows, 64, cols, 64).swapaxes(1, 2).reshape(-1, 64, 64))
        data = np.concatenate(patches)[:self.lens[self.name]] if patches else np.zeros((0, 64, 64), np.uint8)
        with open(os.path.join(self.data_dir, self.info_file)) as f:
            labels = [int(line.split()[0]) for line in f]
        with open(os.path.join(self.data_dir, self.matches_files)) as f:
            # "<patch 1> <point 1> _ <patch 2> <point 2> ...": a match when the two 3D points are the same
            matches = [[int(p[0]), int(p[3]), int(p[1] == p[4])] for p in (line.split() for line in f)]
        ember.save((ember.from_numpy(np.ascontiguousarray(data)), ember.tensor(labels, dtype=ember.int64),
                    ember.tensor(matches, dtype=ember.int64).reshape(-1, 3)), self.data_file)

    def extra_repr(self):
        return f"Split: {'Train' if self.train is True else 'Test'}"
