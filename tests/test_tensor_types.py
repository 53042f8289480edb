"""torch.Tensor-style construction (Tensor(3, 4), Tensor([1, 2]) is float32), FloatTensor & co., and x.type()."""

import numpy as np
import pytest

import tinygrad_edu as tg

NAMES = ["FloatTensor", "DoubleTensor", "HalfTensor", "LongTensor", "IntTensor", "ShortTensor", "CharTensor"]
NAMES += ["ByteTensor", "BoolTensor"]

CONSTRUCTIONS = {
    "sizes": lambda m: m.Tensor(3, 4),
    "one size": lambda m: m.Tensor(5),
    "empty": lambda m: m.Tensor(),
    "int list": lambda m: m.Tensor([1, 2]),
    "bool list": lambda m: m.Tensor([True, False]),
    "tuple is data": lambda m: m.Tensor((2, 3)),
    "nested": lambda m: m.Tensor([[1, 2], [3, 4]]),
    "int array": lambda m: m.Tensor(np.array([1, 2])),
    "float64 array": lambda m: m.Tensor(np.array([1.5, 2.5])),
    "int tensor keeps its dtype": lambda m: m.Tensor(m.tensor([1, 2])),
}


@pytest.mark.parametrize("name", CONSTRUCTIONS)
def test_construction_matches_torch(torch, name):
    ours, theirs = CONSTRUCTIONS[name](tg), CONSTRUCTIONS[name](torch)
    assert tuple(ours.shape) == tuple(theirs.shape)
    assert ours.dtype.name == str(theirs.dtype).removeprefix("torch.")
    if name not in ("sizes", "one size"):  # PyTorch leaves those uninitialised; ours are zeros
        assert ours.tolist() == theirs.tolist()


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("data", [[1.7, 2.0, 0.0], (2, 3)])
def test_typed_constructors_match_torch(torch, name, data):
    ours = getattr(tg, name)(data) if isinstance(data, list) else getattr(tg, name)(*data)
    theirs = getattr(torch, name)(data) if isinstance(data, list) else getattr(torch, name)(*data)
    assert ours.dtype.name == str(theirs.dtype).removeprefix("torch.") and tuple(ours.shape) == tuple(theirs.shape)
    if isinstance(data, list):
        assert ours.tolist() == theirs.tolist()
    assert ours.type() == "tinygrad_edu." + theirs.type().removeprefix("torch.")
    assert isinstance(ours, getattr(tg, name)) and isinstance(theirs, getattr(torch, name))


@pytest.mark.parametrize("target", ["int32", "LongTensor", "torch.DoubleTensor", "tinygrad_edu.HalfTensor", "bool"])
def test_type_converts_as_torch(torch, target):
    def spelled(module):
        return getattr(module, target) if "." not in target else target.replace("tinygrad_edu", module.__name__)

    ours, theirs = tg.tensor([1.5, -2.0]).type(spelled(tg)), torch.tensor([1.5, -2.0]).type(spelled(torch))
    assert ours.dtype.name == str(theirs.dtype).removeprefix("torch.")
    assert ours.tolist() == theirs.tolist()


def test_constructor_without_torch():
    assert tg.Tensor(2, 3).tolist() == [[0.0] * 3] * 2
    assert tg.Tensor([1, 2], requires_grad=True).requires_grad  # our keywords stay
    assert tg.Tensor([1, 2], dtype=tg.int64).dtype == tg.int64
    assert tg.tensor([1, 2]).dtype == tg.int64  # tensor() still infers
    assert not isinstance(tg.ones(2), tg.LongTensor) and isinstance(tg.ones(2), tg.FloatTensor)
    assert tg.ones(2).type() == "tinygrad_edu.FloatTensor"
    with pytest.raises(TypeError, match="invalid type 'torch.ComplexTensor'"):
        tg.ones(2).type("torch.ComplexTensor")
    with pytest.raises(TypeError, match="expected data or ints"):
        tg.Tensor([1], [2])
