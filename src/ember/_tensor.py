"""ember.Tensor: an array, its dtype, and its place in the autograd graph. No math lives here:
ops are defined in `ember._ops` and attached as methods and operators by `ember._ops.registry`."""
import warnings

from ._backend import xp, cpu, device as Device, to_device
from . import _dtype as D
from .autograd import graph
from .autograd.grad_mode import state as _grad_state


class Tensor:
    """A multi-dimensional array with autograd; mirrors torch.Tensor.

    `_data` is the array (a view of its storage), `_vc` the version counter shared by all views
    of one storage, `_base` the tensor this one is a view of."""
    __slots__ = ("_data", "_dtype", "_rg", "grad_fn", "_output_nr", "_vc", "_base", "_grad", "_acc", "_meta",
                 "__weakref__", "__dict__")

    # ------------------------------------------------------------------ construction
    @classmethod
    def _make(cls, arr, dtype, base=None):
        t = object.__new__(cls)
        t._data, t._dtype = arr, dtype
        t._rg, t.grad_fn, t._output_nr, t._grad, t._acc, t._meta = False, None, 0, None, None, None
        if _grad_state.inference:  # made in inference mode: an inference tensor
            t._meta = {"inference": True}
            _grad_state.inference_tensors = True
        elif _grad_state.inference_tensors and base is not None and base.is_inference():  # so are its views
            t._meta = {"inference": True}
        t._base = base
        t._vc = base._vc if base is not None else [0]
        return t

    def __new__(cls, *args, **kwargs):
        # torch.Tensor(data) / torch.Tensor(2, 3): the legacy constructor, always float32
        from ._ops.creation import _legacy_new
        return _legacy_new(cls, *args, **kwargs)

    def __init__(self, *args, **kwargs):
        pass

    # ------------------------------------------------------------------ metadata
    @property
    def dtype(self):
        return self._dtype

    @property
    def shape(self):
        return Size(self._data.shape)

    def size(self, dim=None):
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[self._wrap_dim(dim)]

    def dim(self):
        return self._data.ndim

    ndimension = dim

    @property
    def ndim(self):
        return self._data.ndim

    def numel(self):
        return self._data.size

    nelement = numel

    def element_size(self):
        return self._dtype.itemsize

    @property
    def itemsize(self):
        return self._dtype.itemsize

    @property
    def nbytes(self):
        return self._data.size * self._dtype.itemsize

    @property
    def device(self):
        return cpu

    @property
    def is_cuda(self):
        return False

    # torch's device and layout predicates: an Ember tensor is a dense strided tensor on the CPU
    is_mps = is_meta = is_sparse = is_quantized = is_xpu = is_ipu = is_maia = is_mtia = is_cuda
    is_mkldnn = is_vulkan = is_xla = is_nested = is_sparse_csr = is_cuda

    @property
    def is_cpu(self):
        return True

    @property
    def layout(self):
        from . import strided
        return strided

    def is_floating_point(self):
        return self._dtype.is_floating_point

    def is_complex(self):
        return self._dtype.is_complex

    def is_signed(self):
        return self._dtype.is_signed

    def get_device(self):
        return -1

    def _wrap_dim(self, dim, ndim=None):
        n = self._data.ndim if ndim is None else ndim
        lo, hi = (-n, n - 1) if n else (-1, 0)
        if not isinstance(dim, int):
            raise TypeError(f"dim must be an int, got {type(dim).__name__}")
        if dim < lo or dim > hi:
            raise IndexError(f"Dimension out of range (expected to be in range of [{lo}, {hi}], but got {dim})")
        return dim % n if n else 0

    # ------------------------------------------------------------------ storage and strides
    def stride(self, dim=None):
        a = self._data
        if a.size == 0 and not any(a.strides):  # NumPy zeroes an empty array's strides; torch keeps row-major ones
            st = _contiguous_strides(a.shape)
        else:
            st = tuple(s // self._dtype.itemsize for s in a.strides)
        return st if dim is None else st[self._wrap_dim(dim)]

    def storage_offset(self):
        root = _root(self._data)
        return (_address(self._data) - _address(root)) // self._dtype.itemsize

    def is_contiguous(self, memory_format=None):
        a = self._data
        if memory_format is not None and getattr(memory_format, "name", "") == "channels_last":
            return a.ndim == 4 and self.permute(0, 2, 3, 1).is_contiguous()
        expected = 1
        for n, s in zip(reversed(a.shape), reversed(a.strides)):
            if n != 1 and s != expected * a.itemsize:
                return a.size == 0
            expected *= n
        return True

    def data_ptr(self):
        return _address(self._data)

    def storage(self):
        from ._storage import TypedStorage
        return TypedStorage._of(self)

    def untyped_storage(self):
        from ._storage import UntypedStorage
        return UntypedStorage._of(self)

    def is_set_to(self, tensor):
        return (self.data_ptr() == tensor.data_ptr() and self.shape == tensor.shape and self.stride() == tensor.stride())

    @property
    def _version(self):
        return self._vc[0]

    # ------------------------------------------------------------------ autograd
    @property
    def requires_grad(self):
        return self._rg

    @requires_grad.setter
    def requires_grad(self, flag):
        self.requires_grad_(flag)

    def requires_grad_(self, requires_grad=True):
        if self.grad_fn is not None:
            if not requires_grad:
                raise RuntimeError("you can only change requires_grad flags of leaf variables. If you want to use a "
                                   "computed variable in a subgraph that doesn't require differentiation use "
                                   "var_no_grad = var.detach().")
            return self
        if requires_grad and self.is_inference() and not _grad_state.inference:
            raise RuntimeError("Setting requires_grad=True on inference tensor outside InferenceMode is not allowed.")
        if requires_grad and not (self._dtype.is_floating_point or self._dtype.is_complex):
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        self._rg = bool(requires_grad)
        return self

    @property
    def is_leaf(self):
        return self.grad_fn is None

    @property
    def output_nr(self):
        """Which output of its grad_fn this tensor is."""
        return self._output_nr

    @property
    def grad(self):
        if self.grad_fn is not None and not self.retains_grad and self._grad is None:
            warnings.warn(
                "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad attribute "
                "won't be populated during autograd.backward(). If you indeed want the .grad field to be populated "
                "for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. If you access the non-leaf Tensor "
                "by mistake, make sure you access the leaf Tensor instead. See github.com/pytorch/pytorch/pull/30531 "
                "for more information.", UserWarning, stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, value):
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of type "
                                f"{type(value).__name__}")
            if value._dtype is not self._dtype:
                raise RuntimeError(f"attempting to assign a gradient with dtype '{_CPP_TYPE[value._dtype.name]}' to "
                                   f"a tensor with grad_dtype '{D._LEGACY[self._dtype.name]}'. The gradient must "
                                   "match the tensor's grad_dtype (defaults to the tensor's dtype). You can set the "
                                   "tensor's grad_dtype attribute with a specific dtype, or None to allow any dtype. "
                                   "Set grad_dtype with caution. Diverging the dtypes of a tensor and its gradient "
                                   "may break downstream systems that assume they match.")
            if value._data.shape != self._data.shape:
                raise RuntimeError(f"attempting to assign a gradient of size '[{', '.join(map(str, value.shape))}]' "
                                   f"to a tensor of size '[{', '.join(map(str, self.shape))}]'. Please ensure that "
                                   "the gradient and the tensor are the same size")
        self._grad = value

    @property
    def retains_grad(self):
        return self._meta is not None and self._meta.get("retains_grad", False)

    def retain_grad(self):
        if self.grad_fn is None:
            if not self._rg:
                raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
            return
        if self.retains_grad:
            return
        ref = __import__("weakref").ref(self)

        def keep(g):
            t = ref()
            if t is not None:
                t._grad = g.detach().clone() if t._grad is None else t._grad + g.detach()
        self.grad_fn._add_retain_hook(self._output_nr, keep)
        self._meta_set("retains_grad", True)

    def register_hook(self, hook):
        """Call hook(grad) when this tensor's gradient is computed; a returned tensor replaces it."""
        if not self._rg:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is not None:
            return self.grad_fn._add_pre_hook(self._output_nr, hook)
        hooks = self._meta_setdefault("hooks", [])
        hooks.append(hook)
        return graph._Handle(hooks, hook)

    def register_post_accumulate_grad_hook(self, hook):
        if self.grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
        hooks = self._meta_setdefault("post_hooks", [])
        hooks.append(hook)
        return graph._Handle(hooks, hook)

    def _meta_set(self, key, value):
        if self._meta is None:
            self._meta = {}
        self._meta[key] = value

    def _meta_setdefault(self, key, value):
        if self._meta is None:
            self._meta = {}
        return self._meta.setdefault(key, value)

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Compute gradients of this tensor w.r.t. graph leaves (torch.Tensor.backward)."""
        from .autograd import backward
        backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    def detach(self):
        t = Tensor._make(self._data, self._dtype)
        t._vc = self._vc
        return t

    def detach_(self):
        if self._base is not None and self._base._rg:
            raise RuntimeError("Can't detach views in-place. Use detach() instead.")
        self.grad_fn, self._rg = None, False
        return self

    @property
    def data(self):
        t = Tensor._make(self._data, self._dtype)
        t._vc = [0]  # .data is hidden from version tracking, as in torch
        return t

    @data.setter
    def data(self, value):
        self._data, self._dtype = value._data, value._dtype

    def is_inference(self):
        return self._meta is not None and self._meta.get("inference", False)

    # ------------------------------------------------------------------ conversion to Python / NumPy
    def item(self):
        if self._data.size != 1:
            raise RuntimeError(f"a Tensor with {self._data.size} elements cannot be converted to Scalar")
        return self._data.item() if self._dtype is not D.bfloat16 else float(self._data.reshape(()))

    def tolist(self):
        if self._dtype is D.bfloat16:
            return self._data.astype(xp.float32).tolist()
        return self._data.tolist()

    def numpy(self, *, force=False):
        if self._rg and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
        if self._dtype is D.bfloat16:
            raise TypeError("Got unsupported ScalarType BFloat16")
        return self._data

    def __array__(self, dtype=None, copy=None):
        a = self.detach().numpy()
        return a if dtype is None else a.astype(dtype)

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    def _scalar_check(self, kind):
        if self._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")

    def __bool__(self):
        if self._data.size != 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous" if self._data.size
                               else "Boolean value of Tensor with no values is ambiguous")
        return bool(self._data.reshape(()))

    def is_nonzero(self):
        return self.__bool__()

    def __float__(self):
        self._scalar_check("float")
        return float(self.item())

    def __int__(self):
        self._scalar_check("int")
        return int(self.item())

    def __complex__(self):
        self._scalar_check("complex")
        return complex(self.item())

    def __index__(self):
        if self._dtype.is_floating_point or self._dtype.is_complex or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __format__(self, spec):
        if self._data.ndim == 0:
            return format(self.item(), spec)
        return object.__format__(self, spec)

    __hash__ = object.__hash__

    def __repr__(self, *, tensor_contents=None):
        from ._printing import format_tensor
        suffixes = []
        if self.grad_fn is not None:
            suffixes.append(f"grad_fn=<{self.grad_fn.name()}>")
        elif self._rg:
            suffixes.append("requires_grad=True")
        data = self._data.astype(xp.float32) if self._dtype is D.bfloat16 else self._data
        return format_tensor(data, self._dtype.name, D.get_default_dtype().name, tuple(suffixes))

    __str__ = __repr__

    def __reduce_ex__(self, protocol):
        from ._ops.creation import _rebuild
        return (_rebuild, (self.detach()._data.copy(), self._dtype.name, self._rg))

    def __deepcopy__(self, memo):
        if self.grad_fn is not None:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) support the deepcopy "
                               "protocol at the moment.  If you were attempting to deepcopy a module, this may be "
                               "because of a torch.nn.utils.weight_norm usage, see "
                               "https://github.com/pytorch/pytorch/pull/103001")
        new = type(self).__new__(type(self), self._data.copy()) if type(self) is not Tensor else \
            Tensor._make(self._data.copy(), self._dtype)
        new._dtype = self._dtype
        new._rg = self._rg
        if self._grad is not None:
            new._grad = self._grad.__deepcopy__(memo)
        if hasattr(self, "__dict__"):
            new.__dict__.update({k: v for k, v in self.__dict__.items()})
        memo[id(self)] = new
        return new

    # ------------------------------------------------------------------ devices and dtype conversion
    @property
    def T(self):
        return self.permute(*reversed(range(self._data.ndim)))

    @property
    def mT(self):
        return self.transpose(-2, -1)

    def cpu(self, memory_format=None):
        return self

    def cuda(self, device=None, non_blocking=False, memory_format=None):
        to_device(self._data, "cuda")

    def xpu(self, device=None, non_blocking=False, memory_format=None):
        to_device(self._data, "xpu")

    def ipu(self, device=None, non_blocking=False, memory_format=None):
        to_device(self._data, "ipu")

    def pin_memory(self):
        return self

    def is_pinned(self):
        return False

    def share_memory_(self):
        """Move this tensor's memory into shared memory, where other processes see its changes."""
        from ._storage import share_memory_
        return share_memory_(self)

    def is_shared(self):
        from ._storage import segment_of
        return segment_of(self._data) is not None


