"""The embedding projector's files: tensors.tsv, metadata.tsv and sprite.png in <step>/<tag>/ of the run."""
import math
import os

import numpy as np

from ._utils import make_grid, make_np


def make_tsv(metadata, save_path, metadata_header=None):
    """metadata.tsv: one label per line, or a header line and tab-separated columns."""
    if not metadata_header:
        lines = [str(x) for x in metadata]
    else:
        if len(metadata_header) != len(metadata[0]):
            raise AssertionError("len of header must be equal to the number of columns in metadata")
        lines = ["\t".join(str(e) for e in row) for row in [metadata_header] + list(metadata)]
    with open(os.path.join(save_path, "metadata.tsv"), "wb") as f:
        f.write(("\n".join(lines) + "\n").encode())


def make_sprite(label_img, save_path):
    """sprite.png: the label images in a grid of ceil(sqrt(N)) columns, at the top of a square black canvas."""
    from PIL import Image
    images = make_np(label_img)
    grid = make_grid(images, ncols=math.ceil(images.shape[0] ** 0.5)).transpose(1, 2, 0)
    side = max(grid.shape[:2])  # PyTorch sizes it by the width only, and fails on images taller than wide
    square = np.zeros((side, side, 3))
    square[:grid.shape[0]] = grid
    Image.fromarray(np.uint8((square * 255).clip(0, 255))).save(os.path.join(save_path, "sprite.png"), format="PNG")


def make_mat(mat, save_path):
    """tensors.tsv: one row of the matrix per line, tab-separated, each value as Python prints it."""
    with open(os.path.join(save_path, "tensors.tsv"), "wb") as f:
        for row in mat:
            f.write(("\t".join(str(v) for v in row.tolist()) + "\n").encode())


def get_embedding_info(metadata, label_img, subdir, global_step, tag):
    """The projector config's entry for one embedding (paths relative to the run folder)."""
    from tensorboard.plugins.projector import EmbeddingInfo
    info = EmbeddingInfo(tensor_name=f"{tag}:{str(global_step).zfill(5)}", tensor_path=f"{subdir}/tensors.tsv")
    if metadata is not None:
        info.metadata_path = f"{subdir}/metadata.tsv"
    if label_img is not None:
        info.sprite.image_path = f"{subdir}/sprite.png"
        info.sprite.single_image_dim.extend([label_img.shape[3], label_img.shape[2]])
    return info
