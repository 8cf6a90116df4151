"""Every dataset beyond MNIST/CIFAR against torchvision's own class on the same files.

Each builder writes a tiny copy of a dataset's official on-disk layout into tmp_path (and, where the class
checks MD5s, points both libraries at the fake files' checksums); the harness then opens it with torchvision
and with Ember and compares the length, every sample (images as arrays, with their mode) and target, and
the class lists."""
import bz2
import csv
import hashlib
import json
import os

import numpy as np
import pytest
import torch
from PIL import Image

import ember
from ember.vision import datasets as E
from tests.vision.conftest import make_mnist, write_idx

T = pytest.importorskip("torchvision.datasets")
RNG = np.random.default_rng(0)
BUILDERS = {}


def builder(*cases):
    """Register a layout builder with the constructor kwargs of each case to compare."""
    def register(fn):
        for i, kwargs in enumerate(cases):
            BUILDERS[f"{fn.__name__}-{i}"] = (fn, kwargs)
        return fn
    return register


def md5(path):
    return hashlib.md5(open(path, "rb").read()).hexdigest()


def image_file(path, size=(5, 4), mode="RGB", fmt=None):
    """A small random image at `path` (folders created), JPEG or PNG or PPM by its extension."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    shape = (size[1], size[0]) + ((3,) if mode == "RGB" else ())
    Image.fromarray(RNG.integers(0, 256, shape).astype(np.uint8), mode).save(path, fmt)
    return path


def patch_both(monkeypatch, name, fn):
    """Apply `fn(cls)` (which patches checksums with monkeypatch) to torchvision's and Ember's class `name`."""
    for module in (T, E):
        fn(getattr(module, name))


# ------------------------------------------------------------------------------ comparison
def same(e, t, where="sample"):
    if isinstance(t, Image.Image):
        assert isinstance(e, Image.Image), (where, type(e))
        assert e.mode == t.mode and e.size == t.size, (where, e.mode, t.mode, e.size, t.size)
        np.testing.assert_array_equal(np.asarray(e), np.asarray(t), err_msg=where)
    elif isinstance(t, torch.Tensor):
        assert isinstance(e, ember.Tensor), (where, type(e))
        assert str(e.dtype) == str(t.dtype) and tuple(e.shape) == tuple(t.shape), (where, e.dtype, t.dtype)
        np.testing.assert_array_equal(e.numpy(), t.numpy(), err_msg=where)
    elif isinstance(t, np.ndarray):
        assert isinstance(e, np.ndarray) and e.dtype == t.dtype and e.shape == t.shape, (where, type(e))
        np.testing.assert_array_equal(e, t, err_msg=where)
    elif isinstance(t, (list, tuple)):
        if hasattr(t, "_fields"):  # a namedtuple: the same name and fields, each library its own class
            assert type(e).__name__ == type(t).__name__ and e._fields == t._fields, (where, e, t)
        else:
            assert type(e) is type(t), (where, type(e), type(t))
        assert len(e) == len(t), (where, e, t)
        for i, (a, b) in enumerate(zip(e, t)):
            same(a, b, f"{where}[{i}]")
    elif isinstance(t, dict):
        assert e.keys() == t.keys(), (where, e.keys(), t.keys())
        for k in t:
            same(e[k], t[k], f"{where}[{k!r}]")
    else:
        assert type(e) is type(t) and e == t, (where, e, t)


# ------------------------------------------------------------------------------ the MNIST family
@builder({}, {"train": False})
def kmnist(root, mp):
    make_mnist(root, name="KMNIST", n_train=6, n_test=4, gz=False)
    return "KMNIST"


@builder({"split": "letters"}, {"split": "balanced", "train": False})
def emnist(root, mp):
    raw = root / "EMNIST" / "raw"
    raw.mkdir(parents=True)
    for split in ("letters", "balanced"):
        for part, n in (("train", 5), ("test", 3)):
            write_idx(raw / f"emnist-{split}-{part}-images-idx3-ubyte", RNG.integers(0, 256, (n, 28, 28)).astype(np.uint8))
            write_idx(raw / f"emnist-{split}-{part}-labels-idx1-ubyte", RNG.integers(0, 27, n).astype(np.uint8))
    return "EMNIST"


@builder({}, {"compat": False}, {"what": "test10k"}, {"train": False, "compat": False})
def qmnist(root, mp):
    raw = root / "QMNIST" / "raw"
    raw.mkdir(parents=True)
    for part, n in (("train", 5), ("test", 4)):
        write_idx(raw / f"qmnist-{part}-images-idx3-ubyte", RNG.integers(0, 256, (n, 28, 28)).astype(np.uint8))
        write_idx(raw / f"qmnist-{part}-labels-idx2-int", RNG.integers(0, 70000, (n, 8)).astype(">i4"))
    return "QMNIST"


# ------------------------------------------------------------------------------ arrays in one file
@builder({}, {"split": "test"})
def svhn(root, mp):
    import scipy.io
    for split, n in (("train", 4), ("test", 3)):
        path = root / f"{split}_32x32.mat"
        scipy.io.savemat(path, {"X": RNG.integers(0, 256, (32, 32, 3, n)).astype(np.uint8),
                                "y": RNG.integers(1, 11, (n, 1)).astype(np.uint8)})
        patch_both(mp, "SVHN", lambda c: mp.setitem(c.split_list, split, c.split_list[split][:2] + [md5(path)]))
    return "SVHN"


@builder({}, {"split": "test"}, {"split": "unlabeled"}, {"split": "train+unlabeled", "folds": 1})
def stl10(root, mp):
    base = root / "stl10_binary"
    base.mkdir()
    sums = {}
    for name, n in (("train", 4), ("test", 2), ("unlabeled", 2)):
        (base / f"{name}_X.bin").write_bytes(RNG.integers(0, 256, n * 3 * 96 * 96).astype(np.uint8).tobytes())
        sums[f"{name}_X.bin"] = md5(base / f"{name}_X.bin")
        if name != "unlabeled":
            (base / f"{name}_y.bin").write_bytes(RNG.integers(1, 11, n).astype(np.uint8).tobytes())
            sums[f"{name}_y.bin"] = md5(base / f"{name}_y.bin")
    (base / "class_names.txt").write_text("\n".join(f"class{i}" for i in range(10)) + "\n")
    (base / "fold_indices.txt").write_text("0 1\n3 2 0\n")

    def fix(c):
        mp.setattr(c, "train_list", [[n, sums[n]] for n, _ in c.train_list])
        mp.setattr(c, "test_list", [[n, sums[n]] for n, _ in c.test_list])
    patch_both(mp, "STL10", fix)
    return "STL10"


@builder({}, {"train": False})
def usps(root, mp):
    for name, n in (("usps.bz2", 4), ("usps.t.bz2", 3)):
        rows = [f"{RNG.integers(1, 11)} " + " ".join(f"{j + 1}:{v:.6f}" for j, v in enumerate(RNG.uniform(-1, 1, 256)))
                for _ in range(n)]
        (root / name).write_bytes(bz2.compress(("\n".join(rows) + "\n").encode()))
    return "USPS"


@builder({"download": False})
def semeion(root, mp):
    rows = []
    for _ in range(5):
        onehot = np.zeros(10, int)
        onehot[RNG.integers(0, 10)] = 1
        rows.append(" ".join(f"{v:.4f}" for v in RNG.integers(0, 2, 256)) + " " + " ".join(map(str, onehot)))
    (root / "semeion.data").write_text("\n".join(rows) + "\n")
    patch_both(mp, "SEMEION", lambda c: mp.setattr(c, "md5_checksum", md5(root / "semeion.data")))
    return "SEMEION"


@builder({}, {"split": "test"})
def fer2013(root, mp):
    base = root / "fer2013"
    base.mkdir()
    with open(base / "train.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["emotion", "pixels"])
        for _ in range(3):
            w.writerow([RNG.integers(0, 7), " ".join(map(str, RNG.integers(0, 256, 48 * 48)))])
    with open(base / "test.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["pixels"])
        for _ in range(2):
            w.writerow([" ".join(map(str, RNG.integers(0, 256, 48 * 48)))])
    for split in ("train", "test"):
        patch_both(mp, "FER2013", lambda c: mp.setitem(c._RESOURCES, split, (f"{split}.csv", md5(base / f"{split}.csv"))))
    return "FER2013"


# ------------------------------------------------------------------------------ image files with a label table
@builder({}, {"split": "val"}, {"split": "test"})
def flowers102(root, mp):
    import scipy.io
    base = root / "flowers-102"
    for i in range(1, 8):
        image_file(str(base / "jpg" / f"image_{i:05d}.jpg"))
    scipy.io.savemat(base / "imagelabels.mat", {"labels": RNG.integers(1, 103, (1, 7))})
    scipy.io.savemat(base / "setid.mat", {"trnid": [[1, 4, 7]], "valid": [[2, 5]], "tstid": [[3, 6]]})
    for key in ("label", "setid"):
        patch_both(mp, "Flowers102", lambda c: mp.setitem(c._file_dict, key, (c._file_dict[key][0],
                                                                             md5(base / c._file_dict[key][0]))))
    return "Flowers102"


@builder({}, {"split": "test", "target_types": ["category", "binary-category", "segmentation"]},
         {"target_types": []})
def oxford_pet(root, mp):
    base = root / "oxford-iiit-pet"
    ids = {"trainval": [("Abyssinian_1", 1, 1), ("american_bulldog_2", 2, 2), ("Abyssinian_3", 1, 1)],
           "test": [("basset_hound_1", 3, 2), ("Abyssinian_9", 1, 1)]}
    os.makedirs(base / "annotations" / "trimaps")
    for split, rows in ids.items():
        with open(base / "annotations" / f"{split}.txt", "w") as f:
            for name, label, species in rows:
                f.write(f"{name} {label} {species} 1\n")
                image_file(str(base / "images" / f"{name}.jpg"))
                image_file(str(base / "annotations" / "trimaps" / f"{name}.png"), mode="L")
    return "OxfordIIITPet"


@builder({}, {"split": "test"})
def food101(root, mp):
    base = root / "food-101"
    os.makedirs(base / "meta")
    meta = {"train": {"apple_pie": ["apple_pie/1", "apple_pie/2"], "ramen": ["ramen/7"]},
            "test": {"ramen": ["ramen/3"], "apple_pie": ["apple_pie/5"]}}
    for split, entries in meta.items():
        (base / "meta" / f"{split}.json").write_text(json.dumps(entries))
        for paths in entries.values():
            for p in paths:
                image_file(str(base / "images" / f"{p}.jpg"))
    return "Food101"


@builder({}, {"split": "val", "partition": 2})
def dtd(root, mp):
    base = root / "dtd" / "dtd"
    os.makedirs(base / "labels")
    lists = {"train1.txt": ["banded/banded_0001.jpg", "zigzagged/zigzagged_0002.jpg", "banded/banded_0003.jpg"],
             "val2.txt": ["dotted/dotted_0001.jpg"]}
    for name, lines in lists.items():
        (base / "labels" / name).write_text("\n".join(lines) + "\n")
        for line in lines:
            image_file(str(base / "images" / line))
    return "DTD"


@builder({})
def eurosat(root, mp):
    for cls, n in (("AnnualCrop", 2), ("Forest", 1), ("River", 2)):
        for i in range(n):
            image_file(str(root / "eurosat" / "2750" / cls / f"{cls}_{i}.jpg"))
    return "EuroSAT"


@builder({}, {"split": "test"})
def country211(root, mp):
    for split in ("train", "test"):
        for cls in ("AD", "AE"):
            image_file(str(root / "country211" / split / cls / f"{split}{cls}.jpg"))
    return "Country211"


@builder({}, {"split": "test"})
def gtsrb(root, mp):
    base = root / "gtsrb"
    for cls, n in ((0, 2), (12, 1)):
        for i in range(n):
            image_file(str(base / "GTSRB" / "Training" / f"{cls:05d}" / f"00000_{i:05d}.ppm"), fmt="PPM")
    with open(base / "GT-final_test.csv", "w") as f:
        f.write("Filename;Width;Height;Roi.X1;Roi.Y1;Roi.X2;Roi.Y2;ClassId\n")
        for i, cls in enumerate((3, 40)):
            image_file(str(base / "GTSRB" / "Final_Test" / "Images" / f"{i:05d}.ppm"), fmt="PPM")
            f.write(f"{i:05d}.ppm;5;4;0;0;4;3;{cls}\n")
    return "GTSRB"


@builder({}, {"target_type": ["category", "annotation"]})
def caltech101(root, mp):
    import scipy.io
    base = root / "caltech101"
    for cls, n in (("Faces", 2), ("accordion", 1), ("BACKGROUND_Google", 1)):
        for i in range(1, n + 1):
            image_file(str(base / "101_ObjectCategories" / cls / f"image_{i:04d}.jpg"), mode="L" if i == 2 else "RGB")
            folder = base / "Annotations" / {"Faces": "Faces_2"}.get(cls, cls)
            folder.mkdir(parents=True, exist_ok=True)
            scipy.io.savemat(folder / f"annotation_{i:04d}.mat", {"obj_contour": RNG.uniform(0, 9, (2, 5))})
    return "Caltech101"


@builder({})
def caltech256(root, mp):
    for k, (cls, n) in enumerate((("001.ak47", 2), ("002.bear", 1))):
        for i in range(1, n + 1):
            image_file(str(root / "caltech256" / "256_ObjectCategories" / cls / f"{k + 1:03d}_{i:04d}.jpg"))
    return "Caltech256"


@builder({}, {"split": "test", "annotation_level": "family"})
def fgvc_aircraft(root, mp):
    data = root / "fgvc-aircraft-2013b" / "data"
    data.mkdir(parents=True)
    (data / "variants.txt").write_text("707-320\nA300B4\n")
    (data / "families.txt").write_text("Boeing 707\nA300\n")
    (data / "images_variant_trainval.txt").write_text("0001 A300B4\n0002 707-320\n")
    (data / "images_family_test.txt").write_text("0003 Boeing 707\n")
    for i in (1, 2, 3):
        image_file(str(data / "images" / f"{i:04d}.jpg"))
    return "FGVCAircraft"


@builder({}, {"split": "test"})
def stanford_cars(root, mp):
    import scipy.io
    base = root / "stanford_cars"
    (base / "devkit").mkdir(parents=True)
    scipy.io.savemat(base / "devkit" / "cars_meta.mat", {"class_names": np.array(["AM General Hummer", "Audi R8"],
                                                                                   dtype=object)})
    for split, mat in (("train", base / "devkit" / "cars_train_annos.mat"),
                       ("test", base / "cars_test_annos_withlabels.mat")):
        names = [f"{split}{i}.jpg" for i in range(2)]
        for n in names:
            image_file(str(base / f"cars_{split}" / n))
        annos = np.array([(n, i % 2 + 1) for i, n in enumerate(names)], dtype=[("fname", object), ("class", object)])
        scipy.io.savemat(mat, {"annotations": annos})
    return "StanfordCars"


@builder({}, {"split": "val", "size": "160px"})
def imagenette(root, mp):
    for folder, split in (("imagenette2", "train"), ("imagenette2-160", "val")):
        for wnid in ("n01440764", "n03888257"):
            image_file(str(root / folder / split / wnid / f"{wnid}_1.JPEG"))
    return "Imagenette"


@builder({})
def sun397(root, mp):
    base = root / "SUN397"
    base.mkdir()
    (base / "ClassName.txt").write_text("/a/abbey\n/b/bar/indoor\n")
    image_file(str(base / "a" / "abbey" / "sun_aaa.jpg"))
    image_file(str(base / "b" / "bar" / "indoor" / "sun_bbb.jpg"))
    image_file(str(base / "a" / "abbey" / "sun_ccc.jpg"))
    return "SUN397"


# ------------------------------------------------------------------------------ ImageNet, VOC
WNIDS = {"n01440764": ("tench", "Tinca tinca"), "n01443537": ("goldfish", "Carassius auratus")}


@builder({}, {"split": "val"})
def imagenet(root, mp):
    for split in ("train", "val"):
        for wnid in WNIDS:
            image_file(str(root / split / wnid / f"{wnid}_{split}.JPEG"))
    torch.save((WNIDS, list(WNIDS)), root / "meta.bin")  # as torchvision writes it
    return "ImageNet"


VOC_XML = """<annotation><folder>VOC2012</folder><filename>{name}.jpg</filename>
<size><width>5</width><height>4</height><depth>3</depth></size><segmented>0</segmented>
{objects}</annotation>"""
VOC_OBJECT = """<object><name>{cls}</name><pose>Left</pose><truncated>0</truncated><difficult>0</difficult>
<bndbox><xmin>1</xmin><ymin>{y}</ymin><xmax>4</xmax><ymax>3</ymax></bndbox></object>"""


@builder({}, {"year": "2007", "image_set": "test"})
def voc_detection(root, mp):
    for year in ("2012", "2007"):
        base = root / "VOCdevkit" / f"VOC{year}"
        (base / "ImageSets" / "Main").mkdir(parents=True)
        (base / "Annotations").mkdir()
        names = {"2012": ["2008_000001", "2008_000002"], "2007": ["000001"]}[year]
        (base / "ImageSets" / "Main" / f"{'train' if year == '2012' else 'test'}.txt").write_text("\n".join(names) + "\n")
        for i, name in enumerate(names):
            image_file(str(base / "JPEGImages" / f"{name}.jpg"))
            objects = "".join(VOC_OBJECT.format(cls=c, y=j) for j, c in enumerate(["dog", "person"][:i + 1]))
            (base / "Annotations" / f"{name}.xml").write_text(VOC_XML.format(name=name, objects=objects))
    return "VOCDetection"


@builder({}, {"image_set": "val"})
def voc_segmentation(root, mp):
    base = root / "VOCdevkit" / "VOC2012"
    (base / "ImageSets" / "Segmentation").mkdir(parents=True)
    for split, names in (("train", ["a", "b"]), ("val", ["c"])):
        (base / "ImageSets" / "Segmentation" / f"{split}.txt").write_text("\n".join(names) + "\n")
        for name in names:
            image_file(str(base / "JPEGImages" / f"{name}.jpg"))
            mask = Image.fromarray(RNG.integers(0, 21, (4, 5)).astype(np.uint8), "P")
            mask.putpalette(list(RNG.integers(0, 256, 768)))
            os.makedirs(base / "SegmentationClass", exist_ok=True)
            mask.save(base / "SegmentationClass" / f"{name}.png")
    return "VOCSegmentation"


# ------------------------------------------------------------------------------ CelebA, Omniglot
@builder({}, {"split": "valid", "target_type": ["identity", "bbox", "landmarks", "attr"]},
         {"split": "all", "target_type": []}, {"split": "test", "target_type": "landmarks"})
def celeba(root, mp):
    base = root / "celeba"
    names = [f"{i:06d}.jpg" for i in range(1, 7)]
    for n in names:
        image_file(str(base / "img_align_celeba" / n))
    tables = {
        "list_eval_partition.txt": ("", [[0], [1], [2], [2], [1], [0]]),
        "identity_CelebA.txt": ("", [[int(v)] for v in RNG.integers(1, 100, 6)]),
        "list_bbox_celeba.txt": ("6\nimage_id x_1 y_1 width height\n", RNG.integers(0, 200, (6, 4)).tolist()),
        "list_landmarks_align_celeba.txt": ("6\nlefteye_x lefteye_y nose_x nose_y\n",
                                            RNG.integers(0, 200, (6, 4)).tolist()),
        "list_attr_celeba.txt": ("6\n5_o_Clock_Shadow Arched_Eyebrows Bald \n",
                                 (RNG.integers(0, 2, (6, 3)) * 2 - 1).tolist()),
    }
    sums = {}
    for file, (head, rows) in tables.items():
        (base / file).write_text(head + "".join(f"{n} " + "  ".join(map(str, r)) + "\n" for n, r in zip(names, rows)))
        sums[file] = md5(base / file)
    patch_both(mp, "CelebA", lambda c: mp.setattr(c, "file_list", [(i, sums.get(f, m), f) for i, m, f in c.file_list]))
    return "CelebA"


@builder({}, {"background": False})
def omniglot(root, mp):
    base = root / "omniglot-py"
    sums = {}
    for part, alphabets in (("images_background", ["Greek", "Latin"]), ("images_evaluation", ["Kannada"])):
        for a in alphabets:
            for c in ("character01", "character02"):
                for i in range(2):
                    image_file(str(base / part / a / c / f"{a}{c}_{i}.png"), size=(6, 6), mode="L")
        (base / f"{part}.zip").write_bytes(part.encode())
        sums[part] = md5(base / f"{part}.zip")
    patch_both(mp, "Omniglot", lambda c: mp.setattr(c, "zips_md5", sums))
    return "Omniglot"


# ------------------------------------------------------------------------------ LFW, WIDER FACE
def lfw_layout(root, mp):
    base = root / "lfw-py"
    people = {"Ann_A": 2, "Bob_B": 1, "Cy_C": 2}
    for who, n in people.items():
        for i in range(1, n + 1):
            image_file(str(base / "lfw_funneled" / who / f"{who}_{i:04d}.jpg"))
    (base / "lfw-funneled.tgz").write_bytes(b"stand-in")
    (base / "lfw-names.txt").write_text("".join(f"{w}\t{n}\n" for w, n in people.items()))
    (base / "people.txt").write_text("2\n2\nAnn_A\t2\nBob_B\t1\n1\nCy_C\t2\n")
    (base / "peopleDevTest.txt").write_text("1\nCy_C\t1\n")
    (base / "pairs.txt").write_text("2\t1\nAnn_A\t1\t2\nBob_B\t1\tCy_C\t2\nCy_C\t1\t2\nAnn_A\t2\tBob_B\t1\n")
    (base / "pairsDevTrain.txt").write_text("1\nCy_C\t2\t1\nBob_B\t1\tAnn_A\t1\n")
    sums = {n: md5(base / n) for n in ("lfw-names.txt", "people.txt", "peopleDevTest.txt", "pairs.txt",
                                        "pairsDevTrain.txt")}
    for name in ("LFWPeople", "LFWPairs"):
        patch_both(mp, name, lambda c: (mp.setattr(c, "checksums", {**c.checksums, **sums}),
                                        mp.setitem(c.file_dict, "funneled", ("lfw_funneled", "lfw-funneled.tgz",
                                                                             md5(base / "lfw-funneled.tgz")))))


@builder({}, {"split": "test"})
def lfw_people(root, mp):
    lfw_layout(root, mp)
    return "LFWPeople"


@builder({}, {"split": "train"})
def lfw_pairs(root, mp):
    lfw_layout(root, mp)
    return "LFWPairs"


@builder({}, {"split": "val"}, {"split": "test"})
def widerface(root, mp):
    base = root / "widerface"
    for part in ("WIDER_train", "WIDER_val", "WIDER_test", "wider_face_split"):
        (base / part).mkdir(parents=True)
    names = ["0--Parade/a.jpg", "1--Handshaking/b.jpg"]
    for part in ("train", "val", "test"):
        for n in names:
            image_file(str(base / f"WIDER_{part}" / "images" / n))
    gt = "".join(f"{n}\n{k}\n" + "".join(" ".join(map(str, RNG.integers(0, 9, 10))) + " \n"[:1] + "\n"
                                          for _ in range(max(k, 1))) for n, k in zip(names, (2, 0)))
    (base / "wider_face_split" / "wider_face_train_bbx_gt.txt").write_text(gt)
    (base / "wider_face_split" / "wider_face_val_bbx_gt.txt").write_text(gt)
    (base / "wider_face_split" / "wider_face_test_filelist.txt").write_text("\n".join(names) + "\n")
    return "WIDERFace"


# ------------------------------------------------------------------------------ Kitti, Places365, MovingMNIST
@builder({}, {"train": False})
def kitti(root, mp):
    raw = root / "Kitti" / "raw"
    for loc in ("training", "testing"):
        for i in range(2):
            image_file(str(raw / loc / "image_2" / f"{i:06d}.png"))
    (raw / "training" / "label_2").mkdir()
    (raw / "training" / "label_2" / "000000.txt").write_text(
        "Car 0.00 0 -1.58 587.01 173.33 614.12 200.12 1.65 1.67 3.64 -0.65 1.71 46.70 -1.59\n"
        "Pedestrian 0.50 1 0.20 1.0 2.0 3.0 4.0 1.5 0.5 0.6 1.0 2.0 3.0 0.1\n")
    (raw / "training" / "label_2" / "000001.txt").write_text("DontCare -1 -1 -10 1 2 3 4 -1 -1 -1 -1000 -1000 -1000 -10\n")
    return "Kitti"


@builder({}, {"split": "val", "small": True}, {"split": "test"})
def places365(root, mp):
    (root / "categories_places365.txt").write_text("/a/airfield 0\n/a/alley 1\n/b/bar 2\n")
    lists = {"places365_train_standard.txt": "/a/airfield/00000001.jpg 0\n/b/bar/00000002.jpg 2\n",
             "places365_val.txt": "Places365_val_00000001.jpg 1\n",
             "places365_test.txt": "Places365_test_00000001.jpg\n"}
    for name, text in lists.items():
        (root / name).write_text(text)
    image_file(str(root / "data_large_standard" / "a" / "airfield" / "00000001.jpg"))
    image_file(str(root / "data_large_standard" / "b" / "bar" / "00000002.jpg"))
    image_file(str(root / "val_256" / "Places365_val_00000001.jpg"))
    image_file(str(root / "test_large" / "Places365_test_00000001.jpg"))
    sums = {split: (name, md5(root / name)) for split, name in
            (("train-standard", "places365_train_standard.txt"), ("val", "places365_val.txt"),
             ("test", "places365_test.txt"))}
    patch_both(mp, "Places365", lambda c: (mp.setattr(c, "_FILE_LIST_META", {**c._FILE_LIST_META, **sums}),
                                           mp.setattr(c, "_CATEGORIES_META", ("categories_places365.txt",
                                                                              md5(root / "categories_places365.txt")))))
    return "Places365"


@builder({}, {"split": "train", "split_ratio": 3}, {"split": "test", "split_ratio": 3})
def moving_mnist(root, mp):
    (root / "MovingMNIST").mkdir()
    np.save(root / "MovingMNIST" / "mnist_test_seq.npy", RNG.integers(0, 256, (5, 3, 64, 64)).astype(np.uint8))
    return "MovingMNIST"


# ------------------------------------------------------------------------------ captions: Flickr8k/30k, SBU
@builder({"ann_file": lambda root: str(root / "Flickr8k.html")})
def flickr8k(root, mp):
    rows = ""
    for photo, caps in (("2000", ["a dog runs", "a brown dog"]), ("1000", ["two kids"]), ("3000", None)):
        image_file(str(root / f"{photo}_abcdef.jpg"))
        if caps is None:
            rows += "<tr><td>Image Not Found</td></tr>"
        else:
            items = "".join(f"<li>{c} </li>" for c in caps)
            rows += f'<tr><td><a href="x">http://www.flickr.com/photos/user/{photo}/</a></td><td><ul>{items}</ul></td></tr>'
    (root / "Flickr8k.html").write_text(f"<html><body><table>{rows}</table></body></html>")
    return "Flickr8k"


@builder({"ann_file": lambda root: str(root / "results_20130124.token")})
def flickr30k(root, mp):
    lines = ["22.jpg#0\ta man", "11.jpg#0\ta cat", "22.jpg#1\ta person standing"]
    (root / "results_20130124.token").write_text("\n".join(lines) + "\n")
    for name in ("11.jpg", "22.jpg"):
        image_file(str(root / name))
    return "Flickr30k"


@builder({"download": False})
def sbu(root, mp):
    folder = root / "dataset"
    folder.mkdir()
    (folder / "SBU_captioned_photo_dataset_urls.txt").write_text(
        "http://static.flickr.com/1/a.jpg\nhttp://static.flickr.com/2/gone.jpg\nhttp://static.flickr.com/3/b.jpg\n")
    (folder / "SBU_captioned_photo_dataset_captions.txt").write_text("first\nsecond\nthird\n")
    image_file(str(folder / "a.jpg"))
    image_file(str(folder / "b.jpg"))
    (root / "SBUCaptionedPhotoDataset.tar.gz").write_bytes(b"stand-in")
    patch_both(mp, "SBU", lambda c: mp.setattr(c, "md5_checksum", md5(root / "SBUCaptionedPhotoDataset.tar.gz")))
    return "SBU"


# ------------------------------------------------------------------------------ CLEVR, RenderedSST2, PCAM
@builder({}, {"split": "test"})
def clevr(root, mp):
    base = root / "clevr" / "CLEVR_v1.0"
    (base / "scenes").mkdir(parents=True)
    scenes = []
    for split in ("train", "test"):
        for i in range(2):
            name = f"CLEVR_{split}_{i:06d}.png"
            image_file(str(base / "images" / split / name))
            scenes.append({"image_filename": name, "objects": [{}] * (i + 3)})
    (base / "scenes" / "CLEVR_train_scenes.json").write_text(json.dumps({"scenes": scenes}))
    return "CLEVRClassification"


@builder({}, {"split": "val"})
def rendered_sst2(root, mp):
    for folder in ("train", "valid"):
        for cls in ("negative", "positive"):
            image_file(str(root / "rendered-sst2" / folder / cls / f"{folder}_{cls}.png"))
    return "RenderedSST2"


@builder({}, {"split": "val"})
def pcam(root, mp):
    h5py = pytest.importorskip("h5py")  # PCAM's optional dependency (the `pcam` extra)
    for split, x_name, y_name in (("train", "camelyonpatch_level_2_split_train_x.h5", "camelyonpatch_level_2_split_train_y.h5"),
                                  ("val", "camelyonpatch_level_2_split_valid_x.h5", "camelyonpatch_level_2_split_valid_y.h5")):
        (root / "pcam").mkdir(exist_ok=True)
        with h5py.File(root / "pcam" / x_name, "w") as f:
            f["x"] = RNG.integers(0, 256, (3, 96, 96, 3)).astype(np.uint8)
        with h5py.File(root / "pcam" / y_name, "w") as f:
            f["y"] = RNG.integers(0, 2, (3, 1, 1, 1)).astype(np.uint8)
    return "PCAM"


# ------------------------------------------------------------------------------ Cityscapes, SBD
@builder({}, {"split": "val", "target_type": ["semantic", "polygon", "color"]},
         {"mode": "coarse", "split": "train_extra", "target_type": "semantic"})
def cityscapes(root, mp):
    for gt, split in (("gtFine", "train"), ("gtFine", "val"), ("gtCoarse", "train_extra")):
        for city in ("aachen", "bonn"):
            stem = f"{city}_000000_000019"
            image_file(str(root / "leftImg8bit" / split / city / f"{stem}_leftImg8bit.png"))
            for kind in ("instanceIds", "labelIds", "color"):
                image_file(str(root / gt / split / city / f"{stem}_{gt}_{kind}.png"), mode="L" if kind != "color" else "RGB")
            (root / gt / split / city / f"{stem}_{gt}_polygons.json").write_text(
                json.dumps({"imgHeight": 4, "objects": [{"label": "road", "polygon": [[0, 0], [1, 2]]}]}))
    return "Cityscapes"


@builder({"mode": "segmentation"}, {"image_set": "val"})
def sbd(root, mp):
    import scipy.io
    import scipy.sparse
    for split, names in (("train", ["2008_000002", "2008_000003"]), ("val", ["2008_000007"])):
        (root / f"{split}.txt").write_text("\n".join(names) + "\n")
        for n in names:
            image_file(str(root / "img" / f"{n}.jpg"))
            bounds = np.empty((20, 1), dtype=object)
            for i in range(20):
                bounds[i, 0] = scipy.sparse.csc_matrix(RNG.integers(0, 2, (4, 5)).astype(np.uint8))
            (root / "cls").mkdir(exist_ok=True)
            scipy.io.savemat(root / "cls" / f"{n}.mat", {"GTcls": {"Segmentation": RNG.integers(0, 21, (4, 5)).astype(np.uint8),
                                                                   "Boundaries": bounds}})
    return "SBDataset"


# ------------------------------------------------------------------------------ iNaturalist
@builder({}, {"target_type": ["full", "kingdom", "genus"]}, {"version": "2019", "target_type": ["super", "full"]},
         {"version": "2017", "target_type": "super"})
def inaturalist(root, mp):
    for i, name in enumerate(["Animalia_Chordata_Aves_Passeriformes_Corvidae_Corvus_corax",
                              "Animalia_Chordata_Aves_Passeriformes_Paridae_Parus_major",
                              "Plantae_Tracheophyta_Magnoliopsida_Rosales_Rosaceae_Rosa_canina"]):
        for j in range(2 - i % 2):
            image_file(str(root / "2021_train" / f"{i:05d}_{name}" / f"{j}.jpg"))
    for version in ("2019", "2017"):
        for sup, subs in (("Birds", ["2", "0"]), ("Plants", ["1"])):
            for sub in subs:
                image_file(str(root / version / sup / sub / f"{sup}{sub}.jpg"))
    return "INaturalist"


# ------------------------------------------------------------------------------ PhotoTour
@builder({"name": "yosemite"}, {"name": "yosemite", "train": False})
def phototour(root, mp):
    base = root / "yosemite"
    base.mkdir()
    for i in range(2):  # two bitmaps of 2 x 3 patches each
        Image.fromarray(RNG.integers(0, 256, (128, 192)).astype(np.uint8)).save(base / f"patches{i:04d}.bmp")
    (base / "info.txt").write_text("".join(f"{i // 2} 0\n" for i in range(12)))
    (base / "m50_100000_100000_0.txt").write_text("0 0 0 1 0 0 0\n2 1 0 7 3 0 0\n5 2 0 4 2 0 0\n")
    mp.setitem(T.PhotoTour.lens, "yosemite", 11)  # as the real lens trims the last bitmap's padding patches
    mp.setitem(E.PhotoTour.lens, "yosemite", 11)
    return "PhotoTour"


# ------------------------------------------------------------------------------ optical flow
def flo_file(path, h=4, w=5):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(b"PIEH" + np.array([w, h], "<i4").tobytes() + RNG.normal(size=(h, w, 2)).astype("<f4").tobytes())


def pfm_file(path, h=4, w=5, little=True):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(b"PF\n%d %d\n%s\n" % (w, h, b"-1.0" if little else b"1.0"))
        f.write(RNG.normal(size=(h, w, 3)).astype("<f4" if little else ">f4").tobytes())


@builder({}, {"pass_name": "both"}, {"split": "test"})
def sintel(root, mp):
    base = root / "Sintel"
    for split in ("training", "test"):
        for name in ("clean", "final"):
            for scene in ("alley_1", "bamboo_2"):
                for i in range(1, 4):
                    image_file(str(base / split / name / scene / f"frame_{i:04d}.png"))
    for scene in ("alley_1", "bamboo_2"):
        for i in range(1, 3):
            flo_file(str(base / "training" / "flow" / scene / f"frame_{i:04d}.flo"))
    return "Sintel"


@builder({}, {"split": "val"})
def flying_chairs(root, mp):
    data = root / "FlyingChairs" / "data"
    for i in range(1, 4):
        image_file(str(data / f"{i:05d}_img1.ppm"), fmt="PPM")
        image_file(str(data / f"{i:05d}_img2.ppm"), fmt="PPM")
        flo_file(str(data / f"{i:05d}_flow.flo"))
    (root / "FlyingChairs" / "FlyingChairs_train_val.txt").write_text("1\n2\n1\n")
    return "FlyingChairs"


@builder({}, {"pass_name": "both", "camera": "both"})
def flying_things(root, mp):
    base = root / "FlyingThings3D"
    for seq in ("A/0000", "B/0001"):
        for name in ("frames_cleanpass", "frames_finalpass"):
            for cam in ("left", "right"):
                for i in range(6, 9):
                    image_file(str(base / name / "TRAIN" / seq / cam / f"{i:04d}.png"))
        for direction in ("into_future", "into_past"):
            for cam in ("left", "right"):
                for i in range(6, 9):
                    pfm_file(str(base / "optical_flow" / "TRAIN" / seq / direction / cam / f"OpticalFlow{i:04d}.pfm"),
                             little=i % 2 == 0)
    return "FlyingThings3D"


# ------------------------------------------------------------------------------ stereo matching
def pfm1(path, h=4, w=5):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(b"Pf\n%d %d\n-1.0\n" % (w, h) + RNG.normal(size=(h, w)).astype("<f4").tobytes())


def png16(path, h=4, w=5, high=65536):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    Image.fromarray(RNG.integers(1, high, (h, w)).astype(np.uint16)).save(path)


@builder({})
def carla(root, mp):
    for scene in ("a", "b"):
        base = root / "carla-highres" / "trainingF" / scene
        for i in (0, 1):
            image_file(str(base / f"im{i}.png"))
            pfm1(str(base / f"disp{i}GT.pfm"))
    return "CarlaStereo"


@builder({}, {"split": "test"})
def kitti2012(root, mp):
    for split in ("training", "testing"):
        base = root / "Kitti2012" / split
        for i in range(2):
            image_file(str(base / "colored_0" / f"{i:06d}_10.png"))
            image_file(str(base / "colored_1" / f"{i:06d}_10.png"), mode="L")
            png16(str(base / "disp_noc" / f"{i:06d}_10.png"))
    return "Kitti2012Stereo"


@builder({})
def kitti2015(root, mp):
    base = root / "Kitti2015" / "training"
    for i in range(2):
        for d in ("image_2", "image_3"):
            image_file(str(base / d / f"{i:06d}_10.png"))
        for d in ("disp_occ_0", "disp_occ_1"):
            png16(str(base / d / f"{i:06d}_10.png"))
    return "Kitti2015Stereo"


@builder({})
def crestereo(root, mp):
    for part in ("shapenet", "reflective", "tree", "hole"):
        for side in ("left", "right"):
            image_file(str(root / "CREStereo" / part / f"x_{side}.jpg"))
            png16(str(root / "CREStereo" / part / f"x_{side}.disp.png"))
    return "CREStereo"


@builder({}, {"variant": "both"})
def falling_things(root, mp):
    for folder in ("single/obj/kitchen_0", "mixed/kitchen_1"):
        base = root / "FallingThings" / folder
        for side in ("left", "right"):
            image_file(str(base / f"000000.{side}.jpg"))
            png16(str(base / f"000000.{side}.depth.png"), high=5000)
        (base / "_camera_settings.json").write_text(json.dumps(
            {"camera_settings": [{"intrinsic_settings": {"fx": 768.2}}]}))
    return "FallingThingsStereo"


@builder({}, {"variant": "Monkaa", "pass_name": "both"})
def sceneflow(root, mp):
    for variant, prefix in (("FlyingThings3D", "TRAIN/A/0000"), ("Monkaa", "eating_x2")):
        base = root / "SceneFlow" / variant
        for p in ("frames_cleanpass", "frames_finalpass"):
            for side in ("left", "right"):
                image_file(str(base / p / prefix / side / "0006.png"))
        for side in ("left", "right"):
            pfm1(str(base / "disparity" / prefix / side / "0006.pfm"))
    return "SceneFlowStereo"


@builder({}, {"pass_name": "both"})
def sintel_stereo(root, mp):
    base = root / "Sintel" / "training"
    for scene in ("alley_1", "bamboo_2"):
        for p in ("final", "clean"):
            for side in ("left", "right"):
                image_file(str(base / f"{p}_{side}" / scene / "frame_0001.png"))
        image_file(str(base / "disparities" / scene / "frame_0001.png"))
        image_file(str(base / "occlusions" / scene / "frame_0001.png"), mode="L")
        image_file(str(base / "outofframe" / scene / "frame_0001.png"), mode="L")
    return "SintelStereo"


@builder({})
def instereo2k(root, mp):
    for scene in ("000001", "000002"):
        base = root / "InStereo2k" / "train" / scene
        for side in ("left", "right"):
            image_file(str(base / f"{side}.png"))
            png16(str(base / f"{side}_disp.png"))
    return "InStereo2k"


@builder({}, {"split": "test"})
def eth3d(root, mp):
    for split in ("two_view_training", "two_view_test"):
        for scene in ("delivery_area_1l", "electro_1l"):
            for i in (0, 1):
                image_file(str(root / "ETH3D" / split / scene / f"im{i}.png"))
    for scene in ("delivery_area_1l", "electro_1l"):
        pfm1(str(root / "ETH3D" / "two_view_training_gt" / scene / "disp0GT.pfm"))
        image_file(str(root / "ETH3D" / "two_view_training_gt" / scene / "mask0nocc.png"), mode="L")
    return "ETH3DStereo"


@builder({}, {"calibration": "both"}, {"split": "test", "calibration": None})
def middlebury(root, mp):
    for split, scenes in (("train", ["Adirondack-perfect", "Adirondack-imperfect", "Piano-perfect"]),
                          ("test", ["Plants", "Hoops"])):
        for scene in scenes:
            base = root / "Middlebury2014" / split / scene
            for i in (0, 1):
                image_file(str(base / f"im{i}.png"))
                if split == "train":
                    pfm1(str(base / f"disp{i}.pfm"))
    return "Middlebury2014Stereo"


# ------------------------------------------------------------------------------ the harness (after every builder)
@pytest.mark.parametrize("case", sorted(BUILDERS))
def test_matches_torchvision(case, tmp_path, monkeypatch):
    build, kwargs = BUILDERS[case]
    name = build(tmp_path, monkeypatch)
    kwargs = {k: (v(tmp_path) if callable(v) else v) for k, v in kwargs.items()}  # paths below tmp_path
    tv, em = getattr(T, name)(str(tmp_path), **kwargs), getattr(E, name)(str(tmp_path), **kwargs)
    assert len(em) == len(tv) > 0
    assert repr(em) == repr(tv)
    for i in range(len(tv)):
        same(em[i], tv[i], f"{case}[{i}]")
    for attr in ("classes", "class_to_idx", "bin_classes"):
        if hasattr(tv, attr):
            same(getattr(em, attr), getattr(tv, attr), attr)
    for attr in ("data", "targets", "labels"):
        if isinstance(getattr(tv, attr, None), (torch.Tensor, np.ndarray, list)):
            same(getattr(em, attr), getattr(tv, attr), attr)


# ------------------------------------------------------------------------------ what torchvision rejects, Ember rejects
MISSING = [("SVHN", {}), ("STL10", {}), ("USPS", {}), ("SEMEION", {"download": False}), ("Flowers102", {}),
           ("OxfordIIITPet", {}), ("Food101", {}), ("DTD", {}), ("EuroSAT", {}), ("GTSRB", {}), ("Country211", {}),
           ("FER2013", {}), ("KMNIST", {}), ("Caltech256", {}), ("FGVCAircraft", {}),
           ("StanfordCars", {}), ("Imagenette", {}), ("SUN397", {}), ("VOCDetection", {}),
           ("VOCSegmentation", {}), ("CelebA", {}), ("Omniglot", {}), ("LFWPeople", {}),
           ("LFWPairs", {}), ("WIDERFace", {}), ("Kitti", {}), ("Places365", {}),
           ("MovingMNIST", {}), ("CLEVRClassification", {}), ("RenderedSST2", {}), ("Cityscapes", {}),
           ("SBDataset", {}), ("EMNIST", {"split": "digits"}), ("QMNIST", {})]


@pytest.mark.parametrize("name,kwargs", MISSING, ids=[m[0] for m in MISSING])
def test_missing_dataset_errors_alike(name, kwargs, tmp_path):
    with pytest.raises(Exception) as tv_err:
        getattr(T, name)(str(tmp_path), **kwargs)
    with pytest.raises(tv_err.type):
        getattr(E, name)(str(tmp_path), **kwargs)


@pytest.mark.parametrize("name,kwargs", [("SVHN", {"split": "valid"}), ("EMNIST", {"split": "all"}),
                                         ("QMNIST", {"what": "val"}), ("STL10", {"split": "x"}),
                                         ("STL10", {"folds": 10}), ("DTD", {"split": "trainval"}),
                                         ("Cityscapes", {"mode": "coarse", "split": "test"}),
                                         ("VOCDetection", {"year": "2012", "image_set": "test"}),
                                         ("Imagenette", {"size": "80px"})])
def test_bad_split_errors_alike(name, kwargs, tmp_path):
    with pytest.raises(ValueError) as tv_err:
        getattr(T, name)(str(tmp_path), **kwargs)
    with pytest.raises(ValueError) as em_err:
        getattr(E, name)(str(tmp_path), **kwargs)
    assert str(em_err.value) == str(tv_err.value)


def test_imagenet_builds_meta_from_the_devkit(tmp_path, monkeypatch):
    """Without meta.bin, both libraries build it from the devkit archive; each reads the other's."""
    import io
    import tarfile
    import scipy.io
    fields = ["ILSVRC2012_ID", "WNID", "words", "gloss", "num_children", "children", "wordnet_height",
              "num_train_images"]
    synsets = np.zeros(3, dtype=[(f, object) for f in fields])
    for i, (wnid, words, kids) in enumerate([("n01440764", "tench, Tinca tinca", 0),
                                             ("n01443537", "goldfish, Carassius auratus", 0),
                                             ("n00000001", "fish", 2)]):
        synsets[i] = (i + 1, wnid, words, "", kids, np.zeros(0), 0, 1)
    mat = io.BytesIO()
    scipy.io.savemat(mat, {"synsets": synsets})
    with tarfile.open(tmp_path / "ILSVRC2012_devkit_t12.tar.gz", "w:gz") as tar:
        for name, payload in (("data/meta.mat", mat.getvalue()), ("data/ILSVRC2012_validation_ground_truth.txt", b"2\n1\n")):
            info = tarfile.TarInfo("ILSVRC2012_devkit_t12/" + name)
            info.size = len(payload)
            tar.addfile(info, io.BytesIO(payload))
    digest = md5(tmp_path / "ILSVRC2012_devkit_t12.tar.gz")
    import torchvision.datasets.imagenet as tv_imagenet
    import ember.vision.datasets.imagenet as em_imagenet
    for module in (tv_imagenet, em_imagenet):
        monkeypatch.setitem(module.ARCHIVE_META, "devkit", ("ILSVRC2012_devkit_t12.tar.gz", digest))
    em_imagenet.parse_devkit_archive(str(tmp_path))
    ours = tv_imagenet.load_meta_file(str(tmp_path))  # torchvision reads Ember's meta.bin
    tv_imagenet.parse_devkit_archive(str(tmp_path))
    theirs = em_imagenet.load_meta_file(str(tmp_path))  # and Ember torchvision's
    assert ours == theirs == ({"n01440764": ("tench", "Tinca tinca"), "n01443537": ("goldfish", "Carassius auratus")},
                              ["n01443537", "n01440764"])


