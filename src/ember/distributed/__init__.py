"""ember.distributed (torch.distributed) over MPI: process groups and collectives on Ember tensors.

Ranks are MPI processes (start them with `ember launch --nproc-per-node N script.py`). The
"mpi" backend is MPI itself; "gloo" is accepted as an alias that uses the same transport.
"""
import os
import pickle

import numpy as np

from .. import _dtype as D

__all__ = ["is_available", "init_process_group", "is_initialized", "get_rank", "get_world_size", "get_backend",
           "barrier", "all_reduce", "broadcast", "all_gather", "reduce", "gather", "scatter", "send", "recv",
           "all_gather_object", "broadcast_object_list", "destroy_process_group", "ReduceOp", "new_group"]


class ReduceOp:
    SUM, AVG, PRODUCT, MIN, MAX, BAND, BOR, BXOR = "sum", "avg", "product", "min", "max", "band", "bor", "bxor"


class _Group:
    """The default process group: an MPI communicator and the backend name it was asked for."""

    def __init__(self, comm, backend):
        self.comm, self.backend = comm, backend

    def rank(self):
        return self.comm.Get_rank()

    def size(self):
        return self.comm.Get_size()


_default = None


def _MPI():
    try:
        from mpi4py import MPI
    except ImportError as e:  # the extra is missing
        raise RuntimeError("ember.distributed needs mpi4py and an MPI runtime: pip install 'ember[distributed]'") from e
    return MPI


def is_available():
    try:
        import mpi4py  # noqa: F401
        return True
    except ImportError:
        return False


def init_process_group(backend=None, init_method=None, timeout=None, world_size=-1, rank=-1, store=None,
                       group_name="", pg_options=None, device_id=None):
    """Join the job's default group. Rank and world size come from MPI; given values must agree."""
    global _default
    if _default is not None:
        raise ValueError("trying to initialize the default process group twice!")
    backend = (backend or "mpi").lower()
    if backend not in ("mpi", "gloo"):
        raise ValueError(f"Backend {backend!r} is not available in Ember: use 'mpi' (or its alias 'gloo')")
    comm = _MPI().COMM_WORLD
    for name, given, actual in (("world_size", world_size, comm.Get_size()), ("rank", rank, comm.Get_rank())):
        if given not in (-1, None) and int(given) != actual:
            raise ValueError(f"init_process_group: {name}={given} but the MPI job has {name}={actual}; "
                             f"start the ranks with `ember launch --nproc-per-node N`")
    _default = _Group(comm, backend)


def _group(group=None):
    if group is not None:
        return group
    if _default is None:
        raise ValueError("Default process group has not been initialized, please make sure to call "
                         "init_process_group.")
    return _default


def is_initialized():
    return _default is not None


def get_rank(group=None):
    return _group(group).rank() if (group is not None or _default is not None) else -1


def get_world_size(group=None):
    return _group(group).size() if (group is not None or _default is not None) else -1


def get_backend(group=None):
    return _group(group).backend


def new_group(ranks=None, timeout=None, backend=None):
    g = _group()
    if ranks is None or sorted(ranks) == list(range(g.size())):
        return g
    color = 0 if g.rank() in ranks else _MPI().UNDEFINED
    sub = g.comm.Split(color, key=g.rank())
    return _Group(sub, g.backend) if sub != _MPI().COMM_NULL else None


def destroy_process_group(group=None):
    global _default
    if group is None or group is _default:
        _default = None


class _Work:
    """What an async_op=True collective returns: already complete (MPI calls here are blocking)."""

    def wait(self, timeout=None):
        return True

    def is_completed(self):
        return True


def _done(async_op):
    return _Work() if async_op else None


def _buffer(tensor):
    """A contiguous array MPI can read and write, and how to put results back into the tensor."""
    arr = tensor._data
    if tensor._dtype is D.bfloat16 or tensor._dtype is D.bool_:
        work = arr.astype(np.float32)
        return work, lambda: arr.__setitem__(Ellipsis, work)
    if arr.flags.c_contiguous and arr.flags.writeable:
        return arr, lambda: None
    work = np.ascontiguousarray(arr)
    return work, lambda: arr.__setitem__(Ellipsis, work)


def _mpi_op(op):
    MPI = _MPI()
    table = {ReduceOp.SUM: MPI.SUM, ReduceOp.AVG: MPI.SUM, ReduceOp.PRODUCT: MPI.PROD, ReduceOp.MIN: MPI.MIN,
             ReduceOp.MAX: MPI.MAX, ReduceOp.BAND: MPI.BAND, ReduceOp.BOR: MPI.BOR, ReduceOp.BXOR: MPI.BXOR}
    if op not in table:
        raise ValueError(f"unknown ReduceOp {op!r}")
    return table[op]


def _finish(tensor, work, write_back, op, g):
    if op == ReduceOp.AVG:
        if work.dtype.kind in "iub":
            raise RuntimeError("ReduceOp.AVG is only supported for floating point tensors")
        work /= g.size()
    write_back()
    tensor._vc[0] += 1


