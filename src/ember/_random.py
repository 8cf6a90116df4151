"""Random number generation: ember.Generator over NumPy's PCG64, and the default generator.

Ember's streams are its own (not bit-equal to PyTorch's Mersenne Twister); what matches is the
contract: manual_seed makes every random op reproducible, and generator states round-trip."""
import pickle

import numpy as np


class Generator:
    """torch.Generator: an independent random stream."""

    def __init__(self, device="cpu"):
        from ._backend import device as Device
        self.device = Device(device)
        if self.device.type == "cuda":
            raise RuntimeError("Cannot get CUDA generator without ATen_cuda library. PyTorch splits its backend into "
                               "two shared libraries: a CPU library and a CUDA library; Ember has only the first.")
        self._seed = 67280421310721  # torch's default seed
        self._rng = np.random.Generator(np.random.PCG64(self._seed))

    def manual_seed(self, seed):
        seed = int(seed)
        if seed < -0x8000_0000_0000_0000 or seed > 0xFFFF_FFFF_FFFF_FFFF:
            raise ValueError("Overflow when unpacking long long")
        self._seed = seed & 0xFFFF_FFFF_FFFF_FFFF
        self._rng = np.random.Generator(np.random.PCG64(self._seed))
        return self

    def seed(self):
        s = int(np.random.SeedSequence().entropy) & 0xFFFF_FFFF_FFFF_FFFF
        self.manual_seed(s)
        return s

    def initial_seed(self):
        return self._seed

    def get_state(self):
        from ._ops.creation import tensor
        from . import _dtype as D
        return tensor(list(pickle.dumps((self._seed, self._rng.bit_generator.state))), dtype=D.uint8)

    def set_state(self, new_state):
        self._seed, st = pickle.loads(bytes(new_state.tolist()))
        self._rng = np.random.Generator(np.random.PCG64())
        self._rng.bit_generator.state = st
        return self

    def clone_state(self):
        g = Generator(self.device)
        g.set_state(self.get_state())
        return g


default_generator = Generator()
default_generator.seed()  # an unseeded process draws a fresh seed, as torch 2.x's default generator does


def rng(generator=None):
    """The NumPy generator an op draws from."""
    return (generator or default_generator)._rng


def manual_seed(seed):
    """torch.manual_seed: seed the default generator; returns it."""
    default_generator.manual_seed(seed)
    return default_generator


def seed():
    return default_generator.seed()


def initial_seed():
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(new_state):
    default_generator.set_state(new_state)
