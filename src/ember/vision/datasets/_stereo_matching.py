"""Stereo-matching datasets (torchvision.datasets._stereo_matching): each sample is (left image, right image,
left disparity (1, H, W) float array or None[, valid mask])."""
import json
import os
import random
import shutil
from glob import glob
from pathlib import Path

import numpy as np
from PIL import Image

from .utils import _read_pfm, download_and_extract_archive, verify_str_arg
from .vision import VisionDataset

__all__ = ()


def _read_pfm_file(path):
    return _read_pfm(path, slice_channels=1)


class StereoMatchingDataset(VisionDataset):
    """Pairs of images (`_images`) and of disparity files (`_disparities`); `transforms` takes and returns
    (images, disparities, valid masks), each a pair. Datasets with a built-in mask always return four items."""
    _has_built_in_disparity_mask = False

    def __init__(self, root, transforms=None):
        super().__init__(root=root)
        self.transforms = transforms
        self._images, self._disparities = [], []

    def _read_img(self, path):
        img = Image.open(path)
        return img if img.mode == "RGB" else img.convert("RGB")

    def _scan_pairs(self, left_pattern, right_pattern=None):
        """The sorted files matching `left_pattern`, each paired with its match of `right_pattern` (or None)."""
        left = sorted(glob(left_pattern))
        right = sorted(glob(right_pattern)) if right_pattern else [None] * len(left)
        if not left:
            raise FileNotFoundError(f"Could not find any files matching the patterns: {left_pattern}")
        if not right:
            raise FileNotFoundError(f"Could not find any files matching the patterns: {right_pattern}")
        if len(left) != len(right):
            raise ValueError(f"Found {len(left)} left files but {len(right)} right files using:\n left pattern: "
                             f"{left_pattern}\nright pattern: {right_pattern}\n")
        return list(zip(left, right))

    def _read_disparity(self, path):
        raise NotImplementedError

    def __getitem__(self, index):
        imgs = tuple(self._read_img(p) for p in self._images[index])
        (d_left, m_left), (d_right, m_right) = (self._read_disparity(p) for p in self._disparities[index])
        dsp, masks = (d_left, d_right), (m_left, m_right)
        if self.transforms is not None:
            imgs, dsp, masks = self.transforms(imgs, dsp, masks)
        if self._has_built_in_disparity_mask or masks[0] is not None:
            return imgs[0], imgs[1], dsp[0], masks[0]
        return imgs[0], imgs[1], dsp[0]

    def __len__(self):
        return len(self._images)


def _scaled_png(path, scale, dtype=None):
    """A disparity PNG divided by its fixed-point scale, as (1, H, W); None stays None."""
    if path is None:
        return None, None
    return (np.asarray(Image.open(path), dtype=dtype) / scale)[None], None


def _abs_pfm(path):
    return np.abs(_read_pfm_file(path)), None


class CarlaStereo(StereoMatchingDataset):
    """CARLA high-res: root/carla-highres/trainingF/<scene>/{im0,im1}.png, disp{0,1}GT.pfm."""

    def __init__(self, root, transforms=None):
        super().__init__(root, transforms)
        base = Path(root) / "carla-highres" / "trainingF" / "*"
        self._images = self._scan_pairs(str(base / "im0.png"), str(base / "im1.png"))
        self._disparities = self._scan_pairs(str(base / "disp0GT.pfm"), str(base / "disp1GT.pfm"))

    def _read_disparity(self, path):
        return _abs_pfm(path)


class Kitti2012Stereo(StereoMatchingDataset):
    """KITTI 2012: root/Kitti2012/{training,testing}/colored_{0,1}/*_10.png, disp_noc/*.png (x256)."""
    _has_built_in_disparity_mask = True

    def __init__(self, root, split="train", transforms=None):
        super().__init__(root, transforms)
        verify_str_arg(split, "split", valid_values=("train", "test"))
        base = Path(root) / "Kitti2012" / (split + "ing")
        self._images = self._scan_pairs(str(base / "colored_0" / "*_10.png"), str(base / "colored_1" / "*_10.png"))
        self._disparities = (self._scan_pairs(str(base / "disp_noc" / "*.png")) if split == "train"
                             else [(None, None)] * len(self._images))

    def _read_disparity(self, path):
        return _scaled_png(path, 256.0)


