"""ember.save / ember.load: PyTorch's checkpoint format, safe to load and atomic to save.

A checkpoint is a zip archive (torch.save's layout): `archive/data.pkl` is a pickle in which each
tensor is a call to `torch._utils._rebuild_tensor_v2(storage, offset, size, stride, ...)` and each
storage a persistent id `('storage', torch.FloatStorage, key, 'cpu', numel)`, whose bytes are the
record `archive/data/<key>`. Ember writes those names without importing torch, so torch.load opens
Ember's files, and Ember maps them back to its own tensors when it opens PyTorch's.

Loading runs a restricted unpickler by default (torch's `weights_only=True`): only the globals a
checkpoint of tensors needs can be named, anything else is refused before it runs.
"""
import _compat_pickle
import collections
import contextlib
import io
import mmap as _mmap
import os
import pickle
import stat
import struct
import sys
import tempfile
import types
import zipfile
import zlib

import numpy as np

from . import _dtype as D
from ._backend import device
from ._storage import TypedStorage, UntypedStorage
from ._tensor import Tensor, Size, _root, _address, _contiguous_strides

__all__ = ["save", "load", "add_safe_globals", "get_safe_globals", "clear_safe_globals", "safe_globals",
           "DEFAULT_PROTOCOL"]

DEFAULT_PROTOCOL = 2
_ALIGNMENT = 64  # storages start on 64-byte boundaries in the file, as torch writes them (lets mmap views align)
_CHUNK = 1 << 24

# torch's legacy storage classes, one per dtype (torch.FloatStorage, ...)
_STORAGE_NAMES = {"float32": "FloatStorage", "float64": "DoubleStorage", "float16": "HalfStorage",
                  "bfloat16": "BFloat16Storage", "int64": "LongStorage", "int32": "IntStorage",
                  "int16": "ShortStorage", "int8": "CharStorage", "uint8": "ByteStorage", "bool": "BoolStorage",
                  "complex64": "ComplexFloatStorage", "complex128": "ComplexDoubleStorage"}


# ====================================================================== saving
class _Global:
    """A PyTorch name written into the pickle as a GLOBAL, without importing PyTorch."""
    __slots__ = ("module", "qualname")

    def __init__(self, module, qualname):
        self.module, self.qualname = module, qualname

    def __call__(self, *args):  # pickle only checks that a reduce function is callable
        raise TypeError(f"{self.module}.{self.qualname} is a name in a checkpoint, not a function")


_GLOBALS = {}


def _global(module, qualname):
    g = _GLOBALS.get((module, qualname))
    if g is None:
        g = _GLOBALS[module, qualname] = _Global(module, qualname)
    return g


# where an object of a private Ember module is published (ember.nn._functional.activation.relu is F.relu)
_PUBLIC_HOMES = ("ember.nn.functional", "ember", "ember.nn.init", "ember.linalg", "ember.special", "ember.fft")


def _torch_global(obj):
    """(module, qualname) under which PyTorch knows Ember's class or function `obj`; None for other objects."""
    module, qualname = getattr(obj, "__module__", None), getattr(obj, "__qualname__", None)
    if not isinstance(module, str) or not isinstance(qualname, str) or module.split(".")[0] != "ember":
        return None
    if any(part.startswith("_") for part in module.split(".")):
        for home in _PUBLIC_HOMES:
            if getattr(sys.modules.get(home), qualname, None) is obj:
                module = home
                break
    from .compat import torch_name
    return torch_name(module), qualname


class _StorageRef:
    """One storage of the checkpoint: written once as record data/<key>, referenced by persistent id."""
    __slots__ = ("key", "dtype", "numel", "data")

    def __init__(self, key, dtype, numel, data):
        self.key, self.dtype, self.numel, self.data = key, dtype, numel, data


