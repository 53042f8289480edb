"""MNIST and FashionMNIST: finding, parsing, validating and downloading the four IDX files."""

import gzip

import numpy as np
import pytest
from debian_data import needs_debian_fashion_mnist
from fake_mnist import md5s_of, write_files

import tinygrad_edu
from tinygrad_edu.data import DataLoader
from tinygrad_edu.datasets import MNIST, DownloadError, FashionMNIST, IDXError, transforms, write_idx


@pytest.mark.parametrize("gzipped", [True, False])
@pytest.mark.parametrize("layout", [".", "MNIST/raw"])
def test_loads_like_torchvision(tmp_path, mnist_arrays, gzipped, layout):
    write_files(tmp_path / layout, mnist_arrays, gzipped)
    train, test = MNIST(tmp_path), MNIST(str(tmp_path), train=False)
    assert len(train) == 12 and len(test) == 5
    image, label = train[3]
    assert image.shape == (1, 28, 28) and image.dtype == tinygrad_edu.float32
    assert isinstance(label, int) and label == mnist_arrays["train-labels-idx1-ubyte"][3]
    np.testing.assert_array_equal(image.numpy()[0] * 255, mnist_arrays["train-images-idx3-ubyte"][3])
    assert float(image.numpy().min()) >= 0 and float(image.numpy().max()) <= 1
    assert train.data.dtype == tinygrad_edu.uint8 and train.data.shape == (12, 28, 28)
    assert (
        train.targets.dtype == tinygrad_edu.int64
        and test.targets.tolist() == mnist_arrays["t10k-labels-idx1-ubyte"].tolist()
    )
    assert len(train.classes) == 10


def test_matches_torchvision_tensors(tmp_path, mnist_arrays):
    torch = pytest.importorskip("torch")
    write_files(tmp_path, mnist_arrays)
    image, _ = MNIST(tmp_path)[5]
    expected = torch.from_numpy(mnist_arrays["train-images-idx3-ubyte"][5]).float().div(255).unsqueeze(0)
    np.testing.assert_array_equal(image.numpy(), expected.numpy())


def test_dataloader_batches_match_single_samples(tmp_path, mnist_arrays):
    write_files(tmp_path, mnist_arrays)
    dataset = MNIST(tmp_path)
    images, labels = next(iter(DataLoader(dataset, batch_size=4, shuffle=True, seed=1)))
    assert (
        images.shape == (4, 1, 28, 28) and images.dtype == tinygrad_edu.float32 and labels.dtype == tinygrad_edu.int64
    )
    order = np.random.default_rng(1).permutation(12)[:4]
    for position, index in enumerate(order):
        image, label = dataset[int(index)]
        np.testing.assert_array_equal(images.numpy()[position], image.numpy())
        assert labels.tolist()[position] == label


def test_transforms_apply_on_both_paths(tmp_path, mnist_arrays):
    write_files(tmp_path, mnist_arrays)
    to_signed = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))])
    dataset = MNIST(tmp_path, transform=to_signed, target_transform=lambda label: label + 100)
    image, label = dataset[0]
    np.testing.assert_allclose(image.numpy()[0], mnist_arrays["train-images-idx3-ubyte"][0] / 127.5 - 1, atol=1e-6)
    assert image.shape == (1, 28, 28) and label >= 100
    images, labels = next(iter(DataLoader(dataset, batch_size=12)))
    np.testing.assert_array_equal(images.numpy()[0], image.numpy())
    assert min(labels.tolist()) >= 100


def test_missing_files_say_where_to_put_them(tmp_path):
    with pytest.raises(FileNotFoundError) as error:
        MNIST(tmp_path / "empty")
    message = str(error.value)
    assert "train-images-idx3-ubyte[.gz]" in message and str(tmp_path / "empty" / "MNIST" / "raw") in message
    assert "download=True" in message


@pytest.mark.parametrize(
    "name, replacement, message",
    [
        ("train-labels-idx1-ubyte", np.zeros(11, np.uint8), "holds 11 labels but .* holds 12 images"),
        ("train-labels-idx1-ubyte", np.full(12, 10, np.uint8), r"labels must lie in 0..9, found 10..10"),
        ("train-images-idx3-ubyte", np.zeros((12, 28 * 28), np.uint8), r"expected uint8 images of shape \(N, 28, 28\)"),
    ],
)
def test_files_with_the_wrong_content_are_rejected(tmp_path, mnist_arrays, name, replacement, message):
    write_files(tmp_path, {**mnist_arrays, name: replacement}, gzipped=False)
    with pytest.raises(IDXError, match=message):
        MNIST(tmp_path)


def test_truncated_file_names_the_file(tmp_path, mnist_arrays):
    write_files(tmp_path, mnist_arrays)
    images = tmp_path / "train-images-idx3-ubyte.gz"
    images.write_bytes(gzip.compress(gzip.decompress(images.read_bytes())[:-100]))
    with pytest.raises(IDXError, match="truncated") as error:
        MNIST(tmp_path)
    assert str(images) in str(error.value)


@pytest.fixture
def served_mnist(http_server, mnist_arrays, monkeypatch):
    """MNIST's mirrors and checksums pointed at the local server holding the tiny generated files."""
    url, served = http_server
    write_files(served, mnist_arrays)
    monkeypatch.setattr(MNIST, "mirrors", [url])
    monkeypatch.setattr(MNIST, "md5s", md5s_of(served))
    return served