class Kitti2015Stereo(StereoMatchingDataset):
    """KITTI 2015: root/Kitti2015/{training,testing}/image_{2,3}/*.png, disp_occ_{0,1}/*.png (x256)."""
    _has_built_in_disparity_mask = True

    def __init__(self, root, split="train", transforms=None):
        super().__init__(root, transforms)
        verify_str_arg(split, "split", valid_values=("train", "test"))
        base = Path(root) / "Kitti2015" / (split + "ing")
        self._images = self._scan_pairs(str(base / "image_2" / "*.png"), str(base / "image_3" / "*.png"))
        self._disparities = (self._scan_pairs(str(base / "disp_occ_0" / "*.png"), str(base / "disp_occ_1" / "*.png"))
                             if split == "train" else [(None, None)] * len(self._images))

    def _read_disparity(self, path):
        return _scaled_png(path, 256.0)


class CREStereo(StereoMatchingDataset):
    """CREStereo's synthetic scenes: root/CREStereo/{shapenet,reflective,tree,hole}/*_{left,right}.jpg and
    *_{left,right}.disp.png (x32)."""
    _has_built_in_disparity_mask = True

    def __init__(self, root, transforms=None):
        super().__init__(root, transforms)
        for part in ("shapenet", "reflective", "tree", "hole"):
            base = Path(root) / "CREStereo" / part
            self._images += self._scan_pairs(str(base / "*_left.jpg"), str(base / "*_right.jpg"))
            self._disparities += self._scan_pairs(str(base / "*_left.disp.png"), str(base / "*_right.disp.png"))

    def _read_disparity(self, path):
        return _scaled_png(path, 32.0, np.float32)


class FallingThingsStereo(StereoMatchingDataset):
    """Falling Things: root/FallingThings/{single/*/*,mixed/*}/*.{left,right}.jpg with depth PNGs turned into
    disparity through the camera's focal length (_camera_settings.json)."""

    def __init__(self, root, variant="single", transforms=None):
        super().__init__(root, transforms)
        verify_str_arg(variant, "variant", valid_values=("single", "mixed", "both"))
        prefix = {"single": Path("*") / "*", "mixed": Path("*")}
        for v in (["single", "mixed"] if variant == "both" else [variant]):
            base = Path(root) / "FallingThings" / v / prefix[v]
            self._images += self._scan_pairs(str(base / "*.left.jpg"), str(base / "*.right.jpg"))
            self._disparities += self._scan_pairs(str(base / "*.left.depth.png"), str(base / "*.right.depth.png"))

    def _read_disparity(self, path):
        depth = np.asarray(Image.open(path))
        with open(Path(path).parent / "_camera_settings.json") as f:
            focal = json.load(f)["camera_settings"][0]["intrinsic_settings"]["fx"]
        baseline, pixel_constant = 6, 100  # 6 cm between the cameras, depth stored in 1/100 cm
        return (baseline * focal * pixel_constant / depth.astype(np.float32))[None], None


class SceneFlowStereo(StereoMatchingDataset):
    """SceneFlow (FlyingThings3D, Driving, Monkaa): frames_{clean,final}pass/.../{left,right}/*.png and
    disparity/.../{left,right}/*.pfm below root/SceneFlow/<variant>."""

    def __init__(self, root, variant="FlyingThings3D", pass_name="clean", transforms=None):
        super().__init__(root, transforms)
        verify_str_arg(variant, "variant", valid_values=("FlyingThings3D", "Driving", "Monkaa"))
        verify_str_arg(pass_name, "pass_name", valid_values=("clean", "final", "both"))
        passes = {"clean": ["frames_cleanpass"], "final": ["frames_finalpass"],
                  "both": ["frames_cleanpass", "frames_finalpass"]}[pass_name]
        base = Path(root) / "SceneFlow" / variant
        prefix = Path("*") if variant == "Monkaa" else Path("*") / "*" / "*"
        for p in passes:
            self._images += self._scan_pairs(str(base / p / prefix / "left" / "*.png"),
                                             str(base / p / prefix / "right" / "*.png"))
            self._disparities += self._scan_pairs(str(base / "disparity" / prefix / "left" / "*.pfm"),
                                                  str(base / "disparity" / prefix / "right" / "*.pfm"))

    def _read_disparity(self, path):
        return _abs_pfm(path)


