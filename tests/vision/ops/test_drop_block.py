"""drop_block2d/3d and DropBlock2d/3d (ember.vision.ops.drop_block) against torchvision.ops 0.28: the identity
outside training, shapes and dtypes, dropped regions made of whole blocks inside the map, the rescaling of what
is kept, the dropped share against its exact expectation (and torchvision's own share), gradients, in-place,
printed form and errors. The random stream itself is not compared."""
import itertools

import numpy as np
import pytest
import torch
import torchvision.ops as tops

import ember
from ember.vision import ops


def expected_dropped_share(spatial, block, p):
    """Each pixel is dropped unless none of the seed positions whose block covers it fired."""
    gamma = p * np.prod(spatial) / (block ** len(spatial) * np.prod([s - block + 1 for s in spatial]))
    covers = [np.array([sum(1 for s in range(n - block + 1) if s <= i < s + block) for i in range(n)])
              for n in spatial]
    count = np.prod(np.meshgrid(*covers, indexing="ij"), axis=0)
    return float(np.mean(1 - (1 - gamma) ** count))


def covered_by_whole_blocks(zero, block):
    """Whether every zero of the (spatial) mask lies in an all-zero block fully inside the map."""
    dims = zero.ndim
    cover = np.zeros_like(zero)
    for start in itertools.product(*[range(n - block + 1) for n in zero.shape]):
        window = tuple(slice(s, s + block) for s in start)
        if zero[window].all():
            cover[window] = True
    return bool(np.array_equal(cover, zero)) and dims == len(zero.shape)


@pytest.mark.parametrize("fn,shape,block,p", [("drop_block2d", (2, 300, 11, 13), 3, 0.2),
                                              ("drop_block2d", (1, 200, 9, 9), 5, 0.3),
                                              ("drop_block3d", (1, 120, 7, 6, 8), 3, 0.25)])
def test_blocks_scaling_and_dropped_share(fn, shape, block, p):
    x = np.random.default_rng(0).uniform(1, 2, shape).astype(np.float32)
    ember.manual_seed(0)
    e = ember.tensor(x, requires_grad=True)
    y = getattr(ops, fn)(e, p, block)
    assert y.shape == e.shape and y.dtype == e.dtype
    out = y.detach().numpy()
    zero = out == 0
    keep = ~zero
    scale = zero.size / (1e-6 + keep.sum())
    np.testing.assert_allclose(out[keep], x[keep] * np.float32(scale), rtol=1e-5)
    for n, c in [(0, 0), (0, 1), (shape[0] - 1, 7)]:
        assert covered_by_whole_blocks(zero[n, c], block)
    want = expected_dropped_share(shape[2:], block, p)
    torch.manual_seed(0)
    share_tv = (getattr(tops, fn)(torch.from_numpy(x), p, block) == 0).float().mean().item()
    assert abs(zero.mean() - want) < 0.02 and abs(share_tv - want) < 0.02
    y.sum().backward()
    np.testing.assert_allclose(e.grad.numpy(), keep * np.float32(scale), rtol=1e-5)


@pytest.mark.parametrize("fn,shape", [("drop_block2d", (2, 3, 5, 5)), ("drop_block3d", (2, 3, 5, 5, 5))])
def test_identity_when_off_inplace_and_block_clipped(fn, shape):
    e = ember.randn(*shape)
    assert getattr(ops, fn)(e, 0.5, 3, training=False) is e
    assert getattr(ops, fn)(e, 0.0, 3) is e
    ember.manual_seed(1)
    y = getattr(ops, fn)(e, 0.4, 3, inplace=True)
    assert y is e
    big = getattr(ops, fn)(ember.ones(*shape), 0.999, 101)  # the block shrinks to the map: all or nothing
    assert all(len(np.unique(channel)) == 1 for channel in big.numpy().reshape(shape[0] * shape[1], -1))
    assert ember.equal(getattr(ops, fn)(ember.ones(*shape), 1.0, 1), ember.zeros(*shape))


@pytest.mark.parametrize("name", ["DropBlock2d", "DropBlock3d"])
def test_modules_print_and_train_as_torchvisions(name):
    args = (0.3, 3, True, 1e-5)
    assert repr(getattr(ops, name)(*args)) == repr(getattr(tops, name)(*args))
    m = getattr(ops, name)(0.5, 3)
    x = ember.ones(1, 50, *([5] * (2 if name == "DropBlock2d" else 3)))
    assert m.eval()(x) is x
    assert (m.train()(x) == 0).any().item()


@pytest.mark.parametrize("fn,args,shape", [("drop_block2d", (1.5, 3), (1, 1, 4, 4)),
                                           ("drop_block2d", (0.5, 3), (1, 4, 4)),
                                           ("drop_block2d", (0.5, 2), (1, 1, 4, 4)),
                                           ("drop_block3d", (-0.1, 3), (1, 1, 4, 4, 4)),
                                           ("drop_block3d", (0.5, 3), (1, 1, 4, 4)),
                                           ("drop_block3d", (0.5, 4), (1, 1, 5, 5, 5))])
def test_errors_as_torchvision(fn, args, shape):
    with pytest.raises(ValueError) as want:
        getattr(tops, fn)(torch.ones(shape), *args)
    with pytest.raises(ValueError) as got:
        getattr(ops, fn)(ember.ones(*shape), *args)
    assert str(got.value) == str(want.value)