def test_download_fetches_into_torchvision_layout_and_then_reuses_it(tmp_path, served_mnist):
    root = tmp_path / "root"
    train = MNIST(root, download=True)
    assert len(train) == 12
    assert sorted(path.name for path in (root / "MNIST" / "raw").iterdir()) == [
        "train-images-idx3-ubyte.gz",
        "train-labels-idx1-ubyte.gz",
    ]
    for path in served_mnist.iterdir():
        path.unlink()  # a second load must not need the server
    assert MNIST(root, download=True).targets.tolist() == train.targets.tolist()


def test_download_goes_to_the_cache_without_root(tmp_path, served_mnist, monkeypatch):
    monkeypatch.setenv("TINYGRAD_EDU_DATA", str(tmp_path / "cache"))
    assert len(MNIST(train=False, download=True)) == 5
    assert (tmp_path / "cache" / "MNIST" / "raw" / "t10k-images-idx3-ubyte.gz").is_file()


def test_download_with_wrong_checksum_fails_and_keeps_nothing(tmp_path, served_mnist, monkeypatch):
    monkeypatch.setattr(MNIST, "md5s", {name: "0" * 32 for name in MNIST.md5s})
    with pytest.raises(DownloadError, match="checksum mismatch"):
        MNIST(tmp_path, download=True)
    assert list((tmp_path / "MNIST" / "raw").iterdir()) == []


def test_corrupt_file_with_matching_checksum_is_caught_by_parsing(tmp_path, served_mnist, monkeypatch):
    write_idx(served_mnist / "train-images-idx3-ubyte.gz", np.zeros((3, 28, 28), np.uint8))
    monkeypatch.setattr(MNIST, "md5s", md5s_of(served_mnist))
    with pytest.raises(IDXError, match="3 images"):
        MNIST(tmp_path, download=True)


def test_offline_download_fails_fast_saying_where_to_put_the_files(tmp_path, closed_port_url, monkeypatch):
    monkeypatch.setattr(MNIST, "mirrors", [closed_port_url, closed_port_url + "other/"])
    with pytest.raises(DownloadError) as error:
        MNIST(tmp_path, download=True)
    message = str(error.value)
    assert "MNIST: could not download train-images-idx3-ubyte.gz" in message
    assert str(tmp_path / "MNIST" / "raw") in message and "--data-dir" in message


@needs_debian_fashion_mnist
def test_fashion_mnist_finds_the_debian_package_when_no_root_is_named(tmp_path, monkeypatch):
    monkeypatch.setenv("TINYGRAD_EDU_DATA", str(tmp_path / "empty-cache"))
    test = FashionMNIST(train=False)
    assert len(test) == 10_000 and test.data.shape == (10_000, 28, 28)
    assert np.bincount(test.targets.numpy(), minlength=10).tolist() == [1000] * 10
    assert test.classes[9] == "Ankle boot"
    assert abs(float(test.data.numpy().mean()) / 255 - 0.2868) < 0.001  # Fashion-MNIST's known pixel mean


@pytest.mark.parametrize(
    "rename",
    [
        lambda name: name.replace("-idx", ".idx"),  # train-images.idx3-ubyte, as some copies name them
        lambda name: name.replace("t10k-", "test-"),
        lambda name: "emnist-mnist-" + name,
    ],
)
def test_other_spellings_of_the_file_names_are_found(tmp_path, mnist_arrays, rename):
    write_files(tmp_path, {rename(name): array for name, array in mnist_arrays.items()})
    assert len(MNIST(tmp_path)) == 12 and len(MNIST(tmp_path, train=False)) == 5


def test_ambiguous_names_are_not_guessed(tmp_path, mnist_arrays):
    for prefix in ("a-", "b-"):
        write_files(tmp_path, {prefix + name: array for name, array in mnist_arrays.items()})
    with pytest.raises(FileNotFoundError):
        MNIST(tmp_path)


def test_a_named_root_is_the_only_place_looked_at(tmp_path, monkeypatch, mnist_arrays):
    system_copy = tmp_path / "system"
    write_files(system_copy, mnist_arrays)
    monkeypatch.setattr(FashionMNIST, "system_dirs", [str(system_copy)])
    monkeypatch.setenv("TINYGRAD_EDU_DATA", str(tmp_path / "empty-cache"))
    assert len(FashionMNIST(train=False)) == len(mnist_arrays["t10k-labels-idx1-ubyte"])  # no root: the system's copy
    (tmp_path / "mine").mkdir()
    with pytest.raises(FileNotFoundError, match=r"the test files t10k-images-idx3-ubyte\[.gz\] and .* not found in "):
        FashionMNIST(tmp_path / "mine", train=False)
    write_files(tmp_path / "mine", {"t10k-images-idx3-ubyte": mnist_arrays["t10k-images-idx3-ubyte"]})
    with pytest.raises(
        FileNotFoundError, match=r"the test file t10k-labels-idx1-ubyte\[.gz\] was not found in .*mine,"
    ):
        FashionMNIST(tmp_path / "mine", train=False)


def test_a_root_that_is_a_file_says_so(tmp_path):
    (tmp_path / "passwd").write_text("root:x:0:0::/root:/bin/sh\n")
    with pytest.raises(NotADirectoryError, match=r"MNIST: root '.*passwd' is a file, not a directory"):
        MNIST(tmp_path / "passwd")
