"""Arrays for the summaries: tensors to NumPy, image layouts to HWC, batches to a grid, figures to pixels."""
import numpy as np

import ember


def make_np(x):
    """An Ember tensor, NumPy array or Python number as a NumPy array (numbers become shape (1,))."""
    if isinstance(x, np.ndarray):
        return x
    if np.isscalar(x):
        return np.array([x])
    if isinstance(x, ember.Tensor):
        if x.dtype is ember.bfloat16:  # NumPy has no bfloat16: half keeps the values PyTorch keeps
            x = x.to(ember.float16)
        return x.detach().cpu().numpy()
    raise NotImplementedError(f"Got {type(x)}, but numpy array or torch tensor are expected.")


def make_grid(images, ncols=8):
    """(N, C, H, W) with C 1 or 3 -> one (3, rows*H, cols*W) canvas, row by row, black where no image is."""
    if not isinstance(images, np.ndarray):
        raise AssertionError("plugin error, should pass numpy array here")
    if images.ndim == 4 and images.shape[1] == 1:
        images = np.repeat(images, 3, axis=1)
    if images.ndim != 4 or images.shape[1] != 3:
        raise AssertionError("Input should be a 4D numpy array with 3 channels")
    n, _, h, w = images.shape
    ncols = min(n, ncols)
    nrows = -(-n // ncols)
    padded = np.zeros((nrows * ncols, 3, h, w), dtype=images.dtype)
    padded[:n] = images
    # (rows, cols, C, H, W) -> (C, rows, H, cols, W): each row of images becomes H rows of pixels
    return padded.reshape(nrows, ncols, 3, h, w).transpose(2, 0, 3, 1, 4).reshape(3, nrows * h, ncols * w)


def convert_to_HWC(array, dataformats):
    """An image (HW, CHW, HWC, ...) or a batch (NCHW, NHWC, ...) as one (H, W, 3) array, as PyTorch lays it out."""
    if len(set(dataformats)) != len(dataformats):
        raise AssertionError(f"You can not use the same dimension shorthand twice. input_format: {dataformats}")
    if array.ndim != len(dataformats):
        raise AssertionError(f"size of input tensor and input format are different. tensor shape: {array.shape}, "
                             f"input_format: {dataformats}")
    dataformats = dataformats.upper()
    if len(dataformats) == 4:
        grid = make_grid(array.transpose([dataformats.find(c) for c in "NCHW"]))
        return grid.transpose(1, 2, 0)
    if len(dataformats) == 3:
        hwc = array.transpose([dataformats.find(c) for c in "HWC"])
        return np.repeat(hwc, 3, axis=2) if hwc.shape[2] == 1 else hwc
    hw = array.transpose([dataformats.find(c) for c in "HW"])
    return np.stack([hw, hw, hw], 2)


def figure_to_image(figures, close=True):
    """A matplotlib figure as a (3, H, W) uint8 array (a list of them as (N, 3, H, W)), drawn with Agg."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    def render(figure):
        canvas = FigureCanvasAgg(figure)
        canvas.draw()
        rgb = np.asarray(canvas.buffer_rgba())[:, :, :3]
        if close:
            import matplotlib.pyplot as plt
            plt.close(figure)
        return np.ascontiguousarray(rgb.transpose(2, 0, 1))

    if isinstance(figures, list):
        return np.stack([render(f) for f in figures])
    return render(figures)


def prepare_video(video):
    """(N, T, C, H, W) -> (T, H', W', C): the N clips tiled in a grid (N padded to a power of two), values in [0, 1]."""
    n, t, c, h, w = video.shape
    if video.dtype == np.uint8:
        video = np.float32(video) / 255.0
    if n & (n - 1):  # not a power of two: pad with black clips
        video = np.concatenate([video, np.zeros((2 ** n.bit_length() - n, t, c, h, w), video.dtype)])
    rows = 2 ** ((n.bit_length() - 1) // 2)
    cols = video.shape[0] // rows
    video = video.reshape(rows, cols, t, c, h, w).transpose(2, 0, 4, 1, 5, 3)
    return video.reshape(t, rows * h, cols * w, c)
