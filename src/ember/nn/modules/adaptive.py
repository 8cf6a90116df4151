"""AdaptiveLogSoftmaxWithLoss (torch.nn.modules.adaptive): the efficient softmax of Grave et al. for large
vocabularies. The frequent classes (below cutoffs[0]) and one slot per rarer cluster share a head softmax;
a class in cluster i gets log p(cluster i) + log p(class | cluster i) from that cluster's smaller tail."""
from collections import namedtuple

from ... import _ops  # noqa: F401  (Ember's ops are registered)
from ..._ops.registry import FUNCTIONS as E
from .. import functional as F
from .container import ModuleList, Sequential
from .linear import Linear
from .module import Module

__all__ = ["AdaptiveLogSoftmaxWithLoss"]

_ASMoutput = namedtuple("_ASMoutput", ["output", "loss"])


class AdaptiveLogSoftmaxWithLoss(Module):
    """head: Linear(in_features, cutoffs[0] + clusters); tail[i]: in_features -> in_features // div_value**(i+1)
    -> the cluster's classes. forward(input, target) gives (per-sample target log-probability, mean NLL)."""

    def __init__(self, in_features, n_classes, cutoffs, div_value=4.0, head_bias=False, device=None, dtype=None):
        super().__init__()
        cutoffs = list(cutoffs)
        if len(cutoffs) == 0:
            raise ValueError("cutoffs should be a sequence of length larger than 0")
        if cutoffs != sorted(cutoffs) or min(cutoffs) <= 0 or max(cutoffs) > n_classes - 1 or \
                len(set(cutoffs)) != len(cutoffs) or any(int(c) != c for c in cutoffs):
            raise ValueError("cutoffs should be a sequence of unique, positive integers sorted in an increasing "
                             "order, where each value is between 1 and n_classes-1")
        self.in_features, self.n_classes, self.div_value, self.head_bias = in_features, n_classes, div_value, head_bias
        self.cutoffs = cutoffs + [n_classes]
        self.shortlist_size = self.cutoffs[0]
        self.n_clusters = len(self.cutoffs) - 1
        self.head_size = self.shortlist_size + self.n_clusters
        self.head = Linear(in_features, self.head_size, bias=head_bias, dtype=dtype)
        self.tail = ModuleList()
        for i in range(self.n_clusters):
            hidden = int(in_features // (div_value ** (i + 1)))
            size = self.cutoffs[i + 1] - self.cutoffs[i]
            self.tail.append(Sequential(Linear(in_features, hidden, bias=False, dtype=dtype),
                                        Linear(hidden, size, bias=False, dtype=dtype)))

    def reset_parameters(self):
        self.head.reset_parameters()
        for hidden, out in self.tail:
            hidden.reset_parameters()
            out.reset_parameters()

    def forward(self, input, target):
        if input.dim() not in (1, 2) or target.dim() != input.dim() - 1:
            raise RuntimeError("1D target tensor expects 2D input tensors, but found inputs with size "
                               f"{list(input.shape)}" if target.dim() == 1 else
                               "0D target tensor expects 1D input tensors, but found inputs with size "
                               f"{list(input.shape)}")
        if input.dim() == 2 and input.shape[0] != target.shape[0]:
            raise RuntimeError("Input and target should have the same size in the batch dimension.")
        batched = input.dim() == 2
        x, t = (input, target) if batched else (input.unsqueeze(0), target.unsqueeze(0))
        if t.numel() and (t.min().item() < 0 or t.max().item() >= self.n_classes):
            raise RuntimeError(f"Target values should be in [0, {self.n_classes - 1}], but values in range "
                               f"[{t.min().item()}, {t.max().item()}] were found. ")
        # the head slot each sample reads: its class if frequent, else its cluster's slot
        cluster = E["bucketize"](t, E["tensor"](self.cutoffs[:-1]), right=True)  # 0: shortlist, i: tail[i-1]
        slot = E["where"](cluster == 0, t, self.shortlist_size + cluster - 1)
        head_logprob = F.log_softmax(self.head(x), dim=1)
        output = head_logprob.gather(1, slot.unsqueeze(1)).squeeze(1)
        for i in range(1, len(self.cutoffs)):
            rows = (cluster == i).nonzero().reshape(-1)
            if rows.numel() == 0:
                continue
            local = F.log_softmax(self.tail[i - 1](x.index_select(0, rows)), dim=1)
            within = (t.index_select(0, rows) - self.cutoffs[i - 1]).unsqueeze(1)
            output = output.index_add(0, rows, local.gather(1, within).squeeze(1))
        loss = (-output).mean()
        return _ASMoutput(output if batched else output.squeeze(0), loss)

    def _full_log_prob(self, input, head_logprob):
        parts = [head_logprob[:, :self.shortlist_size]]
        for i in range(self.n_clusters):
            cluster_logprob = F.log_softmax(self.tail[i](input), dim=1)
            parts.append(cluster_logprob + head_logprob[:, self.shortlist_size + i].unsqueeze(1))
        return E["cat"](parts, 1)

    def log_prob(self, input):
        """log p(class) for every class: (N, n_classes), or (n_classes,) for one sample."""
        batched = input.dim() == 2
        x = input if batched else input.unsqueeze(0)
        out = self._full_log_prob(x, F.log_softmax(self.head(x), dim=1))
        return out if batched else out.squeeze(0)

    def predict(self, input):
        """The most likely class of each sample."""
        return self.log_prob(input).argmax(-1)
