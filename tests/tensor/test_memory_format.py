"""Memory formats against torch: the strides of what empty_like, the other *_like functions, clone,
contiguous and .to make from tensors of every kind of layout (torch.preserve_format keeps a dense layout
and packs a sparse one in its strides' order), channels_last and channels_last_3d, which of them hand back
the tensor itself, their grad_fn, and their errors."""
import numpy as np
import pytest
import torch

import ember

LAYOUTS = {
    "contiguous": lambda lib: lib.zeros(2, 3, 4),
    "transposed": lambda lib: lib.zeros(4, 3).t(),
    "permuted": lambda lib: lib.zeros(2, 3, 4).permute(2, 0, 1),
    "strided": lambda lib: lib.zeros(4, 6)[:, ::2],
    "sliced-permuted": lambda lib: lib.zeros(2, 3, 4, 5)[:, :, ::2].permute(0, 3, 1, 2),
    "expanded": lambda lib: lib.zeros(3, 1).expand(3, 4).t(),
    "size-1-dims": lambda lib: lib.zeros(1, 3, 1, 1),
    "size-1-transposed": lambda lib: lib.zeros(3, 1).t(),
    "channels-last": lambda lib: lib.zeros(2, 3, 4, 5).permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2),
}
MAKERS = {
    "empty_like": lambda lib, t: lib.empty_like(t), "zeros_like": lambda lib, t: lib.zeros_like(t),
    "ones_like": lambda lib, t: lib.ones_like(t), "full_like": lambda lib, t: lib.full_like(t, 2.5),
    "rand_like": lambda lib, t: lib.rand_like(t), "randn_like": lambda lib, t: lib.randn_like(t),
    "randint_like": lambda lib, t: lib.randint_like(t, 1, 4), "clone": lambda lib, t: t.clone(),
    "contiguous": lambda lib, t: t.contiguous(), "to-float64": lambda lib, t: t.to(lib.float64),
    "to-copy": lambda lib, t: t.to(copy=True),
    "empty_like-contiguous": lambda lib, t: lib.empty_like(t, memory_format=lib.contiguous_format),
    "clone-contiguous": lambda lib, t: t.clone(memory_format=lib.contiguous_format),
}


@pytest.mark.parametrize("layout", list(LAYOUTS))
@pytest.mark.parametrize("maker", list(MAKERS))
def test_made_like_is_laid_out_as_torch(layout, maker):
    made = [MAKERS[maker](lib, LAYOUTS[layout](lib)) for lib in (torch, ember)]
    assert tuple(made[1].stride()) == tuple(made[0].stride())
    assert made[1].is_contiguous() == made[0].is_contiguous()
    assert made[1].dtype == getattr(ember, str(made[0].dtype).split(".")[1])


def test_values_and_a_view_of_a_clone_as_torch():
    """A clone of a transposed matrix keeps its layout, so .view of it fails in both; the values are copied."""
    outcomes = []
    for lib in (torch, ember):
        x = lib.arange(12.0).reshape(4, 3).t()
        c = x.clone()
        assert np.array_equal(c.numpy(), x.numpy()) and np.array_equal(lib.full_like(x, 7).numpy(), np.full((3, 4), 7.0))
        try:
            c.view(12)
            outcomes.append("viewed")
        except RuntimeError as e:
            outcomes.append(type(e).__name__)
    assert outcomes[1] == outcomes[0] == "RuntimeError"


FORMATS = {
    "to": lambda lib, t, f: t.to(memory_format=f), "contiguous": lambda lib, t, f: t.contiguous(memory_format=f),
    "clone": lambda lib, t, f: t.clone(memory_format=f), "empty_like": lambda lib, t, f: lib.empty_like(t, memory_format=f),
    "zeros_like": lambda lib, t, f: lib.zeros_like(t, memory_format=f),
    "to-float64": lambda lib, t, f: t.to(lib.float64, memory_format=f),
}


@pytest.mark.parametrize("how", list(FORMATS))
@pytest.mark.parametrize("fmt,shape", [("channels_last", (2, 3, 4, 5)), ("channels_last_3d", (2, 3, 4, 5, 6)),
                                       ("channels_last", (2, 3, 4)), ("channels_last_3d", (2, 3, 4, 5)),
                                       ("contiguous_format", (2, 3, 4)), ("preserve_format", (2, 3, 4))])
def test_memory_formats_as_torch(how, fmt, shape):
    outcomes = []
    for lib in (torch, ember):
        x = lib.arange(float(np.prod(shape))).reshape(shape).requires_grad_()
        try:
            y = FORMATS[how](lib, x, getattr(lib, fmt))
            again = FORMATS[how](lib, y, getattr(lib, fmt)) if how in ("to", "contiguous") else None
            outcomes.append((tuple(y.stride()), y.grad_fn.name() if y.grad_fn else None, y is x, again is y,
                             None if how == "empty_like" else y.detach().numpy().tolist()))
        except RuntimeError as e:
            outcomes.append((type(e).__name__, str(e)))
    assert outcomes[1] == outcomes[0]


_A = np.arange(24, dtype=np.float32).reshape(4, 6)
ARRAYS = {"reversed": lambda: _A[::-1], "transposed": lambda: _A.T, "strided": lambda: _A[:, ::2],
          "broadcast": lambda: np.broadcast_to(_A[:1], (3, 6)), "size-1-transposed": lambda: np.zeros((3, 1), np.float32).T,
          "fortran": lambda: np.asfortranarray(np.zeros((3, 1, 4))), "cast": lambda: _A.T.astype(np.int64),
          "numpy-scalar": lambda: np.float32(3), "0-d": lambda: np.array(2.0)}


@pytest.mark.parametrize("kind", list(ARRAYS))
def test_tensor_of_an_array_keeps_its_layout_as_torch(kind):
    """torch.tensor(ndarray) copies the array in its own layout (a Fortran array stays column-major), and
    refuses negative strides as from_numpy does."""
    outcomes = []
    for lib in (torch, ember):
        try:
            y = lib.tensor(ARRAYS[kind](), dtype=lib.float64 if kind == "cast" else None)
            outcomes.append((tuple(y.stride()), str(y.dtype).split(".")[1], y.tolist()))
        except ValueError as e:
            outcomes.append((type(e).__name__, str(e)))
    assert outcomes[1] == outcomes[0]
