"""Storages: the flat memory a tensor and its views look at (torch.TypedStorage, torch.UntypedStorage)."""
import mmap
import os
import tempfile
import warnings
import weakref

import numpy as np

from . import _dtype as D
from ._tensor import _root, _address

_warned = False


def _flat_bytes(t):
    """The whole memory block behind tensor t, as a flat uint8 array (shared, not copied)."""
    root = _root(t._data)
    flat = root.reshape(-1, order="A")
    if not flat.flags.contiguous:  # a non-contiguous owner: take its bounding block
        flat = np.ascontiguousarray(flat)
    return flat.view(np.uint8)


class UntypedStorage:
    """A tensor's memory as bytes; views of one tensor share it (same data_ptr)."""

    def __init__(self, size=0, *, device=None):
        self._bytes = np.zeros(int(size), np.uint8) if not isinstance(size, np.ndarray) else size

    @classmethod
    def _of(cls, t):
        s = cls.__new__(cls)
        s._bytes = _flat_bytes(t)
        return s

    def __len__(self):
        return self._bytes.size

    def size(self):
        return self._bytes.size

    def nbytes(self):
        return self._bytes.size

    def data_ptr(self):
        return self._bytes.__array_interface__["data"][0]

    def __getitem__(self, i):
        return int(self._bytes[i])

    def __setitem__(self, i, v):
        self._bytes[i] = v

    def tolist(self):
        return self._bytes.tolist()

    @property
    def device(self):
        from ._backend import cpu
        return cpu

    def element_size(self):
        return 1

    def __iter__(self):
        return iter(self.tolist())

    def __repr__(self):
        return _listing(self._bytes.tolist()) + f"[torch.storage.UntypedStorage(device=cpu) of size {len(self)}]"


class TypedStorage:
    """A tensor's memory as elements of its dtype (torch's deprecated but still printed TypedStorage)."""

    def __init__(self, *args, dtype=None, device=None):
        self.dtype = D.to_dtype(dtype) if dtype is not None else D.get_default_dtype()
        data = args[0] if args else 0
        self._array = np.zeros(data, self.dtype.np) if isinstance(data, int) else np.array(data, self.dtype.np)

    @classmethod
    def _of(cls, t):
        global _warned
        if not _warned:
            _warned = True
            warnings.warn("TypedStorage is deprecated. It will be removed in the future and UntypedStorage will be "
                          "the only storage class. This should only matter to you if you are using storages directly."
                          "  To access UntypedStorage directly, use tensor.untyped_storage() instead of "
                          "tensor.storage()", UserWarning, stacklevel=3)
        s = cls.__new__(cls)
        s.dtype = t._dtype
        s._array = _flat_bytes(t).view(t._dtype.np)
        return s

    def __len__(self):
        return self._array.size

    def size(self):
        return self._array.size

    def nbytes(self):
        return self._array.nbytes

    def element_size(self):
        return self.dtype.itemsize

    def data_ptr(self):
        return self._array.__array_interface__["data"][0]

    def untyped(self):
        u = UntypedStorage.__new__(UntypedStorage)
        u._bytes = self._array.view(np.uint8)
        return u

    _untyped_storage = property(untyped)

    @property
    def device(self):
        from ._backend import cpu
        return cpu

    def __getitem__(self, i):
        v = self._array[i]
        return v.tolist() if self.dtype is not D.bfloat16 else float(v)

    def __setitem__(self, i, v):
        self._array[i] = v

    def tolist(self):
        return [self[i] for i in range(len(self))]

    def __iter__(self):
        return iter(self.tolist())

    def fill_(self, value):
        self._array[...] = value
        return self

    def __repr__(self):
        return _listing(self.tolist()) + \
            f"[torch.storage.TypedStorage(dtype={self.dtype!r}, device=cpu) of size {len(self)}]"


def _listing(values):
    """A storage's elements one a line, each after a space, as torch prints them."""
    return " " + "\n ".join(map(str, values)) + "\n"


# ---------------------------------------------------------------------- shared memory (torch.multiprocessing)
class SharedSegment(mmap.mmap):
    """Memory that other processes can map: a file in /dev/shm, unlinked as soon as it is made (so
    nothing is left behind), reached through the file descriptor `fd` it keeps open to hand on."""


def _attach_segment(fd, nbytes):
    """Map the shared file open as `fd` (owned from now on: closed when the mapping is collected)."""
    seg = SharedSegment(fd, max(nbytes, 1))
    seg.fd = fd
    weakref.finalize(seg, os.close, fd)
    return seg


def _new_segment(nbytes):
    fd, path = tempfile.mkstemp(prefix="ember-shm-", dir="/dev/shm" if os.path.isdir("/dev/shm") else None)
    os.unlink(path)
    os.ftruncate(fd, max(nbytes, 1))
    return _attach_segment(fd, nbytes)


def segment_of(arr):
    """The SharedSegment behind array `arr`, or None when its memory is private to this process."""
    base = _root(arr).base
    obj = getattr(base, "obj", None)  # np.frombuffer's memoryview
    return obj if isinstance(obj, SharedSegment) else None


def shared_view(seg, nbytes, np_dtype, offset, shape, strides):
    """An array of shape/strides at byte `offset` of the first `nbytes` of a shared segment."""
    root = np.frombuffer(seg, np.uint8, count=nbytes)
    return np.ndarray(shape, np_dtype, buffer=root, offset=offset, strides=strides)


def _send_shared_as_handles():
    # as `import torch` does: once anything is shared, every multiprocessing pickler sends tensors as handles
    # (else a plain multiprocessing.Process would get a private copy of a Hogwild model)
    global _reductions_ready
    if not _reductions_ready:
        from .multiprocessing.reductions import init_reductions
        init_reductions()
        _reductions_ready = True


_reductions_ready = False


def share_memory_(t):
    """Move tensor t's storage into shared memory in place (torch.Tensor.share_memory_); a no-op when
    it is there already. Other tensors viewing the old storage keep the old, private memory."""
    arr = t._data
    if segment_of(arr) is not None:
        return t
    _send_shared_as_handles()
    root = _root(arr)
    if root.flags.c_contiguous or root.flags.f_contiguous:  # the whole storage moves, views keep their place
        seg = _new_segment(root.nbytes)
        np.frombuffer(seg, np.uint8, count=root.nbytes)[:] = root.reshape(-1, order="A").view(np.uint8)
        t._data = shared_view(seg, root.nbytes, arr.dtype, _address(arr) - _address(root), arr.shape, arr.strides)
    else:  # memory not describable as one block: share a compact copy of this tensor's elements
        compact = np.ascontiguousarray(arr)
        seg = _new_segment(compact.nbytes)
        t._data = shared_view(seg, compact.nbytes, arr.dtype, 0, arr.shape, compact.strides)
        t._data[...] = compact
    return t
