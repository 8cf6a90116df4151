"""Image grids and saving tensors as image files (torchvision.utils)."""
import math

import ember

__all__ = ["make_grid", "save_image"]


def make_grid(tensor, nrow=8, padding=2, normalize=False, value_range=None, scale_each=False, pad_value=0.0):
    """Tile a batch of images (B, C, H, W) (or a list of (C, H, W)) into one (C', H', W') image:
    `nrow` images per row, `padding` pixels of `pad_value` around each, greyscale made RGB.
    normalize=True rescales values to [0, 1] using value_range (default: the min and max), per
    image when scale_each."""
    if isinstance(tensor, (list, tuple)):
        tensor = ember.stack(list(tensor), dim=0)
    if not isinstance(tensor, ember.Tensor):
        raise TypeError(f"tensor or list of tensors expected, got {type(tensor)}")
    if tensor.dim() == 2:  # one greyscale image
        tensor = tensor.unsqueeze(0)
    if tensor.dim() == 3:  # one image
        if tensor.size(0) == 1:
            tensor = ember.cat((tensor, tensor, tensor), 0)
        tensor = tensor.unsqueeze(0)
    if tensor.dim() == 4 and tensor.size(1) == 1:  # greyscale batch -> RGB
        tensor = ember.cat((tensor, tensor, tensor), 1)
    if normalize:
        tensor = tensor.clone()
        if value_range is not None and not isinstance(value_range, tuple):
            raise TypeError("value_range has to be a tuple (min, max) if specified. min and max are numbers")
        for img in (tensor if scale_each else [tensor]):
            low, high = value_range if value_range is not None else (float(img.min()), float(img.max()))
            img.clamp_(min=low, max=high)
            img.sub_(low).div_(max(high - low, 1e-5))
    if tensor.size(0) == 1:
        return tensor.squeeze(0)
    count = tensor.size(0)
    cols = min(nrow, count)
    rows = int(math.ceil(count / cols))
    h, w = int(tensor.size(2) + padding), int(tensor.size(3) + padding)
    grid = tensor.new_full((tensor.size(1), h * rows + padding, w * cols + padding), pad_value)
    for k in range(count):
        y, x = divmod(k, cols)
        grid[:, y * h + padding:(y + 1) * h, x * w + padding:(x + 1) * w] = tensor[k]
    return grid


def save_image(tensor, fp, format=None, **kwargs):
    """Write make_grid(tensor, **kwargs) as an 8-bit image file (values in [0, 1] map to 0..255, rounded)."""
    from PIL import Image
    grid = make_grid(tensor, **kwargs)
    pixels = grid.detach().mul(255).add_(0.5).clamp_(0, 255).permute(1, 2, 0).to(ember.uint8).numpy()
    Image.fromarray(pixels).save(fp, format=format)
