"""Bad input raises PyTorch's exception type with PyTorch's message (which names the shapes, dims or
dtypes involved): one parametrised check per family of mistakes."""
import pytest
import torch

import ember

# family -> cases: (label, call(lib)); each must raise in torch, and Ember must raise the same type
# with the same first line of message
FAMILIES = {
    "broadcast": [
        ("add", lambda L: L.ones(2, 3) + L.ones(2, 4)),
        ("add_3d", lambda L: L.ones(2, 3, 4) + L.ones(5, 1, 1)),
        ("sub_vec", lambda L: L.ones(4) - L.ones(2, 3)),
        ("mul_int", lambda L: L.ones(3, 4, dtype=L.int64) * L.ones(3, 5, dtype=L.int64)),
        ("div", lambda L: L.ones(3) / L.ones(2)),
        ("eq", lambda L: L.ones(3) == L.ones(2)),
        ("lt", lambda L: L.ones(2, 3) < L.ones(3, 2)),
        ("maximum", lambda L: L.maximum(L.ones(3), L.ones(4))),
        ("pow", lambda L: L.ones(3) ** L.ones(4)),
        ("atan2", lambda L: L.atan2(L.ones(3), L.ones(4))),
        ("logical_and", lambda L: L.logical_and(L.ones(3), L.ones(4))),
        ("bitwise_and", lambda L: L.ones(3, dtype=L.int32) & L.ones(4, dtype=L.int32)),
        ("where", lambda L: L.where(L.ones(2, 3) > 0, L.ones(2, 3), L.ones(4))),
        ("add_", lambda L: L.ones(3).add_(L.ones(2, 3))),
        ("mul_", lambda L: L.ones(1, 3).mul_(L.ones(2, 3))),
        ("iadd", lambda L: L.ones(3).__iadd__(L.ones(4))),
        ("isclose", lambda L: L.isclose(L.ones(3), L.ones(4))),
        ("expand", lambda L: L.ones(2, 3).expand(4, 3, 2)),
        ("copy_", lambda L: L.ones(3).copy_(L.ones(4))),
    ],
    "dim": [
        ("sum", lambda L: L.ones(2, 3).sum(2)),
        ("sum_neg", lambda L: L.ones(2, 3).sum(-3)),
        ("mean_tuple", lambda L: L.ones(2, 3).mean((0, 5))),
        ("softmax", lambda L: L.softmax(L.ones(2, 3), 2)),
        ("transpose", lambda L: L.ones(2, 3).transpose(0, 2)),
        ("unsqueeze", lambda L: L.ones(2, 3).unsqueeze(3)),
        ("squeeze", lambda L: L.ones(2, 3).squeeze(2)),
        ("select", lambda L: L.ones(2, 3).select(2, 0)),
        ("cat", lambda L: L.cat([L.ones(2, 3), L.ones(2, 3)], 2)),
        ("stack", lambda L: L.stack([L.ones(2), L.ones(2)], 3)),
        ("max", lambda L: L.ones(2, 3).max(2)),
        ("argmax", lambda L: L.ones(2, 3).argmax(-3)),
        ("cumsum", lambda L: L.ones(2, 3).cumsum(5)),
        ("flip", lambda L: L.ones(2, 3).flip([2])),
        ("size", lambda L: L.ones(2, 3).size(2)),
        ("stride", lambda L: L.ones(2, 3).stride(-3)),
        ("0d", lambda L: L.tensor(1.0).sum(1)),
        ("permute_dup", lambda L: L.ones(2, 3).permute(0, 0)),
        ("flatten", lambda L: L.ones(2, 3).flatten(1, 0)),
        ("gather", lambda L: L.ones(2, 3).gather(2, L.zeros(2, 3, dtype=L.int64))),
        ("narrow", lambda L: L.ones(2, 3).narrow(2, 0, 1)),
    ],
    "dtype": [
        ("bitwise_float", lambda L: L.ones(2) & L.ones(2)),
        ("invert_float", lambda L: ~L.ones(2)),
        ("mean_int", lambda L: L.ones(2, dtype=L.int64).mean()),
        ("std_int", lambda L: L.ones(2, dtype=L.int64).std()),
        ("sub_bool", lambda L: L.ones(2, dtype=L.bool) - L.ones(2, dtype=L.bool)),
        ("neg_bool", lambda L: -L.ones(2, dtype=L.bool)),
        ("mm_dtypes", lambda L: L.ones(2, 2).mm(L.ones(2, 2, dtype=L.float64))),
        ("requires_grad_int", lambda L: L.ones(2, dtype=L.int64).requires_grad_()),
        ("requires_grad_kwarg", lambda L: L.tensor([1, 2], requires_grad=True)),
        ("index_float", lambda L: L.ones(3)[L.tensor([0.0])]),
        ("index_select_float", lambda L: L.ones(3).index_select(0, L.tensor([0.0]))),
        ("gather_float", lambda L: L.ones(3).gather(0, L.tensor([0.0]))),
        ("masked_fill_int_mask", lambda L: L.ones(3).masked_fill(L.ones(3, dtype=L.int64), 0)),
        ("where_int_cond", lambda L: L.where(L.ones(3), L.ones(3), L.zeros(3))),
        ("inplace_cast", lambda L: L.ones(2, dtype=L.int64).add_(1.5)),
        ("exp_int_inplace", lambda L: L.ones(2, dtype=L.int64).exp_()),
        ("int_neg_pow", lambda L: L.ones(2, dtype=L.int64) ** -1),
        ("rand_int", lambda L: L.rand(2, dtype=L.int64)),
        ("randn_int", lambda L: L.randn(2, dtype=L.int32)),
        ("argmax_bool", lambda L: L.ones(2, dtype=L.bool).argmax()),
        ("softmax_int", lambda L: L.softmax(L.ones(2, dtype=L.int64), 0)),
        ("arange_bool", lambda L: L.ones(2, dtype=L.bool).cumsum_(0)),
        ("set_default_int", lambda L: L.set_default_dtype(L.int32)),
        ("dot_dtypes", lambda L: L.dot(L.ones(2), L.ones(2, dtype=L.float64))),
        ("div_mode_bool", lambda L: L.div(L.ones(2, dtype=L.bool), L.ones(2, dtype=L.bool), rounding_mode="floor")),
        ("str_operand", lambda L: L.add(L.ones(2), "a")),
        ("maximum_scalar", lambda L: L.maximum(L.ones(2), 1)),
    ],
    "index": [
        ("getitem", lambda L: L.ones(3)[5]),
        ("getitem_neg", lambda L: L.ones(3, 4)[:, -5]),
        ("getitem_list", lambda L: L.ones(3)[[0, 7]]),
        ("getitem_tensor", lambda L: L.ones(3, 4)[L.tensor([1, 3])]),
        ("too_many", lambda L: L.ones(3)[0, 0]),
        ("mask_shape", lambda L: L.ones(3, 4)[L.ones(4, dtype=L.bool)]),
        ("setitem", lambda L: L.ones(3).__setitem__(3, 1.0)),
        ("gather", lambda L: L.ones(2, 3).gather(1, L.tensor([[0, 5], [1, 1]]))),
        ("scatter", lambda L: L.zeros(2, 3).scatter(1, L.tensor([[0, 5]]), 1.0)),
        ("index_select", lambda L: L.ones(3).index_select(0, L.tensor([3]))),
        ("select", lambda L: L.ones(2, 3).select(1, 3)),
        ("narrow", lambda L: L.ones(2, 3).narrow(1, 2, 2)),
        ("take", lambda L: L.ones(2, 3).take(L.tensor([6]))),
        ("item", lambda L: L.ones(2).item()),
        ("float_many", lambda L: float(L.ones(2))),
        ("bool_many", lambda L: bool(L.ones(2))),
        ("len_0d", lambda L: len(L.tensor(1.0))),
        ("iter_0d", lambda L: iter(L.tensor(1.0))),
        ("index_0d", lambda L: L.ones(3)[L.tensor(1.5)]),
        ("topk", lambda L: L.ones(3).topk(4)),
        ("kthvalue", lambda L: L.ones(3).kthvalue(4)),
        ("multinomial_many", lambda L: L.multinomial(L.ones(3), 4)),
    ],
    "shape": [
        ("view", lambda L: L.ones(2, 3).view(5)),
        ("view_infer", lambda L: L.ones(2, 3).view(-1, 4)),
        ("view_two_neg", lambda L: L.ones(2, 3).view(-1, -1)),
        ("view_stride", lambda L: L.ones(2, 3).t().view(6)),
        ("reshape", lambda L: L.ones(2, 3).reshape(4, 2)),
        ("mm", lambda L: L.ones(2, 3).mm(L.ones(4, 5))),
        ("matmul", lambda L: L.ones(2, 3) @ L.ones(4, 5)),
        ("matmul_batched", lambda L: L.ones(2, 2, 3) @ L.ones(2, 4, 5)),
        ("matmul_0d", lambda L: L.matmul(L.tensor(1.0), L.ones(2))),
        ("bmm", lambda L: L.ones(2, 2, 3).bmm(L.ones(3, 3, 4))),
        ("mv", lambda L: L.ones(2, 3).mv(L.ones(4))),
        ("dot", lambda L: L.dot(L.ones(3), L.ones(4))),
        ("cat", lambda L: L.cat([L.ones(2, 3), L.ones(2, 4)])),
        ("cat_dims", lambda L: L.cat([L.ones(2, 3), L.ones(2)])),
        ("cat_empty", lambda L: L.cat([])),
        ("stack", lambda L: L.stack([L.ones(2, 3), L.ones(3, 2)])),
        ("expand", lambda L: L.ones(2, 3).expand(2, 4)),
        ("expand_fewer", lambda L: L.ones(2, 3).expand(3)),
        ("repeat_fewer", lambda L: L.ones(2, 3).repeat(2)),
        ("split_sizes", lambda L: L.ones(5).split([2, 2])),
        ("unflatten", lambda L: L.ones(2, 6).unflatten(1, (4, 2))),
        ("t_3d", lambda L: L.ones(2, 3, 4).t()),
        ("zeros_negative", lambda L: L.zeros(2, -1)),
        ("arange_step", lambda L: L.arange(0, 10, 0)),
        ("arange_sign", lambda L: L.arange(0, 10, -1)),
        ("linspace_steps", lambda L: L.linspace(0, 1, -1)),
        ("ragged", lambda L: L.tensor([[1, 2], [3]])),
        ("chunk_zero", lambda L: L.ones(3).chunk(0)),
        ("unfold", lambda L: L.ones(3).unfold(0, 4, 1)),
        ("masked_fill_value", lambda L: L.ones(3).masked_fill(L.ones(3, dtype=L.bool), L.ones(2))),
        ("diagonal_dims", lambda L: L.ones(3, 3).diagonal(0, 1, 1)),
        ("diag_3d", lambda L: L.diag(L.ones(2, 2, 2))),
        ("permute_len", lambda L: L.ones(2, 3).permute(0, 1, 2)),
        ("to_cuda", lambda L: L.ones(2).to("cuda")),
        ("device_string", lambda L: L.device("gpu")),
    ],
}
CASES = [pytest.param(fn, id=f"{family}-{label}") for family, cases in FAMILIES.items() for label, fn in cases]


