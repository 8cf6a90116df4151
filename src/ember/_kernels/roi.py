"""Compiled loops for torchvision.ops' region pooling (ember.vision.ops).

roi_pool takes the maximum of each bin of each region and channel: bins of varying size, thousands of
regions, hundreds of channels. Gathering padded bins for NumPy moves (regions x channels x bins x cells)
values several times; the loop reads each cell once."""
import functools
import threading

_lock = threading.Lock()


@functools.lru_cache(maxsize=None)
def _compile():
    from .loops import _jit

    @_jit
    def roi_pool_argmax(x, image, hs, he, ws, we, out):
        """out[k, c, i, j] = flat index into x (N, C, H, W) of the first maximum of image[k]'s channel c over
        rows [hs[k, i], he[k, i]) and columns [ws[k, j], we[k, j]) (-1 for an empty bin), scanning rows then
        columns and keeping a value only when greater (torchvision's roi_pool kernel)."""
        _, channels, height, width = x.shape
        for k in range(out.shape[0]):
            b = image[k]
            for c in range(channels):
                for i in range(out.shape[2]):
                    for j in range(out.shape[3]):
                        best = -3.4028234663852886e38  # torchvision starts from -FLT_MAX
                        found = -1
                        for h in range(hs[k, i], he[k, i]):
                            for w in range(ws[k, j], we[k, j]):
                                v = x[b, c, h, w]
                                if v > best:
                                    best = v
                                    found = ((b * channels + c) * height + h) * width + w
                        out[k, c, i, j] = found

    return {"roi_pool_argmax": roi_pool_argmax}


def __getattr__(name):
    with _lock:
        kernels = _compile()
    try:
        return kernels[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
