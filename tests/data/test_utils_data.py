"""tinygrad_edu.utils.data is torch.utils.data's spelling of tinygrad_edu.data: same classes, both imports work."""

import importlib

import pytest

import tinygrad_edu as tg


@pytest.mark.parametrize("name", tg.data.__all__)
def test_names_are_the_same_objects_in_both_places(name):
    module = importlib.import_module("tinygrad_edu.utils.data")
    assert getattr(module, name) is getattr(tg.data, name) is getattr(tg.utils.data, name)


def test_pytorch_style_imports_load_batches():
    from tinygrad_edu.utils.data import DataLoader, TensorDataset, random_split

    tg.manual_seed(0)
    dataset = TensorDataset(tg.arange(10.0), tg.arange(10))
    train, test = random_split(dataset, [8, 2])
    batches = list(DataLoader(train, batch_size=4))
    assert [len(labels) for _, labels in batches] == [4, 4]
    seen = [label for _, labels in batches for label in labels.tolist()] + [test[i][1].item() for i in range(2)]
    assert sorted(seen) == list(range(10))
