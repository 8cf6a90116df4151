"""Optical-flow datasets (torchvision.datasets._optical_flow): Sintel, FlyingChairs and FlyingThings3D, each
sample (first image, second image, flow (2, H, W) float32 or None). KittiFlow and HD1K store flow in 16-bit
PNGs, which need uint16 decoding that Ember lacks; they are not provided."""
import itertools
import os
from glob import glob
from pathlib import Path

import numpy as np

from ember.utils.data import ConcatDataset
from .folder import default_loader
from .utils import _read_pfm, verify_str_arg
from .vision import VisionDataset

__all__ = ("Sintel", "FlyingThings3D", "FlyingChairs")


class FlowDataset(VisionDataset):
    """Pairs of frames (`_image_list`) with the flow file of each pair (`_flow_list`, empty for test splits);
    `transforms` takes and returns (img1, img2, flow, valid_flow_mask)."""

    def __init__(self, root, transforms=None, loader=default_loader):
        super().__init__(root=root)
        self.transforms = transforms
        self._flow_list, self._image_list = [], []
        self._loader = loader

    def __getitem__(self, index):
        img1, img2 = (self._loader(p) for p in self._image_list[index])
        flow = self._read_flow(self._flow_list[index]) if self._flow_list else None
        valid = None
        if self.transforms is not None:
            img1, img2, flow, valid = self.transforms(img1, img2, flow, valid)
        return (img1, img2, flow) if valid is None else (img1, img2, flow, valid)

    def __len__(self):
        return len(self._image_list)

    def __rmul__(self, v):
        return ConcatDataset([self] * v)


def _read_flo(file_name):
    """A Middlebury .flo file ('PIEH', width, height, then (u, v) float32 pairs) as a (2, H, W) array."""
    with open(file_name, "rb") as f:
        if f.read(4) != b"PIEH":
            raise ValueError("Magic number incorrect. Invalid .flo file")
        w, h = (int(v) for v in np.fromfile(f, "<i4", count=2))
        return np.fromfile(f, "<f4", count=2 * w * h).reshape(h, w, 2).transpose(2, 0, 1)


class Sintel(FlowDataset):
    """MPI Sintel: root/Sintel/{training,test}/{clean,final}/<scene>/*.png, flow in training/flow/<scene>/*.flo."""

    def __init__(self, root, split="train", pass_name="clean", transforms=None, loader=default_loader):
        super().__init__(root=root, transforms=transforms, loader=loader)
        verify_str_arg(split, "split", valid_values=("train", "test"))
        verify_str_arg(pass_name, "pass_name", valid_values=("clean", "final", "both"))
        base = Path(root) / "Sintel"
        for name in (["clean", "final"] if pass_name == "both" else [pass_name]):
            image_root = base / ("training" if split == "train" else split) / name
            for scene in os.listdir(image_root):
                frames = sorted(glob(str(image_root / scene / "*.png")))
                self._image_list += [[a, b] for a, b in zip(frames, frames[1:])]
                if split == "train":
                    self._flow_list += sorted(glob(str(base / "training" / "flow" / scene / "*.flo")))

    def _read_flow(self, file_name):
        return _read_flo(file_name)


class FlyingChairs(FlowDataset):
    """FlyingChairs: root/FlyingChairs/data/*.{ppm,flo} and FlyingChairs_train_val.txt (1 train, 2 val per pair)."""

    def __init__(self, root, split="train", transforms=None):
        super().__init__(root=root, transforms=transforms)
        verify_str_arg(split, "split", valid_values=("train", "val"))
        base = Path(root) / "FlyingChairs"
        images = sorted(glob(str(base / "data" / "*.ppm")))
        flows = sorted(glob(str(base / "data" / "*.flo")))
        if not os.path.exists(base / "FlyingChairs_train_val.txt"):
            raise FileNotFoundError("The FlyingChairs_train_val.txt file was not found - please download it from the "
                                    "dataset page (see docstring).")
        split_ids = np.loadtxt(str(base / "FlyingChairs_train_val.txt"), dtype=np.int32)
        wanted = 1 if split == "train" else 2
        for i, flow in enumerate(flows):
            if split_ids[i] == wanted:
                self._flow_list.append(flow)
                self._image_list.append([images[2 * i], images[2 * i + 1]])

    def _read_flow(self, file_name):
        return _read_flo(file_name)


class FlyingThings3D(FlowDataset):
    """FlyingThings3D: root/FlyingThings3D/frames_{clean,final}pass/<SPLIT>/<letter>/<seq>/<camera>/*.png, flow in
    optical_flow/<SPLIT>/<letter>/<seq>/into_{future,past}/<camera>/*.pfm (both directions are samples)."""

    def __init__(self, root, split="train", pass_name="clean", camera="left", transforms=None, loader=default_loader):
        super().__init__(root=root, transforms=transforms, loader=loader)
        split = verify_str_arg(split, "split", valid_values=("train", "test")).upper()
        verify_str_arg(pass_name, "pass_name", valid_values=("clean", "final", "both"))
        passes = {"clean": ["frames_cleanpass"], "final": ["frames_finalpass"],
                  "both": ["frames_cleanpass", "frames_finalpass"]}[pass_name]
        verify_str_arg(camera, "camera", valid_values=("left", "right", "both"))
        cameras = ["left", "right"] if camera == "both" else [camera]
        base = Path(root) / "FlyingThings3D"
        for name, cam, direction in itertools.product(passes, cameras, ("into_future", "into_past")):
            image_dirs = sorted(Path(d) / cam for d in glob(str(base / name / split / "*/*")))
            flow_dirs = sorted(Path(d) / direction / cam for d in glob(str(base / "optical_flow" / split / "*/*")))
            if not image_dirs or not flow_dirs:
                raise FileNotFoundError("Could not find the FlyingThings3D flow images. Please make sure the "
                                        "directory structure is correct.")
            for image_dir, flow_dir in zip(image_dirs, flow_dirs):
                images = sorted(glob(str(image_dir / "*.png")))
                flows = sorted(glob(str(flow_dir / "*.pfm")))
                for i in range(len(flows) - 1):
                    forward = direction == "into_future"
                    self._image_list.append([images[i], images[i + 1]] if forward else [images[i + 1], images[i]])
                    self._flow_list.append(flows[i] if forward else flows[i + 1])

    def _read_flow(self, file_name):
        return _read_pfm(file_name)