class SintelStereo(StereoMatchingDataset):
    """Sintel stereo: root/Sintel/training/{final,clean}_{left,right}/<scene>/*.png with RGB-encoded disparities
    and occlusion / out-of-frame masks beside them."""
    _has_built_in_disparity_mask = True

    def __init__(self, root, pass_name="final", transforms=None):
        super().__init__(root, transforms)
        verify_str_arg(pass_name, "pass_name", valid_values=("final", "clean", "both"))
        base = Path(root) / "Sintel" / "training"
        for p in (["final", "clean"] if pass_name == "both" else [pass_name]):
            self._images += self._scan_pairs(str(base / f"{p}_left" / "*" / "*.png"),
                                             str(base / f"{p}_right" / "*" / "*.png"))
            self._disparities += self._scan_pairs(str(base / "disparities" / "*" / "*.png"))

    def _get_occlussion_mask_paths(self, file_path):
        path = Path(file_path)
        sample_dir = path.parent.parent.parent
        occlusion = str(sample_dir / "occlusions" / path.parent.name / path.name)
        out_of_frame = str(sample_dir / "outofframe" / path.parent.name / path.name)
        for kind, p in (("Occlusion", occlusion), ("Out of frame", out_of_frame)):
            if not os.path.exists(p):
                raise FileNotFoundError(f"{kind} mask {p} does not exist")
        return occlusion, out_of_frame

    def _read_disparity(self, path):
        if path is None:
            return None, None
        rgb = np.asarray(Image.open(path), dtype=np.float32)
        # disparity = R * 4 + G / 2**6 + B / 2**14
        disparity = (rgb[..., 0:1] * 4 + rgb[..., 1:2] / 2 ** 6 + rgb[..., 2:3] / 2 ** 14).transpose(2, 0, 1)
        occlusion, out_of_frame = self._get_occlussion_mask_paths(path)
        valid = np.logical_and(np.asarray(Image.open(out_of_frame)) == 0, np.asarray(Image.open(occlusion)) == 0)
        return disparity, valid


class InStereo2k(StereoMatchingDataset):
    """InStereo2K: root/InStereo2k/<split>/<scene>/{left,right}.png and {left,right}_disp.png (x1024)."""

    def __init__(self, root, split="train", transforms=None):
        super().__init__(root, transforms)
        base = Path(root) / "InStereo2k" / split
        verify_str_arg(split, "split", valid_values=("train", "test"))
        self._images = self._scan_pairs(str(base / "*" / "left.png"), str(base / "*" / "right.png"))
        self._disparities = self._scan_pairs(str(base / "*" / "left_disp.png"), str(base / "*" / "right_disp.png"))

    def _read_disparity(self, path):
        return _scaled_png(path, 1024.0, np.float32)


class ETH3DStereo(StereoMatchingDataset):
    """ETH3D two-view: root/ETH3D/two_view_{training,test}/<scene>/im{0,1}.png, ground truth disp0GT.pfm and
    mask0nocc.png in two_view_training_gt/<scene>/."""
    _has_built_in_disparity_mask = True

    def __init__(self, root, split="train", transforms=None):
        super().__init__(root, transforms)
        verify_str_arg(split, "split", valid_values=("train", "test"))
        base = Path(root) / "ETH3D"
        images = base / ("two_view_training" if split == "train" else "two_view_test") / "*"
        self._images = self._scan_pairs(str(images / "im0.png"), str(images / "im1.png"))
        self._disparities = ([(None, None)] * len(self._images) if split == "test" else
                             self._scan_pairs(str(base / "two_view_training_gt" / "*" / "disp0GT.pfm")))

    def _read_disparity(self, path):
        if path is None:
            return None, None
        return np.abs(_read_pfm_file(path)), np.asarray(Image.open(Path(path).parent / "mask0nocc.png")).astype(bool)


