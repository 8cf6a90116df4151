"""ember.nn.functional (torch.nn.functional): every layer's stateless function, one family a module."""
from ._functional.activation import *  # noqa: F401,F403
from ._functional.linear import *  # noqa: F401,F403
from ._functional.dropout import *  # noqa: F401,F403
from ._functional.normalization import *  # noqa: F401,F403
from ._functional.sparse import *  # noqa: F401,F403
from ._functional.loss import *  # noqa: F401,F403
from ._functional.conv import *  # noqa: F401,F403
from ._functional.pooling import *  # noqa: F401,F403
from ._functional.vision import *  # noqa: F401,F403
from ._functional.attention import *  # noqa: F401,F403
from ._functional.aten import conv_tbc  # noqa: F401,E402  (torch.conv_tbc, also reached from here)
