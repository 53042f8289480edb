"""`tinygrad_edu.utils.data`, the spelling of torch.utils.data: the same classes as `tinygrad_edu.data`.

    from tinygrad_edu.utils.data import DataLoader, TensorDataset

The code lives in tinygrad_edu/data/ (dataset.py, dataloader.py, collate.py); this module only names it.
"""

from ..data import DataLoader, Dataset, Subset, TensorDataset, default_collate, random_split

__all__ = ["DataLoader", "Dataset", "Subset", "TensorDataset", "default_collate", "random_split"]