def all_reduce(tensor, op=ReduceOp.SUM, group=None, async_op=False):
    """Reduce `tensor` across ranks, in place, leaving the result on every rank."""
    g = _group(group)
    work, write_back = _buffer(tensor)
    g.comm.Allreduce(_MPI().IN_PLACE, work, op=_mpi_op(op))
    _finish(tensor, work, write_back, op, g)
    return _done(async_op)


def reduce(tensor, dst=0, op=ReduceOp.SUM, group=None, async_op=False):
    """Reduce `tensor` across ranks into rank `dst` (other ranks keep their input)."""
    g = _group(group)
    work, write_back = _buffer(tensor)
    if g.rank() == dst:
        g.comm.Reduce(_MPI().IN_PLACE, work, op=_mpi_op(op), root=dst)
        _finish(tensor, work, write_back, op, g)
    else:
        g.comm.Reduce(work, None, op=_mpi_op(op), root=dst)
    return _done(async_op)


def broadcast(tensor, src=0, group=None, async_op=False):
    """Copy rank `src`'s tensor into every rank's tensor, in place."""
    g = _group(group)
    work, write_back = _buffer(tensor)
    g.comm.Bcast(work, root=src)
    write_back()
    tensor._vc[0] += 1
    return _done(async_op)


def all_gather(tensor_list, tensor, group=None, async_op=False):
    """Fill tensor_list[r] with rank r's tensor, on every rank."""
    g = _group(group)
    if len(tensor_list) != g.size():
        raise ValueError(f"all_gather: tensor_list has {len(tensor_list)} entries for a world of size {g.size()}")
    send, _ = _buffer(tensor)
    recv = np.empty((g.size(),) + send.shape, send.dtype)
    g.comm.Allgather(np.ascontiguousarray(send), recv)
    for out, part in zip(tensor_list, recv):
        out._data[...] = part
        out._vc[0] += 1
    return _done(async_op)


def all_gather_into_tensor(output_tensor, input_tensor, group=None, async_op=False):
    g = _group(group)
    send, _ = _buffer(input_tensor)
    recv = np.empty((g.size() * send.shape[0],) + send.shape[1:], send.dtype) if send.ndim else \
        np.empty(g.size(), send.dtype)
    g.comm.Allgather(np.ascontiguousarray(send), recv)
    output_tensor._data[...] = recv.reshape(output_tensor._data.shape)
    return _done(async_op)


def gather(tensor, gather_list=None, dst=0, group=None, async_op=False):
    g = _group(group)
    send, _ = _buffer(tensor)
    recv = np.empty((g.size(),) + send.shape, send.dtype) if g.rank() == dst else None
    g.comm.Gather(np.ascontiguousarray(send), recv, root=dst)
    if g.rank() == dst:
        for out, part in zip(gather_list, recv):
            out._data[...] = part
    return _done(async_op)


def scatter(tensor, scatter_list=None, src=0, group=None, async_op=False):
    g = _group(group)
    work, write_back = _buffer(tensor)
    send = np.stack([t._data for t in scatter_list]) if g.rank() == src else None
    g.comm.Scatter(send, work, root=src)
    write_back()
    return _done(async_op)


def send(tensor, dst, group=None, tag=0):
    _group(group).comm.Send(np.ascontiguousarray(tensor._data), dest=dst, tag=tag)


def recv(tensor, src=None, group=None, tag=0):
    g = _group(group)
    work, write_back = _buffer(tensor)
    status = _MPI().Status()
    g.comm.Recv(work, source=_MPI().ANY_SOURCE if src is None else src, tag=tag, status=status)
    write_back()
    return status.Get_source()


def barrier(group=None, async_op=False, device_ids=None):
    _group(group).comm.Barrier()
    return _done(async_op)


def broadcast_object_list(object_list, src=0, group=None, device=None):
    g = _group(group)
    objs = g.comm.bcast(pickle.dumps(object_list) if g.rank() == src else None, root=src)
    object_list[:] = pickle.loads(objs)


def all_gather_object(object_list, obj, group=None):
    object_list[:] = _group(group).comm.allgather(obj)


def _env_from_mpi():
    """Export torchrun's variables (RANK, WORLD_SIZE, LOCAL_RANK, ...) from the MPI launcher's."""
    rank = os.environ.get("PMI_RANK") or os.environ.get("OMPI_COMM_WORLD_RANK")
    size = os.environ.get("PMI_SIZE") or os.environ.get("OMPI_COMM_WORLD_SIZE")
    local = os.environ.get("MPI_LOCALRANKID") or os.environ.get("OMPI_COMM_WORLD_LOCAL_RANK") or rank
    nlocal = os.environ.get("MPI_LOCALNRANKS") or os.environ.get("OMPI_COMM_WORLD_LOCAL_SIZE") or size
    if rank is not None:
        os.environ.setdefault("RANK", rank)
        os.environ.setdefault("WORLD_SIZE", size)
        os.environ.setdefault("LOCAL_RANK", local)
        os.environ.setdefault("LOCAL_WORLD_SIZE", nlocal)
        os.environ.setdefault("MASTER_ADDR", "127.0.0.1")
        os.environ.setdefault("MASTER_PORT", "29500")