class _Pickler(pickle._Pickler):
    # the pure-Python pickler, so PyTorch's names can be written as GLOBALs (the C one would import them)
    dispatch = dict(pickle._Pickler.dispatch)

    def __init__(self, file, protocol):
        super().__init__(file, protocol)
        self.storages = {}  # id(memory block) -> _StorageRef
        self._parameter = getattr(sys.modules.get("ember.nn.parameter"), "Parameter", None)

    def _save_global_name(self, g):
        if self.proto >= 4:
            self.save(g.module)
            self.save(g.qualname)
            self.write(pickle.STACK_GLOBAL)
        else:
            self.write(pickle.GLOBAL + f"{g.module}\n{g.qualname}\n".encode("utf-8"))
        self.memoize(g)

    dispatch[_Global] = _save_global_name

    def save_global(self, obj, name=None):
        # Ember's classes and functions go into the file under PyTorch's names, so torch.load opens it
        where = _torch_global(obj) if name is None else None
        if where is None:
            return super().save_global(obj, name)
        g = _global(*where)
        seen = self.memo.get(id(g))
        if seen is not None:
            self.write(self.get(seen[0]))
        else:
            self._save_global_name(g)

    dispatch[types.FunctionType] = save_global  # the base class's table names the base method
    for _kind in {type(d) for d in D.all_dtypes}:  # (bfloat16's class resolves its NumPy type lazily)
        dispatch[_kind] = lambda self, d: self.save(_global("torch", d.name))

    def persistent_id(self, obj):
        if type(obj) is _StorageRef:
            return ("storage", _global("torch", _STORAGE_NAMES[obj.dtype.name]), obj.key, "cpu", obj.numel)
        if isinstance(obj, TypedStorage):
            ref = self._storage(obj._array, obj.dtype)[0]
            return ("storage", _global("torch", _STORAGE_NAMES[ref.dtype.name]), ref.key, "cpu", ref.numel)
        if isinstance(obj, UntypedStorage):
            ref = self._storage(obj._bytes, D.uint8)[0]
            return ("storage", _global("torch.storage", "UntypedStorage"), ref.key, "cpu", ref.numel)
        return None

    def _storage(self, arr, dtype):
        """The storage holding `arr` (registered on first sight) and arr's element offset in it; a fresh
        contiguous copy with offset None when arr's memory cannot be described as (offset, strides)."""
        root = _root(arr)
        item = dtype.itemsize
        if root.flags.c_contiguous or root.flags.f_contiguous:
            offset, rem = divmod(_address(arr) - _address(root), item)
            if rem == 0 and root.nbytes % item == 0 and all(s >= 0 and s % item == 0 for s in arr.strides):
                ref = self.storages.get(id(root))
                if ref is None:
                    flat = root.reshape(-1, order="A").view(np.uint8)  # memory order, no copy
                    ref = self.storages[id(root)] = _StorageRef(str(len(self.storages)), dtype, flat.size // item,
                                                                flat)
                elif ref.dtype is not dtype:
                    raise RuntimeError("Cannot save multiple tensors or storages that view the same data as "
                                       "different types")
                return ref, offset
        copy = np.ascontiguousarray(arr).reshape(-1).view(np.uint8)
        ref = self.storages[id(copy)] = _StorageRef(str(len(self.storages)), dtype, arr.size, copy)
        return ref, None

    def reducer_override(self, obj):
        if isinstance(obj, Tensor):
            return self._reduce_tensor(obj)
        if isinstance(obj, Size):
            return _global("torch", "Size"), (tuple(obj),)
        if isinstance(obj, device):
            return _global("torch", "device"), (obj.type,) if obj.index is None else (obj.type, obj.index)
        return NotImplemented

    def _reduce_tensor(self, t):
        arr = t._data
        ref, offset = self._storage(arr, t._dtype)
        if offset is None:
            offset, stride = 0, _contiguous_strides(arr.shape)
        else:
            stride = tuple(s // t._dtype.itemsize for s in arr.strides)
        rebuild = _global("torch._utils", "_rebuild_tensor_v2")
        args = (ref, offset, tuple(arr.shape), stride, t._rg, collections.OrderedDict())
        state = t.__dict__
        if self._parameter is not None and type(t) is self._parameter:
            data = (rebuild, args[:4] + (False, collections.OrderedDict()))
            if state:
                return _global("torch._utils", "_rebuild_parameter_with_state"), \
                    (_Reduced(*data), t._rg, collections.OrderedDict(), dict(state))
            return _global("torch._utils", "_rebuild_parameter"), (_Reduced(*data), t._rg, collections.OrderedDict())
        if type(t) is not Tensor or state:
            cls = _global("torch", "Tensor") if type(t) is Tensor else type(t)
            return _global("torch._tensor", "_rebuild_from_type_v2"), (rebuild, cls, args, dict(state))
        return rebuild, args


class _Reduced:
    """A value pickled as the call func(*args): the plain tensor inside a Parameter."""
    __slots__ = ("func", "args")

    def __init__(self, func, args):
        self.func, self.args = func, args

    def __reduce__(self):
        return self.func, self.args


def _write_record(zf, name, data):
    """Add one stored (uncompressed) record, padded so its bytes start on an aligned offset."""
    view = memoryview(data).cast("B")
    n = view.nbytes
    info = zipfile.ZipInfo(name)
    info.compress_type = zipfile.ZIP_STORED
    info.file_size = n
    zip64 = n * 1.05 > zipfile.ZIP64_LIMIT
    header = 30 + len(name.encode("utf-8")) + (20 if zip64 else 0) + 4
    pad = -(zf.start_dir + header) % _ALIGNMENT
    info.extra = b"FB" + struct.pack("<H", pad) + b"Z" * pad
    with zf.open(info, "w", force_zip64=zip64) as w:
        for i in range(0, n, _CHUNK):
            w.write(view[i:i + _CHUNK])


def _write_checkpoint(fh, pickled, storages):
    with zipfile.ZipFile(fh, "w", zipfile.ZIP_STORED, allowZip64=True) as zf:
        for name, data in (("data.pkl", pickled), (".format_version", b"1"),
                           (".storage_alignment", str(_ALIGNMENT).encode()), ("byteorder", sys.byteorder.encode())):
            _write_record(zf, "archive/" + name, data)
        for ref in storages:
            _write_record(zf, "archive/data/" + ref.key, ref.data)
        _write_record(zf, "archive/version", b"3\n")
        _write_record(zf, "archive/.data/serialization_id", str(int.from_bytes(os.urandom(16), "big")).zfill(40).encode())


def _new_file_mode(path):
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _atomic_write(path, write):
    """Write through `write(fileobj)` into a temporary file beside `path`, fsync it and rename it
    over `path`, so a crash at any point leaves either the old file or the new one, never half."""
    path = os.path.realpath(os.fspath(path))
    directory = os.path.dirname(path)
    if not os.path.isdir(directory):
        raise RuntimeError(f"Parent directory {os.fsdecode(directory)} does not exist.")
    if os.path.isdir(path):
        raise IsADirectoryError(f"[Errno 21] Is a directory: '{os.fsdecode(path)}'")
    mode = _new_file_mode(path)
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(os.fsdecode(path)) + ".", suffix=".tmp",
                               dir=os.fsdecode(directory))
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(OSError):  # make the rename itself durable
        dfd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)


