"""A custom Dataset with transforms, fed through a DataLoader into a training step, as PyTorch data code
is written: subclass Dataset with __len__ and __getitem__, hand the raw uint8 image to `transform` and the
label to `target_transform`, batch with DataLoader, pick examples with Subset.

torchvision is not a dependency, so PyTorch's side of the comparison gets its transforms written out
with torch ops as torchvision defines them (ToTensor: HxW uint8 -> 1xHxW float in [0, 1]; Normalize:
(x - mean) / std; RandomHorizontalFlip(p=1): the last axis reversed); tinygrad_edu's side uses
tinygrad_edu.datasets.transforms, whose results must be the same numbers.
"""

import numpy as np
import pytest

import tinygrad_edu
from tinygrad_edu.datasets import transforms


def stripes(count=10, size=6):
    """uint8 images whose label is the row that is bright: a dataset with something to learn."""
    rng = np.random.default_rng(3)
    labels = rng.integers(0, size, count)
    images = rng.integers(0, 60, (count, size, size)).astype(np.uint8)
    images[np.arange(count), labels] = 250
    return images, labels


def tinygrad_edu_transforms():
    image = transforms.Compose(
        [transforms.ToTensor(), transforms.Normalize((0.5,), (0.25,)), transforms.RandomHorizontalFlip(p=1.0)]
    )
    target = transforms.Lambda(lambda label: tinygrad_edu.nn.functional.one_hot(tinygrad_edu.tensor(label), 6).float())
    return image, target


def pytorch_transforms(torch):
    def image(pixels):
        return ((torch.from_numpy(pixels).float().div(255).unsqueeze(0) - 0.5) / 0.25).flip(-1)

    def target(label):
        return torch.nn.functional.one_hot(torch.tensor(label), 6).float()

    return image, target


def load_and_train(lib, transform, target_transform, initial_state=None):
    """(first batch images, first batch targets, losses, subset targets, start weights) as numpy."""

    class Stripes(lib.utils.data.Dataset):
        def __init__(self, transform=None, target_transform=None):
            self.images, self.labels = stripes()
            self.transform, self.target_transform = transform, target_transform

        def __len__(self):
            return len(self.labels)

        def __getitem__(self, index):
            image, label = self.images[index], int(self.labels[index])
            if self.transform:
                image = self.transform(image)
            if self.target_transform:
                label = self.target_transform(label)
            return image, label

    dataset = Stripes(transform=transform, target_transform=target_transform)
    loader = lib.utils.data.DataLoader(dataset, batch_size=4, shuffle=False, drop_last=False)
    model = lib.nn.Sequential(lib.nn.Flatten(), lib.nn.Linear(36, 6))
    if initial_state is not None:
        model.load_state_dict({name: lib.tensor(array) for name, array in initial_state.items()})
    start = {name: value.detach().numpy().copy() for name, value in model.state_dict().items()}
    optimizer = lib.optim.Adam(model.parameters(), lr=0.05)
    losses, first_batch = [], None
    for _ in range(3):
        for images, targets in loader:
            if first_batch is None:
                first_batch = images.numpy().copy(), targets.numpy().copy()
            loss = lib.nn.functional.cross_entropy(model(images), targets)  # one-hot rows: probability targets
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
    subset = lib.utils.data.Subset(dataset, [7, 2])
    subset_targets = np.stack([subset[i][1].numpy() for i in range(len(subset))])
    return *first_batch, losses, subset_targets, start


def test_the_dataset_batches_transformed_examples():
    images, targets, losses, subset_targets, _ = load_and_train(tinygrad_edu, *tinygrad_edu_transforms())
    raw, labels = stripes()
    assert images.shape == (4, 1, 6, 6) and images.dtype == np.float32
    np.testing.assert_allclose(images[:, 0], (raw[:4, :, ::-1] / 255 - 0.5) / 0.25, rtol=1e-6)
    np.testing.assert_array_equal(targets, np.eye(6, dtype=np.float32)[labels[:4]])
    np.testing.assert_array_equal(subset_targets, np.eye(6, dtype=np.float32)[labels[[7, 2]]])
    assert len(losses) == 3 * 3  # 10 examples in batches of 4: 4, 4, 2
    assert losses[-1] < losses[0] / 2


def test_random_transforms_keep_shapes_and_pixels():
    tinygrad_edu.manual_seed(0)
    crop = transforms.Compose([transforms.ToTensor(), transforms.RandomCrop(4, padding=1)])
    image = stripes()[0][0]
    cropped = crop(image).numpy()[0]
    assert cropped.shape == (4, 4)
    padded = np.pad(image, 1) / 255
    windows = [padded[r : r + 4, c : c + 4] for r in range(5) for c in range(5)]
    assert any(np.allclose(cropped, window) for window in windows)


def test_the_dataset_program_matches_pytorch(torch):
    tinygrad_edu.manual_seed(0)
    *ours, start = load_and_train(tinygrad_edu, *tinygrad_edu_transforms())
    *theirs, _ = load_and_train(torch, *pytorch_transforms(torch), initial_state=start)
    for name, mine, reference in zip(("images", "targets", "losses", "subset targets"), ours, theirs):
        np.testing.assert_allclose(mine, reference, rtol=1e-5, atol=1e-6, err_msg=name)


@pytest.mark.parametrize("lengths", [[7, 3], [0.5, 0.5]])
def test_random_split_partitions_the_dataset(lengths):
    dataset = tinygrad_edu.utils.data.TensorDataset(tinygrad_edu.arange(10))
    parts = tinygrad_edu.utils.data.random_split(dataset, lengths)
    seen = sorted(int(part[i][0].item()) for part in parts for i in range(len(part)))
    assert seen == list(range(10)) and [len(part) for part in parts] == ([7, 3] if lengths == [7, 3] else [5, 5])