def _first_line(exc):
    return str(exc).strip().split("\n")[0]


@pytest.mark.parametrize("fn", CASES)
def test_error_matches_torch(fn):
    with pytest.raises(Exception) as expected:
        fn(torch)
    with pytest.raises(Exception) as got:
        fn(ember)
    assert type(got.value) is type(expected.value), f"{type(got.value).__name__}: {got.value}"
    assert _first_line(got.value) == _first_line(expected.value)


def test_binary_broadcast_error_names_both_sizes():
    with pytest.raises(RuntimeError, match=r"The size of tensor a \(3\) must match the size of tensor b \(4\) at "
                                           r"non-singleton dimension 1"):
        ember.ones(2, 3) * ember.ones(2, 4)


def test_no_numpy_error_escapes_a_binary_op():
    """Every broadcasting op goes through one check, so NumPy's ValueError never reaches the user."""
    names = ["add", "sub", "mul", "div", "true_divide", "floor_divide", "remainder", "fmod", "pow", "atan2",
             "maximum", "minimum", "fmax", "fmin", "hypot", "copysign", "xlogy", "eq", "ne", "lt", "le", "gt",
             "ge", "logical_and", "logical_or", "logical_xor", "logaddexp", "nextafter", "float_power", "ldexp"]
    for name in names:
        with pytest.raises(RuntimeError, match="must match the size of tensor b"):
            getattr(ember, name)(ember.ones(2, 3) + 1, ember.ones(3, 2) + 1)