def save(obj, f, pickle_module=None, pickle_protocol=DEFAULT_PROTOCOL, _use_new_zipfile_serialization=True,
         _disable_byteorder_record=False):
    """Save `obj` (tensors, state_dicts, nested containers, ...) to `f` in PyTorch's checkpoint format
    (torch.save). `f` is a path, written atomically, or a binary file object."""
    if not _use_new_zipfile_serialization:
        raise NotImplementedError("ember.save writes only the zip checkpoint format "
                                  "(_use_new_zipfile_serialization=False is not supported)")
    if pickle_module is not None and pickle_module is not pickle:
        raise NotImplementedError("ember.save supports only the standard pickle module")
    buf = io.BytesIO()
    pickler = _Pickler(buf, pickle_protocol)
    pickler.dump(obj)  # fails before any byte of the file is touched
    storages = list(pickler.storages.values())

    def write(fh):
        _write_checkpoint(fh, buf.getvalue(), storages)

    if isinstance(f, (str, bytes, os.PathLike)):
        _atomic_write(f, write)
    elif hasattr(f, "write"):
        write(f)
    else:
        raise AttributeError(f"'{type(f).__name__}' object has no attribute 'write'")


# ====================================================================== loading
class _StorageType:
    """What a pickled `torch.FloatStorage` (etc.) name stands for when loading: a dtype."""
    __slots__ = ("dtype", "untyped")

    def __init__(self, dtype, untyped=False):
        self.dtype, self.untyped = dtype, untyped

    def __call__(self, *args, **kwargs):
        raise pickle.UnpicklingError("storage types cannot be called in a checkpoint")


def _check_bounds(size, stride, offset, numel, itemsize):
    if not (isinstance(size, tuple) and isinstance(stride, tuple) and len(size) == len(stride)
            and all(type(v) is int and v >= 0 for v in size + stride) and type(offset) is int and offset >= 0):
        raise RuntimeError(f"invalid tensor metadata in checkpoint: size={size}, stride={stride}, "
                           f"storage_offset={offset}")
    if 0 in size:
        return
    need = offset + 1 + sum((n - 1) * s for n, s in zip(size, stride))
    if need > numel:
        raise RuntimeError(f"setStorage: sizes {list(size)}, strides {list(stride)}, storage offset {offset}, "
                           f"and itemsize {itemsize} requiring a storage size of {need * itemsize} are out of "
                           f"bounds for storage of size {numel * itemsize}")