# the C++ type names torch's messages use for a gradient's dtype
_CPP_TYPE = {"bool": "bool", "uint8": "unsigned char", "int8": "signed char", "int16": "short int", "int32": "int",
             "int64": "long int", "float16": "c10::Half", "bfloat16": "c10::BFloat16", "float32": "float",
             "float64": "double", "complex64": "c10::complex<float>", "complex128": "c10::complex<double>"}


class Size(tuple):
    """torch.Size: a tuple of ints that prints as torch.Size([2, 3])."""

    def __repr__(self):
        return f"torch.Size([{', '.join(map(str, self))}])"

    __str__ = __repr__

    def numel(self):
        n = 1
        for s in self:
            n *= s
        return n

    def __getitem__(self, i):
        r = tuple.__getitem__(self, i)
        return Size(r) if isinstance(i, slice) else r

    def __add__(self, other):
        return Size(tuple(self) + tuple(other))

    def __reduce__(self):
        return (Size, (tuple(self),))


def _contiguous_strides(shape):
    st, acc = [], 1
    for n in reversed(shape):
        st.append(acc)
        acc *= max(n, 1)
    return tuple(reversed(st))


def _address(a):
    return a.__array_interface__["data"][0]


def _root(a):
    """The array that owns the memory `a` looks at: the storage of a tensor."""
    while True:
        b = a.base
        if isinstance(b, xp.ndarray):
            a = b
        elif isinstance(getattr(b, "base", None), xp.ndarray):  # through as_strided's interface holder
            a = b.base
        else:
            return a
