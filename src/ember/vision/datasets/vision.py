"""The base of the vision datasets (torchvision.datasets.vision)."""
import os

from ember.utils.data import Dataset


class VisionDataset(Dataset):
    """A dataset rooted at a folder, with an optional transform of the input, of the target, or
    a joint `transforms` of both; prints as torchvision's datasets do."""
    _repr_indent = 4

    def __init__(self, root=None, transforms=None, transform=None, target_transform=None):
        if isinstance(root, (str, bytes)):
            root = os.path.expanduser(root)
        self.root = root
        separate = transform is not None or target_transform is not None
        if transforms is not None and separate:
            raise ValueError("Only transforms or transform/target_transform can be passed as argument")
        self.transform = transform
        self.target_transform = target_transform
        self.transforms = StandardTransform(transform, target_transform) if separate else transforms

    def __getitem__(self, index):
        raise NotImplementedError

    def __len__(self):
        raise NotImplementedError

    def __repr__(self):
        body = [f"Number of datapoints: {len(self)}"]
        if self.root is not None:
            body.append(f"Root location: {self.root}")
        body += self.extra_repr().splitlines()
        if self.transforms is not None:
            body.append(repr(self.transforms))  # one entry: only its first line gets indented, as in torchvision
        return "\n".join([f"Dataset {type(self).__name__}"] + [" " * self._repr_indent + line for line in body])

    def extra_repr(self):
        return ""

    def _apply_transforms(self, sample, target):
        # the attributes, not self.transforms: a transform assigned after construction still applies
        return _transform_pair(self.transform, self.target_transform, sample, target)


def _transform_pair(transform, target_transform, input, target):
    return (input if transform is None else transform(input),
            target if target_transform is None else target_transform(target))


class StandardTransform:
    """transform for the input and target_transform for the target, as one callable."""

    def __init__(self, transform=None, target_transform=None):
        self.transform = transform
        self.target_transform = target_transform

    def __call__(self, input, target):
        return _transform_pair(self.transform, self.target_transform, input, target)

    def __repr__(self):
        body = [type(self).__name__]
        for head, t in (("Transform: ", self.transform), ("Target transform: ", self.target_transform)):
            if t is not None:
                lines = repr(t).splitlines()
                body += [head + lines[0]] + [" " * len(head) + line for line in lines[1:]]
        return "\n".join(body)