def _rebuild_tensor(storage, storage_offset, size, stride):
    """A tensor viewing `storage` (torch._utils._rebuild_tensor): bounds are checked first, since a
    checkpoint's numbers decide which memory the view reads."""
    if not isinstance(storage, TypedStorage):
        raise pickle.UnpicklingError(f"expected a typed storage to rebuild a tensor, got {type(storage).__name__}")
    flat, dtype = storage._array, storage.dtype
    size, stride = tuple(size), tuple(stride)
    _check_bounds(size, stride, storage_offset, flat.size, dtype.itemsize)
    if 0 in size:
        arr = np.empty(size, dtype.np)
    else:
        item = dtype.itemsize
        arr = np.ndarray(size, dtype.np, buffer=flat, offset=storage_offset * item,
                         strides=tuple(s * item for s in stride))
    return Tensor._make(arr, dtype)


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad=False, backward_hooks=None,
                       metadata=None):
    t = _rebuild_tensor(storage, storage_offset, size, stride)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _parameter_class():
    from .nn.parameter import Parameter
    return Parameter


def _set_state(obj, state):
    """Restore pickled attributes: a dict of plain attributes, or (dict, slot values)."""
    slots = None
    if isinstance(state, tuple) and len(state) == 2:
        state, slots = state
    if state:
        obj.__dict__.update(state)
    for k, v in (slots or {}).items():
        if not isinstance(k, str) or k.startswith("_"):  # never a tensor's internals (its array, its graph)
            raise pickle.UnpicklingError(f"refusing to set attribute {k!r} of {type(obj).__name__} from a checkpoint")
        setattr(obj, k, v)


def _rebuild_parameter(data, requires_grad, backward_hooks=None):
    return _parameter_class()(data, requires_grad)


def _rebuild_parameter_with_state(data, requires_grad, backward_hooks, state):
    p = _rebuild_parameter(data, requires_grad)
    _set_state(p, state)
    return p


def _rebuild_from_type_v2(func, new_type, args, state):
    t = func(*args)
    if type(t) is not new_type:
        if not (isinstance(new_type, type) and issubclass(new_type, Tensor)):
            raise pickle.UnpicklingError(f"cannot rebuild a tensor as {new_type!r}")
        t.__class__ = new_type
    _set_state(t, state)
    return t


def _encode(text, encoding="latin1"):
    # how protocol-2 pickles spell bytes: _codecs.encode(str, 'latin1'); nothing else is allowed
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise pickle.UnpicklingError("_codecs.encode is only allowed to rebuild bytes from latin1 text")
    return text.encode("latin1")


def _get_layout(name):
    from . import strided
    if name != "torch.strided":
        raise RuntimeError(f"Ember supports only the strided layout, not {name}")
    return strided


_ALLOWED = None


def _allowed_globals():
    """The globals a weights-only checkpoint may name, as 'module.name' -> Ember object."""
    global _ALLOWED
    if _ALLOWED is None:
        table = {"collections.OrderedDict": collections.OrderedDict, "collections.Counter": collections.Counter,
                 "torch.Size": Size, "torch.Tensor": Tensor, "torch.device": device, "_codecs.encode": _encode,
                 "builtins.set": set, "builtins.frozenset": frozenset, "builtins.complex": complex,
                 "builtins.bytearray": bytearray, "builtins.slice": slice,
                 "torch.serialization._get_layout": _get_layout,
                 "torch._utils._rebuild_tensor": _rebuild_tensor, "torch._utils._rebuild_tensor_v2": _rebuild_tensor_v2,
                 "torch._utils._rebuild_parameter": _rebuild_parameter,
                 "torch._utils._rebuild_parameter_with_state": _rebuild_parameter_with_state,
                 "torch._tensor._rebuild_from_type_v2": _rebuild_from_type_v2,
                 "torch.storage.UntypedStorage": _StorageType(D.uint8, untyped=True)}
        table["torch.UntypedStorage"] = table["torch.storage.UntypedStorage"]
        for d in D.all_dtypes:
            table["torch." + d.name] = d
            table["torch." + _STORAGE_NAMES[d.name]] = _StorageType(d)
        _ALLOWED = table
    return _ALLOWED


_user_globals = {}


def _global_key(obj):
    if isinstance(obj, tuple):
        return obj[1], obj[0]
    module, qualname = _torch_global(obj) or (obj.__module__, obj.__qualname__)
    return f"{module}.{qualname}", obj


def add_safe_globals(safe_globals):
    """Allow these classes/functions (or (obj, 'module.name') pairs) in weights-only loads."""
    for g in safe_globals:
        key, obj = _global_key(g)
        _user_globals[key] = obj


def get_safe_globals():
    return list(_user_globals.values())


def clear_safe_globals():
    _user_globals.clear()


@contextlib.contextmanager
def safe_globals(safe_globals):
    """Context manager form of add_safe_globals: the names are allowed only inside the block."""
    saved = dict(_user_globals)
    add_safe_globals(safe_globals)
    try:
        yield
    finally:
        _user_globals.clear()
        _user_globals.update(saved)


