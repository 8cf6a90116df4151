"""The tensor API SPEC.md lists exists in Ember in each form PyTorch has: function (torch.name),
method (Tensor.name) and in-place method (Tensor.name_)."""
import pytest
import torch

import ember
from tests.tensor.test_ops import CASES

SPEC_NAMES = """
tensor as_tensor asarray from_numpy zeros ones full empty zeros_like ones_like full_like empty_like arange linspace
logspace eye rand randn randint randperm rand_like randn_like randint_like normal bernoulli multinomial manual_seed
seed initial_seed Generator get_rng_state set_rng_state result_type promote_types can_cast is_tensor is_storage
is_floating_point is_complex is_nonzero numel get_default_dtype set_default_dtype set_printoptions
storage untyped_storage storage_offset stride is_contiguous data_ptr view view_as reshape reshape_as transpose permute
t T mT expand expand_as squeeze unsqueeze narrow select unfold as_strided flatten unflatten movedim diagonal contiguous
clone detach add sub mul div true_divide floor_divide remainder fmod pow neg abs sqrt exp log sin cos tanh sigmoid
relu clamp clip eq ne lt le gt ge logical_and logical_or logical_xor logical_not bitwise_and bitwise_or bitwise_xor
bitwise_not sum mean prod max min amax amin argmax argmin std var norm logsumexp all any sort argsort topk mode
median kthvalue cumsum cumprod unique gather scatter scatter_add index_select masked_fill masked_select where
index_put index_put_ nonzero cat stack split chunk unbind einsum tril triu flip roll repeat tile matmul mm bmm
item tolist to type float double half long int short bool numpy cpu cuda add_ zero_ fill_ copy_ clamp_ mul_ sub_
div_ uniform_ normal_ random_ bernoulli_ exponential_ requires_grad_ backward
""".split()
NAMES = sorted(set(SPEC_NAMES) | {c[0] for c in CASES if not c[0].startswith("__")})


@pytest.mark.parametrize("name", NAMES)
def test_forms_exist_where_torch_has_them(name):
    missing = []
    if callable(getattr(torch, name, None)) and not isinstance(getattr(torch, name), torch.dtype):
        if not hasattr(ember, name):
            missing.append(f"ember.{name}")
    if hasattr(torch.Tensor, name) and not hasattr(ember.Tensor, name):
        missing.append(f"Tensor.{name}")
    if not name.endswith("_") and hasattr(torch.Tensor, name + "_") and not hasattr(ember.Tensor, name + "_"):
        missing.append(f"Tensor.{name}_")
    assert not missing, "missing: " + ", ".join(missing)


@pytest.mark.parametrize("name", ["add_", "sub_", "mul_", "div_", "clamp_", "exp_", "abs_", "pow_", "fill_",
                                  "zero_", "copy_", "masked_fill_", "index_fill_", "scatter_", "t_", "squeeze_"])
def test_in_place_methods_return_self_and_bump_the_version(name):
    args = {"add_": (1.0,), "sub_": (1.0,), "mul_": (2.0,), "div_": (2.0,), "clamp_": (0.0, 1.0), "pow_": (2,),
            "fill_": (3.0,), "copy_": (ember.ones(2, 3),), "masked_fill_": (ember.ones(2, 3) > 0, 5.0),
            "index_fill_": (1, ember.tensor([0]), 7.0), "scatter_": (1, ember.tensor([[0], [1]]), 9.0)}
    x = ember.rand(2, 3)
    v = x._version
    assert getattr(x, name)(*args.get(name, ())) is x
    if name not in ("t_", "squeeze_"):
        assert x._version > v
