"""`tinygrad_edu.utils.data`, the spelling of torch.utils.data: the same classes as `tinygrad_edu.data`.

    from tinygrad_edu.utils.data import DataLoader, TensorDataset

The code lives in tinygrad_edu/data/ (dataset.py, dataloader.py, sampler.py, collate.py); this module only names it.
"""

from ..data import *  # noqa: F403
from ..data import __all__  # noqa: F401