def _fix_imports(module, name):
    # protocol-2 pickles spell Python 3 modules by their Python 2 names (__builtin__.set, ...)
    if (module, name) in _compat_pickle.NAME_MAPPING:
        return _compat_pickle.NAME_MAPPING[module, name]
    return _compat_pickle.IMPORT_MAPPING.get(module, module), name


def _unsafe_global_error(what):
    return pickle.UnpicklingError(
        f"Weights only load failed. Unsupported global: GLOBAL {what} was not an allowed global by default. Please "
        f"use `torch.serialization.add_safe_globals([{what}])` or the `torch.serialization.safe_globals([{what}])` "
        "context manager to allowlist this global if you trust this class/function.")


def _weights_only_error(error, name):
    """A weights-only refusal in torch.load's words (both ways out), naming the file."""
    why = str(error).removeprefix("Weights only load failed. ")
    return pickle.UnpicklingError(
        "Weights only load failed. This file can still be loaded, to do so you have two options, \x1b[1mdo those "
        "steps only if you trust the source of the checkpoint\x1b[0m. \n\t(1) In PyTorch 2.6, we changed the "
        "default value of the `weights_only` argument in `torch.load` from `False` to `True`. Re-running "
        "`torch.load` with `weights_only` set to `False` will likely succeed, but it can result in arbitrary code "
        "execution. Do it only if you got the file from a trusted source.\n\t(2) Alternatively, to load with "
        "`weights_only=True` please check the recommended steps in the following error message.\n\t"
        f"WeightsUnpickler error: {why}\n\nCheck the documentation of torch.load to learn more about types "
        f"accepted by default with weights_only https://pytorch.org/docs/stable/generated/torch.load.html. "
        f"(while loading {name})")


_DICTS = (dict, collections.OrderedDict, collections.Counter)


class _WeightsUnpickler(pickle._Unpickler):
    """torch.load(weights_only=True)'s rules: only allow-listed globals, called only as constructors
    and rebuild functions; containers filled only when they are plain lists, dicts and sets."""
    dispatch = dict(pickle._Unpickler.dispatch)

    def __init__(self, file, persistent_load, **kwargs):
        super().__init__(file, **kwargs)
        self.persistent_load = persistent_load

    def find_class(self, module, name):
        module, name = _fix_imports(module, name)
        key = f"{module}.{name}"
        if key == "torch.nn.parameter.Parameter":
            return _parameter_class()
        obj = _allowed_globals().get(key, _user_globals.get(key))
        if obj is None:
            raise _unsafe_global_error(key)
        return obj

    def _check_callable(self, func):
        allowed = _allowed_globals()
        if not callable(func) or (not any(func is v for v in allowed.values())
                                  and not any(func is v for v in _user_globals.values())
                                  and func is not _parameter_class()):
            raise pickle.UnpicklingError(f"Weights only load failed. Trying to call reduce for unrecognized "
                                         f"function {func!r}")

    def load_reduce(self):
        args = self.stack.pop()
        self._check_callable(self.stack[-1])
        self.stack[-1] = self.stack[-1](*args)

    def load_newobj(self):
        args = self.stack.pop()
        cls = self.stack.pop()
        self._check_callable(cls)
        self.append(cls.__new__(cls, *args))

    def load_newobj_ex(self):
        kwargs = self.stack.pop()
        args = self.stack.pop()
        cls = self.stack.pop()
        self._check_callable(cls)
        self.append(cls.__new__(cls, *args, **kwargs))

    def load_build(self):
        state = self.stack.pop()
        inst = self.stack[-1]
        if type(inst) in (collections.OrderedDict, collections.Counter) or isinstance(inst, Tensor) or \
                any(type(inst) is v for v in _user_globals.values()):
            setstate = getattr(inst, "__setstate__", None)
            if setstate is not None and not isinstance(inst, Tensor):
                setstate(state)
            else:
                _set_state(inst, state)
            return
        raise pickle.UnpicklingError(f"Weights only load failed. Can only build Tensor, Parameter, OrderedDict "
                                     f"or types allowlisted via `add_safe_globals`, but got {type(inst)}")

    def _target(self, kinds, what):
        """The container on top of the stack, if it is one of `kinds` (so no other object's method runs)."""
        obj = self.stack[-1]
        if type(obj) not in kinds:
            raise pickle.UnpicklingError(f"Weights only load failed. Can only {what}, but got {type(obj)}")
        return obj

    def load_append(self):
        value = self.stack.pop()
        self._target((list,), "append to lists").append(value)

    def load_appends(self):
        items = self.pop_mark()
        self._target((list,), "extend lists").extend(items)

    def load_setitem(self):
        value = self.stack.pop()
        key = self.stack.pop()
        self._target(_DICTS, "set items of dicts")[key] = value

    def load_setitems(self):
        items = self.pop_mark()
        d = self._target(_DICTS, "set items of dicts")
        for i in range(0, len(items), 2):
            d[items[i]] = items[i + 1]

    def load_additems(self):
        items = self.pop_mark()
        self._target((set,), "add items to sets").update(items)

    def load_inst(self):
        raise pickle.UnpicklingError("Weights only load failed. Unsupported operand INST")

    def load_obj(self):
        raise pickle.UnpicklingError("Weights only load failed. Unsupported operand OBJ")

    def load_ext(self):  # the copyreg extension registry reaches globals by number: not allowed
        raise pickle.UnpicklingError("Weights only load failed. Unsupported operand EXT")