def test_coco_detection_and_captions(tmp_path):
    """torchvision reads COCO through pycocotools (not installed here): the expected targets are pycocotools'
    indexing written out: images by sorted id, each with its annotations in file order."""
    images = [{"id": 9, "file_name": "b.jpg"}, {"id": 3, "file_name": "a.jpg"}, {"id": 5, "file_name": "c.jpg"}]
    anns = [{"id": 1, "image_id": 9, "bbox": [1, 2, 3, 4], "category_id": 18, "caption": "a dog"},
            {"id": 7, "image_id": 3, "bbox": [0, 0, 2, 2], "category_id": 1, "caption": "a person"},
            {"id": 2, "image_id": 9, "bbox": [2, 2, 1, 1], "category_id": 1, "caption": "two things"}]
    for img in images:
        image_file(str(tmp_path / "imgs" / img["file_name"]))
    (tmp_path / "ann.json").write_text(json.dumps({"images": images, "annotations": anns, "categories": []}))
    det = E.CocoDetection(str(tmp_path / "imgs"), str(tmp_path / "ann.json"))
    assert det.ids == [3, 5, 9] and len(det) == 3
    img, target = det[2]
    np.testing.assert_array_equal(np.asarray(img), np.asarray(Image.open(tmp_path / "imgs" / "b.jpg").convert("RGB")))
    assert target == [anns[0], anns[2]] and det[1][1] == []
    cap = E.CocoCaptions(str(tmp_path / "imgs"), str(tmp_path / "ann.json"), transform=np.asarray)
    assert cap[0][1] == ["a person"] and cap[2][1] == ["a dog", "two things"] and isinstance(cap[0][0], np.ndarray)
    with pytest.raises(ValueError, match="Index must be of type integer"):
        det[np.int64(0)]