class Middlebury2014Stereo(StereoMatchingDataset):
    """Middlebury 2014: root/Middlebury2014/<split>/<scene>[-perfect|-imperfect]/{im0,im1}.png, disp{0,1}.pfm;
    `use_ambient_views` picks the right image at random among im1.png and its other exposures/lightings."""
    splits = {
        "train": ["Adirondack", "Jadeplant", "Motorcycle", "Piano", "Pipes", "Playroom", "Playtable", "Recycle",
                  "Shelves", "Vintage"],
        "additional": ["Backpack", "Bicycle1", "Cable", "Classroom1", "Couch", "Flowers", "Mask", "Shopvac",
                       "Sticks", "Storage", "Sword1", "Sword2", "Umbrella"],
        "test": ["Plants", "Classroom2E", "Classroom2", "Australia", "DjembeL", "CrusadeP", "Crusade", "Hoops",
                 "Bicycle2", "Staircase", "Newkuba", "AustraliaP", "Djembe", "Livingroom", "Computer"],
    }
    _has_built_in_disparity_mask = True

    def __init__(self, root, split="train", calibration="perfect", use_ambient_views=False, transforms=None,
                 download=False):
        super().__init__(root, transforms)
        verify_str_arg(split, "split", valid_values=("train", "test", "additional"))
        self.split = split
        if calibration:
            verify_str_arg(calibration, "calibration", valid_values=("perfect", "imperfect", "both", None))
            if split == "test":
                raise ValueError("Split 'test' has only no calibration settings, please set `calibration=None`.")
        elif split != "test":
            raise ValueError(f"Split '{split}' has calibration settings, however None was provided as an argument."
                             f"\nSetting calibration to 'perfect' for split '{split}'. Available calibration settings "
                             f"are: 'perfect', 'imperfect', 'both'.")
        if download:
            self._download_dataset(root)
        base = Path(root) / "Middlebury2014"
        if not os.path.exists(base / split):
            raise FileNotFoundError(f"The {split} directory was not found in the provided root directory")
        if not any(scene.startswith(s) for scene in os.listdir(base / split) for s in self.splits[split]):
            raise FileNotFoundError(f"Provided root folder does not contain any scenes from the {split} split.")
        suffixes = {None: [""], "perfect": ["-perfect"], "imperfect": ["-imperfect"],
                    "both": ["-perfect", "-imperfect"]}[calibration]
        for suffix in suffixes:
            scenes = base / split / ("*" + suffix)
            self._images += self._scan_pairs(str(scenes / "im0.png"), str(scenes / "im1.png"))
            if split == "test":
                self._disparities = [(None, None)] * len(self._images)
            else:
                self._disparities += self._scan_pairs(str(scenes / "disp0.pfm"), str(scenes / "disp1.pfm"))
        self.use_ambient_views = use_ambient_views

    def _read_img(self, file_path):
        file_path = Path(file_path)
        if file_path.name == "im1.png" and self.use_ambient_views:
            views = [p for p in (file_path.parent / "im1E.png", file_path.parent / "im1L.png") if os.path.exists(p)]
            file_path = random.choice(views + [file_path])
        return super()._read_img(file_path)

    def _read_disparity(self, path):
        if path is None:
            return None, None
        disparity = np.abs(_read_pfm_file(path))
        disparity[disparity == np.inf] = 0  # unknown disparities are stored as infinity
        return disparity, (disparity > 0).squeeze(0)

    def _download_dataset(self, root):
        base_url = "https://vision.middlebury.edu/stereo/data/scenes2014/zip"
        base = Path(root) / "Middlebury2014"
        if self.split != "test":
            for scene in self.splits[self.split]:
                for calibration in ("perfect", "imperfect"):
                    name = f"{scene}-{calibration}"
                    if not (base / self.split / name).exists():
                        download_and_extract_archive(f"{base_url}/{name}.zip", str(base / self.split),
                                                     filename=f"{name}.zip", remove_finished=True)
            return
        os.makedirs(base / "test")
        if any(s not in os.listdir(base / "test") for s in self.splits["test"]):
            download_and_extract_archive("https://vision.middlebury.edu/stereo/submit3/zip/MiddEval3-data-F.zip",
                                         str(base), remove_finished=True)
            for scene_dir, scenes, _ in os.walk(str(base / "MiddEval3" / "testF")):
                for scene in scenes:
                    shutil.move(str(Path(scene_dir) / scene), str(base / "test"))
            shutil.rmtree(str(base / "MiddEval3"))
