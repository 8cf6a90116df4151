"""Decoding (pathname, bytes) pairs by the file's extension: RoutedDecoder's handlers."""
import io
import json
import os
import pickle

from .common import StreamWrapper

__all__ = ["Decoder", "ImageHandler", "basichandlers", "extension_extract_fn", "imagehandler"]


def basichandlers(extension, data):
    """Text, integer, JSON, pickle and tensor-file contents by extension (None: not one of them). As in
    torch the text check is a substring test, so a file without extension decodes as text."""
    if extension in "txt text transcript":
        return data.decode("utf-8")
    if extension in ("cls", "cls2", "class", "count", "index", "inx", "id"):
        try:
            return int(data)
        except ValueError:
            return None
    if extension in "json jsn":
        return json.loads(data)
    if extension in ("pyd", "pickle"):
        return pickle.loads(data)
    if extension == "pt":
        import ember
        return ember.load(io.BytesIO(data))
    return None


_IMAGE_SPECS = {  # spec -> (array kind, element type, PIL mode)
    "l8": ("numpy", "uint8", "l"), "rgb8": ("numpy", "uint8", "rgb"), "rgba8": ("numpy", "uint8", "rgba"),
    "l": ("numpy", "float", "l"), "rgb": ("numpy", "float", "rgb"), "rgba": ("numpy", "float", "rgba"),
    "torchl8": ("torch", "uint8", "l"), "torchrgb8": ("torch", "uint8", "rgb"), "torchrgba8": ("torch", "uint8", "rgba"),
    "torchl": ("torch", "float", "l"), "torchrgb": ("torch", "float", "rgb"), "torch": ("torch", "float", "rgb"),
    "torchrgba": ("torch", "float", "rgba"), "pill": ("pil", None, "l"), "pil": ("pil", None, "rgb"),
    "pilrgb": ("pil", None, "rgb"), "pilrgba": ("pil", None, "rgba")}


class ImageHandler:
    """Decodes jpg/png/ppm/pgm/pbm/pnm files into the `imagespec` form (a PIL image, a NumPy array or a
    tensor; channels first for tensors, float in [0, 1] unless the spec ends in 8)."""

    def __init__(self, imagespec):
        if imagespec not in _IMAGE_SPECS:
            raise AssertionError(f"unknown image specification: {imagespec}")
        self.imagespec = imagespec.lower()

    def __call__(self, extension, data):
        if extension.lower() not in ("jpg", "jpeg", "png", "ppm", "pgm", "pbm", "pnm"):
            return None
        import numpy as np
        import PIL.Image
        kind, etype, mode = _IMAGE_SPECS[self.imagespec]
        with io.BytesIO(data) as stream:
            img = PIL.Image.open(stream)
            img.load()
            img = img.convert(mode.upper())
        if kind == "pil":
            return img
        a = np.asarray(img)
        if kind == "torch":
            import ember
            t = ember.tensor(np.array(a.transpose(2, 0, 1)) if a.ndim == 3 else np.array(a))
            return t if etype == "uint8" else t / 255.0
        return a if etype == "uint8" else a.astype("f") / 255.0


def imagehandler(imagespec):
    return ImageHandler(imagespec)


def extension_extract_fn(pathname):
    """The extension of a path, without its dot ('' when there is none)."""
    return os.path.splitext(pathname)[1][1:]


class Decoder:
    """Decodes (key, data) pairs with the first handler that returns something other than None."""

    def __init__(self, *handler, key_fn=extension_extract_fn):
        self.handlers, self.key_fn = list(handler), key_fn

    def add_handler(self, *handler):
        self.handlers = list(handler) + self.handlers  # newest first: it takes precedence

    def decode1(self, key, data):
        if not data:
            return data
        raw = data.file_obj if isinstance(data, StreamWrapper) else data
        if isinstance(raw, (io.BufferedIOBase, io.RawIOBase)):  # a stream: read it whole
            stream, data = data, b"".join(data)
            stream.close()
        for handler in self.handlers:
            result = handler(key, data)
            if result is not None:
                return result
        return data

    def decode(self, data):
        result = {}
        for k, v in ([data] if isinstance(data, tuple) else data or ()):
            if k[0] == "_" and isinstance(v, bytes):
                result[k] = v.decode("utf-8")
            else:
                result[k] = self.decode1(self.key_fn(k), v)
        return result

    def __call__(self, data):
        return self.decode(data)
