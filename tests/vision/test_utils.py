"""make_grid and save_image: torchvision's documented layout (nrow images per row, `padding`
pixels of pad_value around each, greyscale made RGB) and normalisation, built here with torch."""
import math

import numpy as np
import pytest
import torch
from PIL import Image

import ember
from ember.vision.utils import make_grid, save_image
from tests.vision.conftest import assert_close


def reference_grid(t, nrow=8, padding=2, normalize=False, value_range=None, scale_each=False, pad_value=0.0):
    """The grid torchvision documents, written with torch: images laid left to right, top to bottom."""
    if t.dim() == 3:
        t = t[None]
    if t.shape[1] == 1:
        t = t.expand(-1, 3, -1, -1)
    t = t.clone()
    if normalize:
        parts = list(t) if scale_each else [t]
        for p in parts:
            lo, hi = value_range if value_range is not None else (p.min().item(), p.max().item())
            p.copy_((p.clamp(lo, hi) - lo) / max(hi - lo, 1e-5))
    if t.shape[0] == 1:
        return t[0]
    b, c, h, w = t.shape
    cols = min(nrow, b)
    rows = math.ceil(b / cols)
    grid = torch.full((c, rows * (h + padding) + padding, cols * (w + padding) + padding), float(pad_value),
                      dtype=t.dtype)
    for k in range(b):
        y, x = divmod(k, cols)
        top, left = y * (h + padding) + padding, x * (w + padding) + padding
        grid[:, top:top + h, left:left + w] = t[k]
    return grid


CASES = {
    "defaults": ((20, 3, 5, 6), {}),
    "one_row": ((5, 3, 4, 4), {}),
    "nrow3": ((7, 3, 4, 5), dict(nrow=3)),
    "padding0": ((6, 3, 4, 4), dict(nrow=4, padding=0)),
    "pad_value": ((5, 3, 3, 3), dict(nrow=2, padding=3, pad_value=0.5)),
    "grey": ((9, 1, 4, 4), dict(nrow=4)),
    "normalize": ((6, 3, 4, 4), dict(normalize=True)),
    "value_range": ((6, 3, 4, 4), dict(normalize=True, value_range=(-1.0, 1.0))),
    "scale_each": ((6, 3, 4, 4), dict(normalize=True, scale_each=True, nrow=3)),
    "single": ((1, 3, 4, 4), dict()),
    "single_chw": ((3, 4, 5), dict()),
    "single_grey": ((1, 4, 5), dict()),
}


@pytest.mark.parametrize("name", CASES)
def test_make_grid_layout(name):
    shape, kwargs = CASES[name]
    arr = (np.random.default_rng(0).standard_normal(shape) * 2).astype(np.float32)
    got = make_grid(ember.from_numpy(arr.copy()), **kwargs)
    assert_close(got, reference_grid(torch.from_numpy(arr.copy()), **kwargs), atol=1e-6)


def test_make_grid_list_and_errors():
    imgs = [ember.rand(3, 4, 4) for _ in range(3)]
    assert ember.equal(make_grid(imgs, nrow=2), make_grid(ember.stack(imgs), nrow=2))
    with pytest.raises(TypeError, match="value_range has to be a tuple"):
        make_grid(ember.rand(2, 3, 4, 4), normalize=True, value_range=[0, 1])
    x = ember.rand(4, 3, 2, 2)
    make_grid(x, normalize=True)
    assert x.max().item() < 1.0  # normalisation works on a copy


@pytest.mark.parametrize("kwargs", [dict(), dict(nrow=2, padding=1, pad_value=1.0), dict(normalize=True)])
def test_save_image_writes_the_grid_as_png(tmp_path, kwargs):
    arr = np.random.default_rng(1).random((5, 3, 6, 7)).astype(np.float32)
    path = tmp_path / "grid.png"
    save_image(ember.from_numpy(arr.copy()), str(path), **kwargs)
    grid = reference_grid(torch.from_numpy(arr.copy()), **kwargs)
    want = grid.mul(255).add_(0.5).clamp_(0, 255).permute(1, 2, 0).to(torch.uint8).numpy()
    with Image.open(path) as img:
        assert img.format == "PNG" and img.mode == "RGB"
        assert np.array_equal(np.array(img), want)
    buffer = __import__("io").BytesIO()
    save_image(ember.from_numpy(arr.copy()), buffer, format="png", **kwargs)
    assert buffer.getvalue() == path.read_bytes()
