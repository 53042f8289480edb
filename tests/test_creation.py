"""Factories: shapes, dtypes and values as PyTorch's, and reproducible random numbers."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_edu as tg


def host(tensor):
    return tensor.detach().cpu().numpy()


def test_zeros_ones_full_accept_every_spelling_of_a_size(device):
    for size in [(2, 3), ((2, 3),), ([2, 3],)]:
        assert tg.zeros(*size, device=device).shape == (2, 3)
        assert tg.ones(*size, device=device).shape == (2, 3)
    np.testing.assert_array_equal(host(tg.full((2, 2), 7.5, device=device)), np.full((2, 2), 7.5))
    assert tg.zeros(2, device=device).dtype == tg.float32
    assert tg.zeros(2, dtype=tg.int64, device=device).dtype == tg.int64
    assert tg.ones(2, device=device, requires_grad=True).requires_grad


def test_full_takes_its_dtype_from_the_fill_value():
    assert tg.full((2,), 7).dtype == tg.int64
    assert tg.full((2,), 7.0).dtype == tg.float32
    assert tg.full((2,), True).dtype == tg.bool
    assert tg.full([3], 1.5, dtype=tg.float64).dtype == tg.float64


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((5,), np.arange(5)),
        ((1, 10, 3), np.array([1, 4, 7])),
        ((5, 0, -1), np.array([5, 4, 3, 2, 1])),
        ((5.0,), np.arange(5.0)),
        ((0, 1, 0.1), np.arange(10) * 0.1),
        ((0, 0.3, 0.1), np.array([0.0, 0.1, 0.2])),
        ((1.0, -1.0, -0.5), np.array([1.0, 0.5, 0.0, -0.5])),
    ],
)
def test_arange(device, args, expected):
    result = tg.arange(*args, device=device)
    all_ints = all(isinstance(arg, int) for arg in args)
    assert result.dtype == (tg.int64 if all_ints else tg.float32)
    np.testing.assert_allclose(host(result), expected, rtol=1e-6)


def test_arange_matches_torch_on_float_steps():
    torch = pytest.importorskip("torch")
    for start, end, step in [(0, 1, 0.1), (-1.0, 2.0, 0.3), (0.5, 3.0, 0.25), (10, 0, -0.7)]:
        theirs = torch.arange(start, end, step).numpy()
        np.testing.assert_array_equal(tg.arange(start, end, step).numpy(), theirs)


def test_arange_errors():
    with pytest.raises(ValueError, match="arange: step must be nonzero"):
        tg.arange(0, 5, 0)
    with pytest.raises(ValueError, match="arange: the step 1 points away from end 0"):
        tg.arange(5, 0)


def test_linspace_and_eye(device):
    np.testing.assert_allclose(host(tg.linspace(-1, 1, 5, device=device)), [-1.0, -0.5, 0.0, 0.5, 1.0])
    assert tg.linspace(0, 10, 3, dtype=tg.float64).dtype == tg.float64
    np.testing.assert_array_equal(host(tg.eye(2, 3, device=device)), np.eye(2, 3))
    assert tg.eye(3, dtype=tg.int64).dtype == tg.int64


def test_random_factories_have_the_right_shape_dtype_and_range(device):
    uniform = host(tg.rand(1000, device=device))
    assert uniform.dtype == np.float32 and ((uniform >= 0) & (uniform < 1)).all()
    normal = host(tg.randn(2000, dtype=tg.float64, device=device))
    assert normal.dtype == np.float64 and abs(normal.mean()) < 0.1 and abs(normal.std() - 1) < 0.1
    integers = host(tg.randint(3, 5, (200,), device=device))
    assert integers.dtype == np.int64 and set(integers.tolist()) == {3, 4}
    assert sorted(tg.randperm(6, device=device).tolist()) == list(range(6))
    assert tg.randn(2, 3, requires_grad=True).requires_grad


def test_randint_signatures_as_pytorch():
    assert tg.randint(10, (2, 3)).shape == (2, 3)
    assert tg.randint(10, size=(2, 3)).shape == (2, 3)
    assert tg.randint(low=2, high=5, size=(4,)).shape == (4,)
    assert tg.randint(0, 10, (3,), dtype=tg.int32).dtype == tg.int32
    with pytest.raises(TypeError, match="randint: missing the size argument"):
        tg.randint(0, 10)
    with pytest.raises(ValueError, match=r"randint: low \(5\) must be smaller than high \(5\)"):
        tg.randint(5, 5, (2,))


def test_random_factories_refuse_integer_dtypes():
    with pytest.raises(TypeError, match="randn: dtype must be floating point"):
        tg.randn(2, dtype=tg.int64)
    with pytest.raises(TypeError, match="rand: dtype must be floating point"):
        tg.rand(2, dtype=tg.int64)


def test_manual_seed_makes_every_random_factory_reproducible(device):
    def draw():
        return [
            host(tg.rand(3, device=device)),
            host(tg.randn(2, 2, device=device)),
            host(tg.randint(0, 100, (5,), device=device)),
            host(tg.randperm(7, device=device)),
            host(tg.randn_like(tg.zeros(3, device=device))),
            host(tg.zeros(4, device=device).normal_()),
            host(tg.zeros(4, device=device).uniform_(-1, 1)),
        ]

    tg.manual_seed(1234)
    first = draw()
    tg.manual_seed(1234)
    second = draw()
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    tg.manual_seed(4321)
    assert not np.array_equal(draw()[1], first[1])
    assert tg.initial_seed() == 4321


def test_manual_seed_needs_an_int():
    with pytest.raises(TypeError, match="manual_seed: seed must be an int"):
        tg.manual_seed(1.5)


def test_like_factories_copy_shape_dtype_and_device(device):
    source = tg.tensor([[1, 2, 3]], device=device)
    for result in [tg.zeros_like(source), tg.ones_like(source), tg.full_like(source, 4)]:
        assert result.shape == (1, 3) and result.dtype == tg.int64 and result.device == source.device
    assert tg.ones_like(source, dtype=tg.float32).dtype == tg.float32
    assert tg.randn_like(tg.zeros(2, dtype=tg.float64)).dtype == tg.float64
    assert tg.zeros_like(tg.zeros(2), requires_grad=True).requires_grad


def test_tensor_copies_its_data_and_from_numpy_shares_it():
    array = np.zeros(3, dtype=np.float32)
    copied, shared = tg.tensor(array), tg.from_numpy(array)
    array[0] = 1.0
    assert copied[0].item() == 0.0 and shared[0].item() == 1.0
    with pytest.raises(TypeError, match="from_numpy: expected a numpy.ndarray"):
        tg.from_numpy([1.0])


def test_sizes_must_be_non_negative_ints():
    with pytest.raises(ValueError, match=r"zeros: size must be non-negative, got \(-1,\)"):
        tg.zeros(-1)
    with pytest.raises(TypeError, match="ones: size must be ints"):
        tg.ones(2.5)


def test_randperm_of_a_negative_count_is_an_error_as_in_pytorch():
    with pytest.raises(RuntimeError, match="randperm: n must be non-negative, got -1"):
        tg.randperm(-1)
    assert tg.randperm(0).shape == (0,) and tg.randperm(0).dtype == tg.int64


@pytest.mark.parametrize(
    "factory",
    [
        lambda: tg.tensor([1.0]),
        lambda: tg.zeros(2),
        lambda: tg.ones(2),
        lambda: tg.empty(2),
        lambda: tg.full((2,), 3.0),
        lambda: tg.arange(3),
        lambda: tg.linspace(0, 1, 3),
        lambda: tg.eye(2),
        lambda: tg.rand(2),
        lambda: tg.randn(2),
        lambda: tg.randint(0, 3, (2,)),
        lambda: tg.randperm(3),
        lambda: tg.Tensor([1.0]),
        lambda: tg.Tensor(2, 3),
    ],
)
def test_set_default_device_moves_every_factory(factory):
    pytest.importorskip("fakegpu")
    try:
        tg.set_default_device("fakegpu")
        assert tg.get_default_device() == tg.device("fakegpu")
        assert factory().device.type == "fakegpu"
        assert tg.zeros(1, device="cpu").device.type == "cpu"  # an explicit device still wins
    finally:
        tg.set_default_device(None)
    assert factory().device == tg.device("cpu") == tg.get_default_device()


def test_set_default_device_spellings_match_torch(torch):
    for module in (torch, tg):
        module.set_default_device("cpu")
        assert str(module.zeros(1).device) == "cpu"
        module.set_default_device(None)
        assert str(module.get_default_device()) == "cpu"


def test_integer_linspace_cuts_toward_zero_as_torch():
    assert tg.linspace(5, -5, 20, dtype=tg.int32)[10:13].tolist() == [0, 0, -1]  # numpy's floor gives -1, -1, -2
    assert tg.linspace(-3, 3, 4, dtype=tg.int64).tolist() == [-3, -1, 1, 3]
    assert tg.linspace(7, 9, 1, dtype=tg.int64).tolist() == [7]


@given(
    start=st.integers(-50, 50),
    end=st.integers(-50, 50),
    steps=st.integers(0, 40),
    dtype=st.sampled_from(["int16", "int32", "int64"]),
)
def test_integer_linspace_matches_torch(torch, start, end, steps, dtype):
    ours = tg.linspace(start, end, steps, dtype=getattr(tg, dtype)).tolist()
    theirs = torch.linspace(start, end, steps, dtype=getattr(torch, dtype)).tolist()
    exact = np.linspace(start, end, steps)
    # where the exact value is an integer, float64 rounding may land on either side (PyTorch's own
    # result depends on its vector width); everywhere else both must cut toward zero alike
    clear = np.abs(exact - np.round(exact)) > 1e-9
    assert np.array_equal(np.array(ours)[clear], np.array(theirs)[clear])
    assert len(ours) == len(theirs)