_WeightsUnpickler.dispatch.update({code[0]: getattr(_WeightsUnpickler, name) for name, code in (
    ("load_reduce", pickle.REDUCE), ("load_newobj", pickle.NEWOBJ), ("load_newobj_ex", pickle.NEWOBJ_EX),
    ("load_build", pickle.BUILD), ("load_append", pickle.APPEND), ("load_appends", pickle.APPENDS),
    ("load_setitem", pickle.SETITEM), ("load_setitems", pickle.SETITEMS), ("load_additems", pickle.ADDITEMS),
    ("load_inst", pickle.INST), ("load_obj", pickle.OBJ), ("load_ext", pickle.EXT1), ("load_ext", pickle.EXT2),
    ("load_ext", pickle.EXT4))})


def _ember_global(module, name):
    """The Ember object standing for PyTorch's `module.name` (torch.* -> ember.*, torchvision.* -> ember.vision.*)."""
    import importlib
    if module == "torch" or module.startswith("torch."):
        parts = ["ember"] + module.split(".")[1:]
    else:
        parts = ["ember", "vision"] + module.split(".")[1:]
    for i in range(len(parts), 0, -1):  # the same module in Ember, else the nearest package that exports it
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        try:
            for attr in name.split("."):
                obj = getattr(obj, attr)
            return obj
        except AttributeError:
            continue
    raise pickle.UnpicklingError(f"the checkpoint needs {module}.{name}, which Ember does not provide")


class _FullUnpickler(pickle.Unpickler):
    """weights_only=False: ordinary unpickling (can run code), with PyTorch's names mapped to Ember's."""

    def __init__(self, file, persistent_load, **kwargs):
        super().__init__(file, **kwargs)
        self.persistent_load = persistent_load

    def find_class(self, module, name):
        module, name = _fix_imports(module, name)
        obj = _allowed_globals().get(f"{module}.{name}")
        if obj is not None:
            return obj
        if module.split(".")[0] in ("torch", "torchvision"):
            return _ember_global(module, name)
        return super().find_class(module, name)


# ---------------------------------------------------------------------- reading the zip archive
class _CheckpointError(RuntimeError):
    pass


def _corrupt(name, why):
    return _CheckpointError(f"ember.load: {name} is not a valid checkpoint: {why}. The file is truncated or "
                            "corrupted (it was not written completely, or its bytes were changed).")


class _ZipReader:
    """The records of a checkpoint archive, each read whole and CRC-checked before use."""

    def __init__(self, fh, name, mm=None):
        self.fh, self.name, self.mm = fh, name, mm
        try:
            self.zf = zipfile.ZipFile(fh)
        except Exception as e:  # zipfile reports damage as many types (BadZipFile, NotImplementedError, ...)
            raise _corrupt(name, f"PytorchStreamReader failed reading zip archive: failed finding central "
                                 f"directory ({e})") from None
        names = self.zf.namelist()
        if not names:
            raise _corrupt(name, "the archive is empty")
        self.prefix = names[0].split("/", 1)[0] + "/"
        self.names = set(names)

    def has(self, record):
        return self.prefix + record in self.names

    def read(self, record):
        try:
            return self.zf.read(self.prefix + record)
        except KeyError:
            raise _corrupt(self.name, f"record {record!r} is missing") from None
        except Exception as e:
            raise _corrupt(self.name, f"record {record!r}: {e}") from None

    def read_storage(self, record, nbytes):
        """The record's bytes as a writable uint8 array (a copy-on-write view of the file under mmap)."""
        try:
            info = self.zf.getinfo(self.prefix + record)
        except KeyError:
            raise _corrupt(self.name, f"record {record!r} is missing") from None
        if info.file_size != nbytes:
            raise _corrupt(self.name, f"record {record!r} holds {info.file_size} bytes, expected {nbytes}")
        if info.compress_type != zipfile.ZIP_STORED:
            return np.frombuffer(bytearray(self.read(record)), np.uint8)
        try:
            self.fh.seek(info.header_offset)
            header = self.fh.read(30)
            if len(header) != 30 or header[:4] != b"PK\x03\x04":
                raise _corrupt(self.name, f"record {record!r}: bad local file header")
            n, m = struct.unpack("<HH", header[26:30])
            start = info.header_offset + 30 + n + m
            if self.mm is not None:
                if start + nbytes > len(self.mm):
                    raise _corrupt(self.name, f"record {record!r} runs past the end of the file")
                arr = np.ndarray((nbytes,), np.uint8, buffer=self.mm, offset=start)
            else:
                self.fh.seek(start)
                arr = np.empty(nbytes, np.uint8)
                got = self.fh.readinto(memoryview(arr)) if hasattr(self.fh, "readinto") else None
                if got is None:
                    data = self.fh.read(nbytes)
                    got = len(data)
                    arr[:got] = np.frombuffer(data, np.uint8)
                if got != nbytes:
                    raise _corrupt(self.name, f"record {record!r} is cut short ({got} of {nbytes} bytes)")
        except (OSError, ValueError, struct.error) as e:
            raise _corrupt(self.name, f"record {record!r}: {e}") from None
        if zlib.crc32(arr) != info.CRC:
            raise _corrupt(self.name, f"record {record!r} fails its CRC-32 check")
        return arr


