"""datasets.transforms: ToTensor's layouts and scaling, Normalize's formula, Compose's order and repr,
and the random transforms' windows, probabilities and repeatability under manual_seed."""

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.datasets import transforms


def test_to_tensor_moves_channels_first_and_scales_uint8():
    gray = np.arange(12, dtype=np.uint8).reshape(3, 4)
    tensor = transforms.ToTensor()(gray)
    assert tensor.shape == (1, 3, 4) and tensor.dtype == tg.float32
    np.testing.assert_allclose(tensor.numpy()[0], gray / 255, rtol=1e-6)
    color = np.random.default_rng(0).integers(0, 256, (5, 6, 3)).astype(np.uint8)
    np.testing.assert_allclose(transforms.ToTensor()(color).numpy(), color.transpose(2, 0, 1) / 255, rtol=1e-6)
    floats = np.full((2, 2), 7.5)  # other dtypes keep their values and dtype
    assert transforms.ToTensor()(floats).tolist() == [[[7.5, 7.5], [7.5, 7.5]]]
    assert transforms.ToTensor()(floats).dtype == tg.float64


def test_to_tensor_reads_pil_images():
    image_module = pytest.importorskip("PIL.Image")
    pixels = np.arange(6, dtype=np.uint8).reshape(2, 3) * 40
    tensor = transforms.ToTensor()(image_module.fromarray(pixels))
    np.testing.assert_allclose(tensor.numpy()[0], pixels / 255, rtol=1e-6)


def test_to_tensor_rejects_what_torchvision_rejects():
    with pytest.raises(TypeError, match="ToTensor: pic should be a PIL Image or a numpy array, got Tensor"):
        transforms.ToTensor()(tg.zeros(1, 2, 2))
    with pytest.raises(TypeError, match="got list"):
        transforms.ToTensor()([[1, 2]])
    with pytest.raises(ValueError, match="2 or 3 dimensional"):
        transforms.ToTensor()(np.zeros((1, 2, 2, 3), dtype=np.uint8))


def test_normalize_per_channel():
    x = np.random.default_rng(1).random((2, 3, 4, 5)).astype(np.float32)
    mean, std = (0.1, 0.2, 0.3), (0.5, 1.0, 2.0)
    out = transforms.Normalize(mean, std)(tg.tensor(x))
    expected = (x - np.array(mean).reshape(3, 1, 1)) / np.array(std).reshape(3, 1, 1)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-6)
    assert out.dtype == tg.float32
    with pytest.raises(ValueError, match="put ToTensor"):
        transforms.Normalize((0.5,), (0.5,))(np.zeros((1, 2, 2)))
    with pytest.raises(ValueError, match="std evaluated to zero"):
        transforms.Normalize((0.5,), (0.0,))(tg.zeros(1, 2, 2))
    with pytest.raises(TypeError, match="float tensor"):
        transforms.Normalize((0.5,), (0.5,))(tg.zeros(1, 2, 2, dtype=tg.uint8))


def test_compose_applies_in_order_and_prints_as_torchvision():
    pipeline = transforms.Compose([transforms.Lambda(lambda x: x + 1), transforms.Lambda(lambda x: x * 10)])
    assert pipeline(1) == 20
    mnist_style = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))])
    assert repr(mnist_style) == "Compose(\n    ToTensor()\n    Normalize(mean=(0.1307,), std=(0.3081,))\n)"
    with pytest.raises(TypeError, match="Lambda: argument should be callable"):
        transforms.Lambda(3)


def test_random_horizontal_flip_mirrors_with_probability_p():
    x = tg.arange(6.0).reshape(1, 2, 3)
    assert transforms.RandomHorizontalFlip(p=1.0)(x).tolist() == [[[2.0, 1.0, 0.0], [5.0, 4.0, 3.0]]]
    assert transforms.RandomHorizontalFlip(p=0.0)(x).tolist() == x.tolist()
    tg.manual_seed(0)
    flips = [transforms.RandomHorizontalFlip()(x)[0, 0, 0].item() == 2.0 for _ in range(400)]
    assert 150 < sum(flips) < 250
    tg.manual_seed(0)
    assert flips == [transforms.RandomHorizontalFlip()(x)[0, 0, 0].item() == 2.0 for _ in range(400)]


def test_random_crop_takes_every_window_of_the_padded_image():
    x = tg.arange(16.0).reshape(1, 4, 4) + 1
    crop = transforms.RandomCrop(3, padding=1)
    padded = np.pad(x.numpy(), ((0, 0), (1, 1), (1, 1)))
    windows = {padded[:, top : top + 3, left : left + 3].tobytes() for top in range(4) for left in range(4)}
    tg.manual_seed(1)
    seen = {crop(x).numpy().tobytes() for _ in range(300)}
    assert seen == windows  # every one of the 16 positions, and nothing else
    assert repr(crop) == "RandomCrop(size=(3, 3), padding=1)"


def test_random_crop_pad_if_needed_and_errors():
    small = tg.ones(1, 2, 2)
    assert transforms.RandomCrop((3, 4), pad_if_needed=True)(small).shape == (1, 3, 4)
    assert transforms.RandomCrop(2, padding=(1, 0, 0, 0))(small).shape == (1, 2, 2)
    with pytest.raises(ValueError, match="larger than the input image size"):
        transforms.RandomCrop(3)(small)


@pytest.mark.parametrize("shape", [(6, 5), (6, 5, 3)])
def test_random_transforms_take_the_numpy_image_a_dataset_hands_over_as_torchvision_takes_pil(shape):
    """torchvision's usual order crops and flips the image before ToTensor: the same draws give the
    same pixels whichever side of ToTensor they run on, for grey (H, W) and colour (H, W, C) images."""
    image = np.arange(np.prod(shape)).reshape(shape).astype(np.uint8)
    augment = [transforms.RandomCrop(4, padding=2), transforms.RandomHorizontalFlip(p=1.0)]
    tg.manual_seed(3)
    before = transforms.Compose([*augment, transforms.ToTensor()])(image)
    tg.manual_seed(3)
    after = transforms.Compose([transforms.ToTensor(), *augment])(image)
    assert before.shape == (1 if len(shape) == 2 else 3, 4, 4)
    np.testing.assert_array_equal(before.numpy(), after.numpy())
    tg.manual_seed(3)
    padded_small = transforms.RandomCrop((8, 7), pad_if_needed=True)(image)
    assert padded_small.shape[:2] == (8, 7) and padded_small.dtype == np.uint8
