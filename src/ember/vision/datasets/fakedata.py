"""FakeData: random images, the same ones for the same index (torchvision.datasets.FakeData)."""
import ember
from .vision import VisionDataset


class FakeData(VisionDataset):
    """`size` random images of `image_size` (C, H, W) as PIL images, with random int targets; item
    i is drawn from seed i + random_offset without disturbing the global RNG."""

    def __init__(self, size=1000, image_size=(3, 224, 224), num_classes=10, transform=None, target_transform=None,
                 random_offset=0):
        super().__init__(None, transform=transform, target_transform=target_transform)
        self.size, self.num_classes = size, num_classes
        self.image_size, self.random_offset = image_size, random_offset

    def __getitem__(self, index):
        if index >= len(self):
            raise IndexError(f"{type(self).__name__} index out of range")
        state = ember.get_rng_state()
        ember.manual_seed(index + self.random_offset)
        img = ember.randn(*self.image_size)
        target = ember.randint(0, self.num_classes, size=(1,), dtype=ember.long)[0]
        ember.set_rng_state(state)
        from ember.vision.transforms import functional as F
        return self._apply_transforms(F.to_pil_image(img), target.item())

    def __len__(self):
        return self.size
