"""LeNet-5 as in PyTorch's "Neural Networks" tutorial (seed 003, exercises 32-34): two 5x5
convolutions with 2x2 max pooling, then three fully connected layers; input 1x32x32."""
import os

import ember
from ember import nn
from ember.nn import functional as F
from ._api import register_model

__all__ = ["LeNet", "lenet"]


class LeNet(nn.Module):
    """conv1 (in_channels->6, 5x5) - relu - pool - conv2 (6->16, 5x5) - relu - pool - fc1 (400->120) - relu
    - fc2 (120->84) - relu - fc3 (84->num_classes). Expects 32x32 images (pad 28x28 MNIST by 2)."""

    def __init__(self, num_classes=10, in_channels=1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, num_classes)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = ember.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


@register_model()
def lenet(*, weights=None, **kwargs):
    """A LeNet; `weights` may be a checkpoint path (a state_dict saved by torch.save or ember.save)."""
    from ._api import state_dict_of
    model = LeNet(**kwargs)
    if weights is not None:
        model.load_state_dict(state_dict_of(os.fspath(weights)))
    return model
