"""Compose, RandomApply, RandomChoice, RandomOrder (torchvision.transforms.v2._container)."""
import ember
from ember import nn
from ._transform import Transform


def _check_transforms(transforms):
    if not isinstance(transforms, (list, tuple)):
        raise TypeError("Argument transforms should be a sequence of callables")
    if not transforms:
        raise ValueError("Pass at least one transform")


class _Sequence(Transform):
    """Runs its transforms on the sample: several inputs are passed on unpacked, one as it is."""

    def __init__(self, transforms):
        super().__init__()
        _check_transforms(transforms)
        self.transforms = transforms

    def _run(self, transforms, inputs):
        unpack = len(inputs) > 1
        outputs = inputs if unpack else inputs[0]
        for t in transforms:
            outputs = t(*inputs)
            inputs = outputs if unpack else (outputs,)
        return outputs



class Compose(_Sequence):
    """Apply the transforms one after the other (torchvision.transforms.v2.Compose)."""

    def forward(self, *inputs):
        return self._run(self.transforms, inputs)

    def extra_repr(self):
        return "\n".join(f"    {t}" for t in self.transforms)


class RandomApply(_Sequence):
    """Apply all the transforms with probability p, else none (torchvision.transforms.v2.RandomApply)."""

    def __init__(self, transforms, p=0.5):
        if not isinstance(transforms, (list, tuple, nn.ModuleList)):
            raise TypeError("Argument transforms should be a sequence of callables or a `nn.ModuleList`")
        super().__init__(transforms)
        if not (0.0 <= p <= 1.0):
            raise ValueError("`p` should be a floating point value in the interval [0.0, 1.0].")
        self.p = p

    def forward(self, *inputs):
        if ember.rand(1).item() >= self.p:
            return inputs if len(inputs) > 1 else inputs[0]
        return self._run(self.transforms, inputs)

    extra_repr = Compose.extra_repr  # torchvision prints the transforms only


class RandomChoice(_Sequence):
    """Apply one of the transforms, picked with probabilities p (uniform by default)."""

    def __init__(self, transforms, p=None):
        super().__init__(transforms)
        if p is None:
            p = [1] * len(transforms)
        elif len(p) != len(transforms):
            raise ValueError(f"Length of p doesn't match the number of transforms: {len(p)} != {len(transforms)}")
        total = sum(p)
        self.p = [prob / total for prob in p]

    def forward(self, *inputs):
        idx = int(ember.multinomial(ember.tensor(self.p), 1))
        return self.transforms[idx](*inputs)


class RandomOrder(_Sequence):
    """Apply the transforms in a random order."""

    def forward(self, *inputs):
        return self._run([self.transforms[i] for i in ember.randperm(len(self.transforms)).tolist()], inputs)