def _restore_location(map_location):
    """A function (storage, location) -> storage or None applying torch.load's map_location forms."""
    if map_location is None:
        return lambda s, loc: None
    if callable(map_location) and not isinstance(map_location, (str, device)):
        return map_location
    if isinstance(map_location, dict):
        return lambda s, loc: _restore_to(s, map_location.get(loc, loc))
    target = map_location
    return lambda s, loc: _restore_to(s, target)


def _restore_to(storage, location):
    dev = location if isinstance(location, device) else device(str(location))
    if dev.type == "cpu" or dev.type == "meta":
        return storage
    from . import cuda
    if dev.type == "cuda" and not cuda.is_available():
        raise RuntimeError("Attempting to deserialize object on a CUDA device but torch.cuda.is_available() is "
                           "False. If you are running on a CPU-only machine, please use torch.load with "
                           "map_location=torch.device('cpu') to map your storages to the CPU.")
    raise RuntimeError(f"Attempting to deserialize object on {dev.type} device, which Ember does not provide here; "
                       "use map_location='cpu'")


def _typed(flat_bytes, dtype):
    s = TypedStorage.__new__(TypedStorage)
    s.dtype = dtype
    s._array = flat_bytes.view(dtype.np)
    return s


def _storage_loader(read, map_location, swap):
    """persistent_load for a checkpoint: each storage key read once, then shared by all its tensors."""
    restore = _restore_location(map_location)
    loaded = {}

    def persistent_load(pid):
        if not (isinstance(pid, tuple) and len(pid) >= 5 and pid[0] == "storage"
                and isinstance(pid[1], _StorageType)):
            raise pickle.UnpicklingError(f"unsupported persistent id encountered: {pid!r:.200}")
        kind, key, location, numel = pid[1], str(pid[2]), pid[3], pid[4]
        if key not in loaded:
            dtype = kind.dtype
            nbytes = numel * (1 if kind.untyped else dtype.itemsize)
            storage = _typed(read(key, nbytes), dtype)
            if swap and dtype.itemsize > 1:
                storage._array.byteswap(inplace=True)
            result = restore(storage, location)
            if result is None:
                result = _restore_to(storage, location)
            loaded[key] = result
        storage = loaded[key]
        if kind.untyped:
            u = UntypedStorage.__new__(UntypedStorage)
            u._bytes = storage._array.view(np.uint8) if isinstance(storage, TypedStorage) else storage._bytes
            return u
        if isinstance(storage, UntypedStorage):
            return _typed(storage._bytes, kind.dtype)
        if storage.dtype is not kind.dtype:
            return _typed(storage._array.view(np.uint8), kind.dtype)
        return storage
    return persistent_load


def _unpickle(data, persistent_load, weights_only, name, pickle_load_args):
    cls = _WeightsUnpickler if weights_only else _FullUnpickler
    unpickler = cls(io.BytesIO(data) if isinstance(data, bytes) else data, persistent_load, **pickle_load_args)
    try:
        return unpickler.load()
    except pickle.UnpicklingError as e:
        if weights_only and "Weights only load failed" in str(e):
            raise _weights_only_error(e, name) from None
        raise


