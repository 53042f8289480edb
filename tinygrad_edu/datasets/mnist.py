"""MNIST and Fashion-MNIST, shaped like torchvision's: 28x28 grayscale images in 10 classes.

`dataset[i]` is `(image, label)`: image a float32 tensor of shape (1, 28, 28) in [0, 1], label an
int. `dataset.data` holds all images as uint8 (N, 28, 28) and `dataset.targets` the int64 labels.
The four IDX files are looked for in `root`, then in torchvision's layout `root/MNIST/raw/`;
`download=True` fetches the missing ones into `root/MNIST/raw/`. A `root` you name is the only
place looked at. Without one, the cache directory is used (see download.py) and, for
Fashion-MNIST, Debian's `/usr/share/datasets/fashion-mnist/` before anything is downloaded.
"""

from pathlib import Path

import numpy as np

from ..data.collate import default_collate
from ..data.dataset import Dataset
from ..tensor import Tensor
from .download import DownloadError, cache_dir, download
from .idx import IDXError, read_idx

IMAGE_SIZE = 28


class MNIST(Dataset):
    """Handwritten digits 0-9: 60,000 training and 10,000 test images (LeCun, Cortes and Burges).

    `MNIST(root=None, train=True, download=False, transform=None, target_transform=None)`, as
    torchvision.datasets.MNIST except that without a transform images are tensors already (there is
    no PIL step); a transform gets the pixels as torchvision's does, as a uint8 (28, 28) numpy array
    where torchvision has a PIL image, so `transforms.ToTensor()` starts it as it does there.
    """

    mirrors = [
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
    ]
    md5s = {  # the published .gz files' checksums, as in torchvision
        "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
        "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
        "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
        "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
    }
    classes = [
        "0 - zero", "1 - one", "2 - two", "3 - three", "4 - four",
        "5 - five", "6 - six", "7 - seven", "8 - eight", "9 - nine",
    ]  # fmt: skip
    system_dirs = []  # where an operating system package installs the files

    def __init__(self, root=None, train=True, download=False, transform=None, target_transform=None):
        self.root = cache_dir() if root is None else Path(root).expanduser()
        self.root_is_explicit = root is not None
        if self.root.exists() and not self.root.is_dir():
            raise NotADirectoryError(
                f"{type(self).__name__}: root {str(self.root)!r} is a file, not a directory; pass the directory "
                "that holds the four IDX files"
            )
        self.train = bool(train)
        self.transform = transform
        self.target_transform = target_transform
        image_path, label_path = self._locate_files(download)
        images, labels = read_idx(image_path), read_idx(label_path)
        self._check(images, image_path, labels, label_path)
        self.data = Tensor._make(images)
        self.targets = Tensor._make(labels.astype(np.int64))

    @property
    def raw_folder(self):
        """torchvision's layout, where downloads go: root/MNIST/raw."""
        return self.root / type(self).__name__ / "raw"

    @property
    def split_files(self):
        """The base names of this split's image and label files."""
        prefix = "train" if self.train else "t10k"
        return f"{prefix}-images-idx3-ubyte", f"{prefix}-labels-idx1-ubyte"

    def __len__(self):
        return len(self.targets)

    def __getitem__(self, index):
        if self.transform is None:
            image = Tensor._make((self.data._data[index] / np.float32(255)).reshape(1, IMAGE_SIZE, IMAGE_SIZE))
        else:  # torchvision's transforms start from the raw pixels (its PIL image): uint8 (28, 28), see transforms.py
            image = self.transform(self.data._data[index])
        target = int(self.targets._data[index])
        if self.target_transform is not None:
            target = self.target_transform(target)
        return image, target

    def get_batch(self, indices):
        """[images (B, 1, 28, 28) float32, labels (B,) int64] from one fancy index (see data.Dataset)."""
        if self.transform is not None or self.target_transform is not None:
            return default_collate([self[int(index)] for index in indices])
        images = self.data._data[indices] / np.float32(255)
        return [Tensor._make(images.reshape(-1, 1, IMAGE_SIZE, IMAGE_SIZE)), Tensor._make(self.targets._data[indices])]

    def __repr__(self):
        split = "Train" if self.train else "Test"
        return f"Dataset {type(self).__name__}\n    Number of datapoints: {len(self)}\n    Split: {split}"

    # ----- finding, downloading and checking the files ----------------------------------------

    def _search_dirs(self):
        """root and root/MNIST/raw; the system's copies too, but only when no root was named."""
        system_dirs = [] if self.root_is_explicit else [Path(directory) for directory in self.system_dirs]
        return [self.root, self.raw_folder, *system_dirs]

    def _locate_files(self, download_missing):
        """The (image, label) paths of this split from the first directory that has both."""
        for directory in self._search_dirs():
            found = [_find_variant(directory, name) for name in self.split_files]
            if all(found):
                return found
        if not download_missing:
            raise FileNotFoundError(self._missing_message())
        try:
            return [
                download(name + ".gz", self.raw_folder, self.mirrors, self.md5s[name + ".gz"])
                for name in self.split_files
            ]
        except DownloadError as error:
            raise DownloadError(
                f"{type(self).__name__}: {error}. Check your internet connection, or download the four IDX "
                f"files by hand (from {self.mirrors[0]}) and put them in {self.raw_folder} or in a directory "
                "you pass as root (--data-dir in the examples)."
            ) from None

    def _missing_message(self):
        searched = ", ".join(str(directory) for directory in self._search_dirs())
        split = "training" if self.train else "test"
        missing = [
            name
            for name in self.split_files
            if not any(_find_variant(directory, name) for directory in self._search_dirs())
        ]
        wanted = " and ".join(f"{name}[.gz]" for name in missing)
        files = f"files {wanted} were" if len(missing) > 1 else f"file {wanted} was"
        return (
            f"{type(self).__name__}: the {split} {files} not found in {searched}. Put the four IDX "
            "files (gzipped or not) in one of these directories, or pass download=True to fetch them from "
            f"{self.mirrors[0]}."
        )

    def _check(self, images, image_path, labels, label_path):
        """Reject files that parse as IDX but do not hold this dataset's images and labels."""
        if images.ndim != 3 or images.shape[1:] != (IMAGE_SIZE, IMAGE_SIZE) or images.dtype != np.uint8:
            raise IDXError(
                f"{image_path}: expected uint8 images of shape (N, {IMAGE_SIZE}, {IMAGE_SIZE}), "
                f"got {images.dtype} of shape {images.shape}; is this the right file?"
            )
        if labels.ndim != 1 or labels.dtype.kind not in "iu":
            raise IDXError(f"{label_path}: expected a 1-d array of integer labels, got {labels.dtype} {labels.shape}")
        if len(labels) != len(images):
            raise IDXError(
                f"{label_path} holds {len(labels)} labels but {image_path} holds {len(images)} images; "
                "the two files must come from the same split"
            )
        if len(labels) and (labels.min() < 0 or labels.max() >= len(self.classes)):
            raise IDXError(
                f"{label_path}: labels must lie in 0..{len(self.classes) - 1}, "
                f"found {labels.min()}..{labels.max()}; the file is corrupt or not a label file"
            )


