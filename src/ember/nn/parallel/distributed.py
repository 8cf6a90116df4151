"""DistributedDataParallel: one model replica per rank, gradients averaged across ranks.

Parameters are broadcast from rank 0 when the model is wrapped. During backward, each parameter
reports when its gradient is ready; once every parameter of a bucket (about `bucket_cap_mb` of
gradients, in reverse registration order, as gradients arrive) is ready, the bucket's gradients
are flattened into one buffer and averaged with a single all-reduce.
"""
import contextlib

import numpy as np

from ..modules.module import Module
from ... import distributed as dist


class _Bucket:
    __slots__ = ("params", "ready")

    def __init__(self, params):
        self.params, self.ready = params, set()


class DistributedDataParallel(Module):
    def __init__(self, module, device_ids=None, output_device=None, dim=0, broadcast_buffers=True,
                 process_group=None, bucket_cap_mb=25, find_unused_parameters=False, check_reduction=False,
                 gradient_as_bucket_view=False, static_graph=False, **kwargs):
        super().__init__()
        self.module = module
        self.process_group = dist._group(process_group)
        self.broadcast_buffers = broadcast_buffers
        self.find_unused_parameters = find_unused_parameters
        self.require_backward_grad_sync = True
        self._sync_module_states()
        params = [p for p in module.parameters() if p.requires_grad]
        if not params:
            raise RuntimeError("DistributedDataParallel is not needed when a module doesn't have any parameter "
                               "that requires a gradient.")
        self._buckets, self._bucket_of = self._make_buckets(params, int(bucket_cap_mb * 1024 * 1024))
        for p in params:
            p.register_post_accumulate_grad_hook(self._grad_ready)

    def _sync_module_states(self):
        """Every rank starts from rank 0's parameters and buffers."""
        for t in list(self.module.parameters()) + list(self.module.buffers()):
            dist.broadcast(t.detach(), src=0, group=self.process_group)

    @staticmethod
    def _make_buckets(params, cap):
        buckets, current, size = [], [], 0
        for p in reversed(params):  # gradients become ready roughly in reverse order of registration
            current.append(p)
            size += p._data.nbytes
            if size >= cap:
                buckets.append(_Bucket(current))
                current, size = [], 0
        if current:
            buckets.append(_Bucket(current))
        return buckets, {id(p): b for b in buckets for p in b.params}

    def forward(self, *inputs, **kwargs):
        if self.require_backward_grad_sync and any(b.ready for b in self._buckets):
            raise RuntimeError(
                "Expected to have finished reduction in the prior iteration before starting a new one. This error "
                "indicates that your module has parameters that were not used in producing loss. Ember's "
                "DistributedDataParallel needs every parameter to receive a gradient in each step "
                f"(parameters still waiting: {self._waiting()}).")
        if self.broadcast_buffers:
            for b in self.module.buffers():
                dist.broadcast(b.detach(), src=0, group=self.process_group)
        return self.module(*inputs, **kwargs)

    def _waiting(self):
        names = {id(p): n for n, p in self.module.named_parameters()}
        return ", ".join(names[id(p)] for b in self._buckets if b.ready for p in b.params if id(p) not in b.ready)

    def _grad_ready(self, param):
        if not self.require_backward_grad_sync:
            return
        bucket = self._bucket_of[id(param)]
        bucket.ready.add(id(param))
        if len(bucket.ready) == len(bucket.params):
            self._all_reduce(bucket)
            bucket.ready.clear()

    def _all_reduce(self, bucket):
        grads = [p.grad for p in bucket.params]
        flat = np.concatenate([g._data.reshape(-1) for g in grads])
        from ..._tensor import Tensor
        from ... import _dtype as D
        buf = Tensor._make(flat, D.from_numpy_dtype(flat.dtype))
        dist.all_reduce(buf, dist.ReduceOp.AVG, group=self.process_group)
        offset = 0
        for g in grads:
            n = g._data.size
            g._data[...] = flat[offset:offset + n].reshape(g._data.shape)
            offset += n

    @contextlib.contextmanager
    def no_sync(self):
        """Accumulate gradients locally; the next synchronised backward averages the sums."""
        prev = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = prev

    def state_dict(self, *args, **kwargs):
        return super().state_dict(*args, **kwargs)
