"""ember.cpu.amp: the older torch.cpu.amp names, deprecated in torch for torch.amp(..., 'cpu')."""
from .. import _dtype as D
from ..amp.autocast_mode import legacy_autocast
from ..amp.grad_scaler import legacy_grad_scaler

autocast = legacy_autocast("cpu", D.bfloat16)
GradScaler = legacy_grad_scaler("cpu")