class FashionMNIST(MNIST):
    """Zalando's Fashion-MNIST: 28x28 images of clothing in 10 classes, a drop-in harder MNIST.

    Also found where Debian's `dataset-fashion-mnist` package installs it.
    """

    mirrors = ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"]
    md5s = {
        "train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
        "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
        "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
        "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310",
    }
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
    system_dirs = ["/usr/share/datasets/fashion-mnist"]


def _find_variant(directory, base_name):
    """The file in `directory` holding `base_name`'s data, or None.

    Tried in turn: the published name (.gz) and unpacked; the dot some copies use
    (`train-images.idx3-ubyte`); `test-` for `t10k-`; and then a single file whose name ends in one
    of these (`emnist-mnist-train-images-idx3-ubyte.gz`).
    """
    bases = [base_name, base_name.replace("t10k-", "test-")] if base_name.startswith("t10k-") else [base_name]
    spellings = [
        spelling + suffix
        for base in bases
        for spelling in (base, base.replace("-idx", ".idx"))
        for suffix in (".gz", "")
    ]
    for spelling in spellings:
        if (directory / spelling).is_file():
            return directory / spelling
    if directory.is_dir():
        for spelling in spellings:
            matches = [path for path in directory.glob("*" + spelling) if path.is_file()]
            if len(matches) == 1:
                return matches[0]
    return None
