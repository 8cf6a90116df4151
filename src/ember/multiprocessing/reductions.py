"""How tensors cross process boundaries (torch.multiprocessing.reductions): a tensor put on a
multiprocessing Queue, or passed to a spawned process, moves into shared memory and travels as a
file descriptor of that memory plus its layout, never as a copy of its bytes."""
from multiprocessing.reduction import ForkingPickler, DupFd

from .. import _dtype as D
from .._storage import share_memory_, segment_of, shared_view, _attach_segment
from .._tensor import Tensor, _address, _root

__all__ = ["reduce_tensor", "rebuild_tensor", "init_reductions"]


def reduce_tensor(t):
    """ForkingPickler's reduction of a tensor: (rebuild_tensor, a handle to its shared memory)."""
    if t.requires_grad and not t.is_leaf:
        raise RuntimeError("Cowardly refusing to serialize non-leaf tensor which requires_grad, since autograd does "
                           "not support crossing process boundaries.  If you just want to transfer the data, call "
                           "detach() on the tensor before serializing (e.g., putting it on the queue).")
    share_memory_(t)
    arr = t._data
    root = _root(arr)
    seg = segment_of(arr)
    return rebuild_tensor, (type(t), DupFd(seg.fd), root.nbytes, t._dtype.name, _address(arr) - _address(root),
                            arr.shape, arr.strides, t.requires_grad, dict(t.__dict__))


def rebuild_tensor(cls, handle, nbytes, dtype, offset, shape, strides, requires_grad, attrs):
    """The receiving side: map the sender's shared memory and view it with the sender's layout."""
    dtype = D.to_dtype(dtype)
    seg = _attach_segment(handle.detach(), nbytes)
    t = cls._make(shared_view(seg, nbytes, dtype.np, offset, shape, strides), dtype)
    if requires_grad:
        t.requires_grad_(True)
    t.__dict__.update(attrs)
    return t


def init_reductions():
    """Teach multiprocessing's pickler to send Ember tensors through shared memory (done on import)."""
    from ..nn.parameter import Parameter
    for cls in (Tensor, Parameter):
        ForkingPickler.register(cls, reduce_tensor)
