"""Signature parity: torch.overrides.get_testing_overrides() lists, for each torch function and Tensor
method, a stand-in with its Python parameters; every one Ember provides must take those parameters by
name (so keyword calls written for torch work), apart from the differences listed below."""
import inspect

import pytest
import torch
from torch.overrides import get_testing_overrides

import ember

_MODULES = {"torch.nn.functional": ember.nn.functional, "torch._C._nn": ember.nn.functional,
            "torch._C._linalg": ember.linalg, "torch._C._fft": ember.fft, "torch._C._special": ember.special}

# Where the stand-in's parameters are not torch's (each checked by calling torch 2.13), or Ember differs
# on purpose. name -> why.
ACCEPTED = {
    "ember.concatenate": "torch takes axis= (and dim=); the stand-in names only dim",
    "ember.diag_embed": "torch's parameters are offset, dim1, dim2; the stand-in has diagonal",
    "ember.xlogy": "torch's are input, other; the stand-in says x, y",
    "ember.logsumexp": "the stand-in is the named-tensor overload (names=)",
    "ember.msort": "torch.msort takes no descending= (TypeError in torch)",
    "ember.relu": "the stand-in is F.relu's (inplace=); torch.relu has none",
    "ember.swapdims": "torch's are dim0, dim1; the stand-in says axis0, axis1",
    "ember.topk": "torch's are largest, sorted; the stand-in says descending",
    "ember.where": "torch's are condition, input, other; the stand-in says x, y",
    "ember.polar": "torch's second parameter is angle; the stand-in says ang",
    "ember.real": "torch.real takes no out= (TypeError in torch); the stand-in lists one",
    "ember.imag": "torch.imag takes no out= (TypeError in torch); the stand-in lists one",
    "ember.resolve_conj": "torch.resolve_conj takes no out= (TypeError in torch); the stand-in lists one",
    "ember.resolve_neg": "torch.resolve_neg takes no out= (TypeError in torch); the stand-in lists one",
    "ember.bmm": "out_dtype: torch's CPU build has no kernel for it (NotImplementedError)",
    "Tensor.bmm": "out_dtype: torch's CPU build has no kernel for it (NotImplementedError)",
    "Tensor.mm": "out_dtype: torch's CPU build has no kernel for it (NotImplementedError)",
    "Tensor.diag_embed": "torch's parameters are offset, dim1, dim2; the stand-in has diagonal",
    "Tensor.logsumexp": "the stand-in is the named-tensor overload (names=)",
    "Tensor.msort": "torch.Tensor.msort takes no descending=",
    "Tensor.relu": "the stand-in is F.relu's (inplace=)",
    "Tensor.swapdims": "torch's are dim0, dim1; the stand-in says axis0, axis1",
    "Tensor.topk": "torch's are largest, sorted; the stand-in says descending",
    "Tensor.where": "torch's are condition, other; the stand-in says x, y",
    "Tensor.xlogy": "torch's is other; the stand-in says y",
    "Tensor.split_with_sizes": "torch's are split_sizes, dim; the stand-in says split_size_or_sections",
    "Tensor.heaviside": "torch's is values; Ember's binary ops name their second operand other",
    "ember.heaviside": "torch's is values; Ember's binary ops name their second operand other",
}


def _ember_target(fn):
    """Ember's object for a torch function or method, and its name ('ember.x' / 'Tensor.x')."""
    name, qual = getattr(fn, "__name__", None), getattr(fn, "__qualname__", "") or ""
    module = getattr(fn, "__module__", None)
    if name is None or name.startswith("__") or (module or "").startswith("torch.distributed"):
        return None, None
    if qual.startswith(("TensorBase.", "Tensor.")) or (module is None and "." in qual):
        return getattr(ember.Tensor, name, None), "Tensor." + name
    namespace = _MODULES.get(module, ember)
    where = ("ember" if namespace is ember else namespace.__name__) + "." + name
    return getattr(namespace, name, None), where


def _cases():
    for fn, stand_in in get_testing_overrides().items():
        if isinstance(fn, property) or type(fn).__name__ == "getset_descriptor":
            continue
        target, where = _ember_target(fn)
        if target is not None:
            yield pytest.param(stand_in, target, where, id=where)


CASES = list(_cases())


def test_the_sweep_reaches_most_of_ember():
    assert len(CASES) > 800


@pytest.mark.parametrize("stand_in, target, where", CASES)
def test_takes_torchs_parameters(stand_in, target, where):
    want = [n for n, p in inspect.signature(stand_in).parameters.items()
            if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)][1:]  # the input's own name varies (self/input)
    if where.startswith("Tensor."):
        want = [n for n in want if n != "out"]  # methods take no out= in torch either
    have = inspect.signature(target).parameters
    if any(p.kind is p.VAR_KEYWORD for p in have.values()):
        return
    missing = [n for n in want if n not in have]
    if where in ACCEPTED:
        assert missing, f"{where} now takes {want}: drop it from ACCEPTED"
        return
    assert not missing, f"{where}{inspect.signature(target)} lacks {missing} of torch's {want}"
