"""The one place that imports MXNet.

MXNet 1.9.1 (the last release) still uses `np.bool`, an alias numpy removed in 1.24.
Restore it before mxnet is imported; every other module does `from trainer.mxnet_shim import mx`.
"""
import numpy as np

if "bool" not in vars(np):  # hasattr() would trip numpy 1.2x's FutureWarning
    np.bool = bool  # the alias numpy removed was exactly the builtin

import mxnet as mx  # noqa: E402  (must come after the alias is restored)

__all__ = ["mx"]
