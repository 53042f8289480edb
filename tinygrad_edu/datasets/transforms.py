"""torchvision-style transforms: callables that a dataset applies to each sample as it is read.

    transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))])
    train_set = datasets.MNIST(root, transform=transform)

ports from torchvision by changing the import. Datasets hand `transform` the image as torchvision's
do, but as a numpy array of pixels (H, W) or (H, W, C) instead of a PIL image; `ToTensor` turns
either kind into a (C, H, W) float tensor. The random transforms draw from tinygrad_edu's generator,
so `tinygrad_edu.manual_seed` makes them repeatable.
"""

import numbers

import numpy as np

from .. import random
from ..creation import from_numpy
from ..joining import pad
from ..tensor import Tensor


class Compose:
    """Apply each transform in turn: Compose([f, g])(x) is g(f(x))."""

    def __init__(self, transforms):
        self.transforms = list(transforms)

    def __call__(self, image):
        for transform in self.transforms:
            image = transform(image)
        return image

    def __repr__(self):
        return type(self).__name__ + "(" + "".join(f"\n    {transform}" for transform in self.transforms) + "\n)"


class ToTensor:
    """A PIL image or a numpy array (H, W) or (H, W, C) as a (C, H, W) tensor; uint8 pixels become float32 in [0, 1].

    Other dtypes keep their values and dtype, as torchvision's ToTensor does for arrays.
    """

    def __call__(self, pic):
        if isinstance(pic, Tensor) or not (isinstance(pic, np.ndarray) or hasattr(pic, "__array_interface__")):
            raise TypeError(
                f"ToTensor: pic should be a PIL Image or a numpy array, got {type(pic).__name__}; a tensor needs "
                "no ToTensor (drop it from the Compose)"
            )
        array = np.asarray(pic)
        if array.ndim not in (2, 3):
            raise ValueError(f"ToTensor: pic should be 2 or 3 dimensional (H, W[, C]), got shape {array.shape}")
        if array.ndim == 2:
            array = array[:, :, None]
        array = np.ascontiguousarray(array.transpose(2, 0, 1))
        if array.dtype == np.uint8:
            array = array.astype(np.float32) / np.float32(255)
        return from_numpy(array)  # keeps a float array's dtype, as torch.from_numpy

    def __repr__(self):
        return "ToTensor()"


class Normalize:
    """(image - mean[c]) / std[c] for each channel c of a float (..., C, H, W) tensor, e.g. to mean 0, std 1."""

    def __init__(self, mean, std, inplace=False):
        self.mean, self.std, self.inplace = mean, std, inplace

    def __call__(self, tensor):
        if not isinstance(tensor, Tensor) or tensor.ndim < 3:
            shape = tuple(tensor.shape) if isinstance(tensor, Tensor) else type(tensor).__name__
            raise ValueError(
                f"Normalize: expected a tensor image of shape (..., C, H, W), got {shape}; put ToTensor() first"
            )
        if not tensor.is_floating_point():
            raise TypeError(f"Normalize: input tensor should be a float tensor, got {tensor.dtype.name}")
        mean, std = (np.asarray(value, dtype=tensor.dtype.numpy).reshape(-1, 1, 1) for value in (self.mean, self.std))
        if (std == 0).any():
            raise ValueError(
                f"Normalize: std evaluated to zero after conversion to {tensor.dtype.name}, got {self.std}"
            )
        return (tensor - Tensor(mean, device=tensor.device)) / Tensor(std, device=tensor.device)

    def __repr__(self):
        return f"{type(self).__name__}(mean={self.mean}, std={self.std})"


class Lambda:
    """Any function of the image as a transform, e.g. Lambda(lambda x: x.flatten())."""

    def __init__(self, lambd):
        if not callable(lambd):
            raise TypeError(f"Lambda: argument should be callable, got {type(lambd).__name__}")
        self.lambd = lambd

    def __call__(self, image):
        return self.lambd(image)

    def __repr__(self):
        return "Lambda()"


class RandomHorizontalFlip:
    """Mirror an image left to right with probability p (data augmentation): a (..., H, W) tensor, or a
    numpy image (H, W[, C]) as a dataset hands it over, before ToTensor."""

    def __init__(self, p=0.5):
        self.p = p

    def __call__(self, image):
        if random.generator().random() < self.p:
            return np.flip(image, axis=1) if isinstance(image, np.ndarray) else image[..., ::-1]
        return image

    def __repr__(self):
        return f"{type(self).__name__}(p={self.p})"


class RandomCrop:
    """A size (h, w) window at a random place of an image, after `padding` (data augmentation): a
    (..., H, W) tensor, or a numpy image (H, W[, C]) as a dataset hands it over, before ToTensor.

    padding is an int (all sides), (left/right, top/bottom) or (left, top, right, bottom), filled
    with `fill`; pad_if_needed pads an image smaller than size up to it.
    """

    def __init__(self, size, padding=None, pad_if_needed=False, fill=0, padding_mode="constant"):
        self.size = (size, size) if isinstance(size, numbers.Number) else tuple(size)
        if len(self.size) != 2:
            raise ValueError(f"RandomCrop: size must be an int or a pair (h, w), got {size!r}")
        if padding_mode != "constant":
            raise NotImplementedError(f"RandomCrop: only padding_mode='constant' is supported, got {padding_mode!r}")
        self.padding, self.pad_if_needed, self.fill, self.padding_mode = padding, pad_if_needed, fill, padding_mode

    def __call__(self, image):
        if self.padding is not None:
            image = _pad_image(image, _four_sides(self.padding), self.fill)
        height, width = _image_size(image)
        crop_height, crop_width = self.size
        if self.pad_if_needed and (height < crop_height or width < crop_width):
            extra_height, extra_width = max(crop_height - height, 0), max(crop_width - width, 0)
            image = _pad_image(image, (extra_width, extra_height, extra_width, extra_height), self.fill)
            height, width = _image_size(image)
        if height < crop_height or width < crop_width:
            raise ValueError(
                f"RandomCrop: required crop size {self.size} is larger than the input image size {(height, width)}"
            )
        rng = random.generator()
        top = int(rng.integers(0, height - crop_height + 1))
        left = int(rng.integers(0, width - crop_width + 1))
        rows, columns = slice(top, top + crop_height), slice(left, left + crop_width)
        return image[rows, columns] if isinstance(image, np.ndarray) else image[..., rows, columns]

    def __repr__(self):
        return f"{type(self).__name__}(size={self.size}, padding={self.padding})"


def _four_sides(padding):
    """padding as (left, top, right, bottom), from an int, a pair (left/right, top/bottom) or four values."""
    if isinstance(padding, numbers.Number):
        return (int(padding),) * 4
    padding = tuple(padding)
    if len(padding) == 2:
        return padding * 2
    if len(padding) == 4:
        return padding
    raise ValueError(f"RandomCrop: padding must be an int or a sequence of 2 or 4 ints, got {padding!r}")


def _image_size(image):
    """(H, W) of a numpy image (H, W[, C]) or of a (..., H, W) tensor."""
    return tuple(image.shape[:2]) if isinstance(image, np.ndarray) else tuple(image.shape[-2:])


def _pad_image(image, sides, fill):
    """The image with (left, top, right, bottom) pixels of `fill` added around it."""
    left, top, right, bottom = sides
    if isinstance(image, np.ndarray):
        widths = [(top, bottom), (left, right)] + [(0, 0)] * (image.ndim - 2)
        return np.pad(image, widths, constant_values=fill)
    return pad(image, (left, right, top, bottom), value=fill)