def _load_zip(reader, map_location, weights_only, pickle_load_args):
    swap = reader.has("byteorder") and reader.read("byteorder") != sys.byteorder.encode()
    persistent_load = _storage_loader(lambda key, nbytes: reader.read_storage("data/" + key, nbytes),
                                      map_location, swap)
    return _unpickle(reader.read("data.pkl"), persistent_load, weights_only, reader.name, pickle_load_args)


_LEGACY_MAGIC = 0x1950A86A20F9469CFC6C


def _load_legacy(fh, name, map_location, weights_only, pickle_load_args):
    """torch.save(..., _use_new_zipfile_serialization=False): pickles of a magic number, a protocol
    version and system info, then the object, the storage keys, and each storage as an int64
    element count followed by its bytes."""
    def plain():  # the header pickles hold only ints and dicts
        return _WeightsUnpickler(fh, lambda pid: None).load()
    try:
        if plain() != _LEGACY_MAGIC:
            raise pickle.UnpicklingError("Invalid magic number; corrupt file?")
        plain()  # protocol version
        sys_info = plain()
    except (EOFError, struct.error) as e:
        raise _corrupt(name, f"legacy header is cut short ({e})") from None
    little = sys_info.get("little_endian", True) if isinstance(sys_info, dict) else True
    storages = {}  # key -> (typed storage, location); filled in place after the object pickle

    def read(key, nbytes):
        return np.zeros(nbytes, np.uint8)

    load_storage = _storage_loader(read, None, False)

    def persistent_load(pid):
        s = load_storage(pid)
        storages.setdefault(str(pid[2]), (s, pid[3]))
        return s

    cls = _WeightsUnpickler if weights_only else _FullUnpickler
    result = cls(fh, persistent_load, **pickle_load_args).load()
    for key in plain():
        if str(key) not in storages:
            raise _corrupt(name, f"legacy storage {key!r} is not referenced")
        s, location = storages[str(key)]
        raw = s._array.view(np.uint8) if isinstance(s, TypedStorage) else s._bytes
        itemsize = s.dtype.itemsize if isinstance(s, TypedStorage) else 1
        head = fh.read(8)
        if len(head) != 8 or struct.unpack("<q", head)[0] * itemsize != raw.size or \
                fh.readinto(memoryview(raw)) != raw.size:
            raise _corrupt(name, f"legacy storage {key!r} is cut short or has the wrong size")
        if not little and itemsize > 1:
            s._array.byteswap(inplace=True)
        if _restore_location(map_location)(s, location) is None:
            _restore_to(s, location)
    return result


@contextlib.contextmanager
def _open_for_read(f, use_mmap):
    if isinstance(f, (str, bytes, os.PathLike)):
        name = os.fsdecode(os.fspath(f))
        with open(f, "rb") as fh:
            mm = None
            if use_mmap and os.fstat(fh.fileno()).st_size:
                mm = _mmap.mmap(fh.fileno(), 0, access=_mmap.ACCESS_COPY)
            yield fh, name, mm
        return
    if use_mmap:
        raise ValueError("f must be a file path in order to use the mmap argument")
    if not hasattr(f, "read"):
        raise AttributeError(f"'{type(f).__name__}' object has no attribute 'read'")
    name = getattr(f, "name", None) or f"<{type(f).__name__}>"
    if not (hasattr(f, "seekable") and f.seekable()):
        f = io.BytesIO(f.read())
    yield f, str(name), None


def load(f, map_location=None, pickle_module=None, *, weights_only=None, mmap=None, **pickle_load_args):
    """Load an object saved by ember.save or torch.save (torch.load).

    Safe by default: only tensors, storages, containers and the few PyTorch globals a checkpoint
    needs can be unpickled (`weights_only=True`); pass `weights_only=False` to unpickle anything
    (only for files you trust: a pickle can run code). `map_location` ('cpu', a device, a dict or a
    callable) decides where storages go; `mmap=True` maps the file instead of reading it."""
    if weights_only is None:
        weights_only = pickle_module is None
    if weights_only and pickle_module is not None:
        raise RuntimeError("Can not safely load weights when explicit pickle_module is specified")
    pickle_load_args.setdefault("encoding", "utf-8")
    with _open_for_read(f, mmap) as (fh, name, mm):
        start = fh.tell()
        head = fh.read(4)
        fh.seek(start)
        if not head:
            raise _corrupt(name, "the file is empty")
        if head[:2] == b"PK":
            return _load_zip(_ZipReader(fh, name, mm), map_location, weights_only, pickle_load_args)
        if head[:1] == b"\x80":
            return _load_legacy(fh, name, map_location, weights_only, pickle_load_args)
        raise _corrupt(name, "it is neither a zip checkpoint nor a legacy pickle")
