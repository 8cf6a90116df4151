"""Oxford 102 Flowers (torchvision.datasets.flowers102): root/flowers-102/{jpg/, imagelabels.mat, setid.mat}."""
import os

from ._labelled import LabelledImageFiles, require
from .folder import default_loader
from .utils import download_and_extract_archive, download_url, verify_str_arg


class Flowers102(LabelledImageFiles):
    """102 flower categories; the split ('train', 'val', 'test') comes from setid.mat, labels from imagelabels.mat."""

    _download_url_prefix = "https://www.robots.ox.ac.uk/~vgg/data/flowers/102/"
    _file_dict = {"image": ("102flowers.tgz", "52808999861908f626f3c1f4e79d11fa"),
                  "label": ("imagelabels.mat", "e0620be6f572b9609742df49c70aed4d"),
                  "setid": ("setid.mat", "a5357ecc9cb78c4bef273ce3793fc85c")}
    _splits_map = {"train": "trnid", "val": "valid", "test": "tstid"}

    def __init__(self, root, split="train", transform=None, target_transform=None, download=False,
                 loader=default_loader):
        super().__init__(root, transform=transform, target_transform=target_transform)
        self._split = verify_str_arg(split, "split", ("train", "val", "test"))
        self._base_folder = os.path.join(self.root, "flowers-102")
        self._images_folder = os.path.join(self._base_folder, "jpg")
        if download:
            self.download()
        self._check()
        from scipy.io import loadmat
        ids = loadmat(os.path.join(self._base_folder, "setid.mat"), squeeze_me=True)[self._splits_map[split]]
        labels = loadmat(os.path.join(self._base_folder, "imagelabels.mat"), squeeze_me=True)["labels"] - 1
        ids = [int(i) for i in ids.reshape(-1)]
        self._labels = [int(labels.reshape(-1)[i - 1]) for i in ids]  # image ids count from 1
        self._image_files = [os.path.join(self._images_folder, f"image_{i:05d}.jpg") for i in ids]
        self.loader = loader

    def _check(self):
        require([(self._images_folder + os.sep, None)] +
                [(os.path.join(self._base_folder, self._file_dict[k][0]), self._file_dict[k][1])
                 for k in ("label", "setid")])

    def download(self):
        try:
            return self._check()
        except RuntimeError:
            pass
        name, md5 = self._file_dict["image"]
        download_and_extract_archive(self._download_url_prefix + name, self._base_folder, md5=md5)
        for key in ("label", "setid"):
            name, md5 = self._file_dict[key]
            download_url(self._download_url_prefix + name, self._base_folder, md5=md5)

    def extra_repr(self):
        return f"split={self._split}"

    classes = [
        "pink primrose", "hard-leaved pocket orchid", "canterbury bells", "sweet pea", "english marigold",
        "tiger lily", "moon orchid", "bird of paradise", "monkshood", "globe thistle", "snapdragon", "colt's foot",
        "king protea", "spear thistle", "yellow iris", "globe-flower", "purple coneflower", "peruvian lily",
        "balloon flower", "giant white arum lily", "fire lily", "pincushion flower", "fritillary", "red ginger",
        "grape hyacinth", "corn poppy", "prince of wales feathers", "stemless gentian", "artichoke", "sweet william",
        "carnation", "garden phlox", "love in the mist", "mexican aster", "alpine sea holly", "ruby-lipped cattleya",
        "cape flower", "great masterwort", "siam tulip", "lenten rose", "barbeton daisy", "daffodil", "sword lily",
        "poinsettia", "bolero deep blue", "wallflower", "marigold", "buttercup", "oxeye daisy", "common dandelion",
        "petunia", "wild pansy", "primula", "sunflower", "pelargonium", "bishop of llandaff", "gaura", "geranium",
        "orange dahlia", "pink-yellow dahlia?", "cautleya spicata", "japanese anemone", "black-eyed susan",
        "silverbush", "californian poppy", "osteospermum", "spring crocus", "bearded iris", "windflower",
        "tree poppy", "gazania", "azalea", "water lily", "rose", "thorn apple", "morning glory", "passion flower",
        "lotus", "toad lily", "anthurium", "frangipani", "clematis", "hibiscus", "columbine", "desert-rose",
        "tree mallow", "magnolia", "cyclamen", "watercress", "canna lily", "hippeastrum", "bee balm", "ball moss",
        "foxglove", "bougainvillea", "camellia", "mallow", "mexican petunia", "bromelia", "blanket flower",
        "trumpet creeper", "blackberry lily"]