# ------------------------------------------------------------------------------ download=True (a stand-in network)
def _tv(module, attr):
    import importlib
    return getattr(importlib.import_module(f"torchvision.datasets.{module}"), attr)


FIRST_URL = [  # (dataset, kwargs, the first URL torchvision's class fetches)
    ("KMNIST", {}, lambda: T.KMNIST.mirrors[0] + T.KMNIST.resources[0][0]),
    ("EMNIST", {"split": "mnist"}, lambda: T.EMNIST.url),
    ("QMNIST", {"what": "nist"}, lambda: T.QMNIST.resources["nist"][0][0]),
    ("SVHN", {"split": "extra"}, lambda: T.SVHN.split_list["extra"][0]),
    ("STL10", {}, lambda: T.STL10.url),
    ("USPS", {"train": False}, lambda: T.USPS.split_list["test"][0]),
    ("SEMEION", {}, lambda: T.SEMEION.url),
    ("Flowers102", {}, lambda: T.Flowers102._download_url_prefix + T.Flowers102._file_dict["image"][0]),
    ("OxfordIIITPet", {}, lambda: T.OxfordIIITPet._RESOURCES[0][0]),
    ("Food101", {}, lambda: T.Food101._URL),
    ("DTD", {}, lambda: T.DTD._URL),
    ("EuroSAT", {}, lambda: "https://huggingface.co/datasets/torchgeo/eurosat/resolve/"
                            "c877bcd43f099cd0196738f714544e355477f3fd/EuroSAT.zip"),
    ("GTSRB", {"split": "test"}, lambda: "https://sid.erda.dk/public/archives/daaeac0d7ce1152aea9b61d9f1e19370/"
                                         "GTSRB_Final_Test_Images.zip"),
    ("Country211", {}, lambda: T.Country211._URL),
    ("Caltech101", {}, lambda: "https://data.caltech.edu/records/mzrjq-6wc02/files/caltech-101.zip"),
    ("Caltech256", {}, lambda: "https://data.caltech.edu/records/nyy15-4j048/files/256_ObjectCategories.tar"),
    ("FGVCAircraft", {}, lambda: T.FGVCAircraft._URL),
    ("Imagenette", {"size": "160px"}, lambda: T.Imagenette._ARCHIVES["160px"][0]),
    ("SUN397", {}, lambda: T.SUN397._DATASET_URL),
    ("VOCDetection", {"year": "2007", "image_set": "test"}, lambda: _tv("voc", "DATASET_YEAR_DICT")["2007-test"]["url"]),
    ("VOCSegmentation", {}, lambda: _tv("voc", "DATASET_YEAR_DICT")["2012"]["url"]),
    ("Omniglot", {}, lambda: T.Omniglot.download_url_prefix + "/images_background.zip"),
    ("Kitti", {}, lambda: T.Kitti.data_url + T.Kitti.resources[0]),
    ("Places365", {"split": "val"}, lambda: T.Places365._BASE_URL + T.Places365._DEVKIT_META["standard"][0]),
    ("MovingMNIST", {}, lambda: T.MovingMNIST._URL),
    ("CLEVRClassification", {}, lambda: T.CLEVRClassification._URL),
    ("RenderedSST2", {}, lambda: T.RenderedSST2._URL),
    ("INaturalist", {"version": "2021_valid"}, lambda: _tv("inaturalist", "DATASET_URLS")["2021_valid"]),
    ("SBU", {}, lambda: T.SBU.url),
    ("CelebA", {}, lambda: "https://drive.usercontent.google.com/download?id=" + T.CelebA.file_list[0][0] +
                           "&export=download&confirm=t"),
]


