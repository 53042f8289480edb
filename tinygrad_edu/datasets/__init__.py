"""Ready-made datasets (MNIST, Fashion-MNIST), the IDX reader and downloader behind them, and `transforms`."""

from . import transforms
from .download import DownloadError, cache_dir
from .idx import IDXError, read_idx, write_idx
from .mnist import MNIST, FashionMNIST

__all__ = ["MNIST", "DownloadError", "FashionMNIST", "IDXError", "cache_dir", "read_idx", "transforms", "write_idx"]
