"""ember.cuda.amp: the older torch.cuda.amp names, deprecated in torch for torch.amp(..., 'cuda')."""
import functools

from .. import amp as _amp
from ..amp.autocast_mode import legacy_autocast
from ..amp.grad_scaler import legacy_grad_scaler

autocast = legacy_autocast("cuda")
GradScaler = legacy_grad_scaler("cuda")
custom_fwd = functools.partial(_amp.custom_fwd, device_type="cuda")
custom_bwd = functools.partial(_amp.custom_bwd, device_type="cuda")
