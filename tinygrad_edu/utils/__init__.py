"""`tinygrad_edu.utils`, as torch.utils: `utils.data` is where PyTorch code looks for datasets and loaders."""

from . import data

__all__ = ["data"]