@pytest.mark.parametrize("name,kwargs,url", FIRST_URL, ids=[f[0] for f in FIRST_URL])
def test_download_offline_asks_torchvisions_url(name, kwargs, url, tmp_path, served):
    """Offline, download=True fails with a RuntimeError after asking for the file torchvision would fetch."""
    with pytest.raises(RuntimeError, match="Could not download"):
        getattr(E, name)(str(tmp_path), download=True, **kwargs)
    assert served.requests[0] == url()


def _archive(src, dest, arcroot, kind):
    """Pack the folder `src/arcroot` as a .tar.gz, .tar or .zip at `dest`; return its bytes."""
    import shutil
    import tarfile
    import zipfile
    if kind == "zip":
        with zipfile.ZipFile(dest, "w") as z:
            for p in sorted((src / arcroot).rglob("*")):
                z.write(p, p.relative_to(src))
    else:
        with tarfile.open(dest, "w:gz" if kind == "tgz" else "w") as tar:
            tar.add(src / arcroot, arcname=arcroot)
    shutil.rmtree(src / arcroot)
    return dest.read_bytes()


@pytest.mark.parametrize("name", ["SVHN", "Food101", "DTD", "Caltech256", "EuroSAT"])
def test_download_round_trip(name, tmp_path, served, monkeypatch):
    """Serve the official archive (a fake one, built from the same layout) at torchvision's URL, with its MD5
    patched in: download=True fetches, checks and unpacks it into the layout torchvision reads."""
    src, dest = tmp_path / "src", tmp_path / "dest"
    src.mkdir()
    build, kwargs = BUILDERS[{"SVHN": "svhn-0", "Food101": "food101-0", "DTD": "dtd-0", "Caltech256": "caltech256-0",
                              "EuroSAT": "eurosat-0"}[name]]
    build(src, monkeypatch)
    reference = getattr(T, name)(str(src), **kwargs)
    expected = [(np.asarray(img), y) for img, y in reference]
    if name == "SVHN":
        url, _, digest = T.SVHN.split_list["train"]
        served.files[url] = (src / "train_32x32.mat").read_bytes()
    else:
        url, arcroot, kind, where = {
            "Food101": (T.Food101._URL, "food-101", "tgz", "_MD5"),
            "DTD": (T.DTD._URL, "dtd", "tgz", "_MD5"),
            "Caltech256": (FIRST_URL[15][2](), "256_ObjectCategories", "tar", None),
            "EuroSAT": (FIRST_URL[11][2](), "2750", "zip", "md5"),
        }[name]
        inner = {"DTD": src / "dtd", "Caltech256": src / "caltech256", "EuroSAT": src / "eurosat"}.get(name, src)
        served.files[url] = _archive(inner, tmp_path / "archive", arcroot, kind)
        digest = hashlib.md5(served.files[url]).hexdigest()
        if where:
            monkeypatch.setattr(getattr(E, name), where, digest)
        else:  # Caltech256 names its checksum inline, as torchvision does: accept any file for this test
            import ember.vision.datasets.caltech as caltech
            real = caltech.download_and_extract_archive
            monkeypatch.setattr(caltech, "download_and_extract_archive",
                                lambda url, root, filename=None, md5=None: real(url, root, filename=filename))
    ds = getattr(E, name)(str(dest), download=True, **kwargs)
    assert served.requests == [url]
    got = [(np.asarray(img), y) for img, y in ds]
    assert len(got) == len(expected)
    for (a, y), (b, z) in zip(got, expected):
        np.testing.assert_array_equal(a, b)
        assert y == z


def test_phototour_cache_is_torchvisions(tmp_path, monkeypatch):
    """Ember cuts the patches and writes root/<name>.pt itself; torchvision reads that file as its own cache
    and finds what it would have built."""
    ours, theirs = tmp_path / "ours", tmp_path / "theirs"
    for root in (ours, theirs):
        root.mkdir()
        state = RNG.bit_generator.state
        phototour(root, monkeypatch)
        RNG.bit_generator.state = state  # the same patches in both roots
    E.PhotoTour(str(ours), "yosemite")  # writes ours/yosemite.pt
    from_ember = T.PhotoTour(str(ours), "yosemite", train=False)
    built = T.PhotoTour(str(theirs), "yosemite", train=False)
    for a, b in zip((from_ember.data, from_ember.labels, from_ember.matches), (built.data, built.labels, built.matches)):
        assert a.dtype == b.dtype and torch.equal(a, b)
