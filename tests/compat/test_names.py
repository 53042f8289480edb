"""Each name and argument issue 14 lists, used once the way PyTorch code uses it and checked against
PyTorch's own result. The programs in the other files of tests/compat cover the rest of the list (the
header of each says which); `test_every_listed_name_is_checked_somewhere` keeps the two in step.

A case is a function of the library module; both libraries run it and give the same values, dtypes
(by name) and shapes, or raise the same kind of exception.
"""

import io
import re
import warnings
from pathlib import Path

import numpy as np
import pytest

import tinygrad_edu

X = [[0.5, -1.25, 2.0], [3.0, 0.25, -0.75]]
IMAGE = np.arange(2 * 1 * 4 * 4, dtype=np.float32).reshape(2, 1, 4, 4) % 7 - 3


def plain(value):
    """numpy arrays, floats, dtype names and tuples of them, whichever library made the value."""
    if isinstance(value, (tuple, list)):
        return tuple(plain(item) for item in value)
    if hasattr(value, "detach"):
        return value.detach().numpy()
    if type(value).__name__ in ("dtype", "DType"):
        return str(value).split(".")[-1]
    if isinstance(value, str):  # Tensor.type()'s names: torch.FloatTensor here is tinygrad_edu.FloatTensor
        return value.removeprefix("torch.").removeprefix("tinygrad_edu.")
    return value


def assert_same(ours, theirs):
    ours, theirs = plain(ours), plain(theirs)
    if isinstance(ours, tuple):
        assert isinstance(theirs, tuple) and len(ours) == len(theirs)
        for mine, reference in zip(ours, theirs):
            assert_same(mine, reference)
    elif isinstance(ours, np.ndarray):
        assert ours.shape == theirs.shape and ours.dtype == theirs.dtype, (ours, theirs)
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)
    else:
        assert ours == pytest.approx(theirs) if isinstance(ours, float) else ours == theirs


def x(lib, **options):
    return lib.tensor(X, **options)


def prob_target_gradient(lib):
    logits = x(lib, requires_grad=True)
    target = lib.tensor([[0.2, 0.3, 0.5], [1.0, 0.0, 0.0]], requires_grad=True)
    lib.nn.functional.cross_entropy(logits, target, label_smoothing=0.1).backward()
    return logits.grad, target.grad


def max_unpool(lib):
    F = lib.nn.functional
    pooled, indices = F.max_pool2d(lib.tensor(IMAGE), 2, return_indices=True)
    unpool = lib.nn.MaxUnpool2d(2)
    return pooled, indices, unpool(pooled, indices), F.max_unpool2d(pooled, indices, 2)


def conv_transpose(lib):
    layer = lib.nn.ConvTranspose2d(1, 2, 3, stride=2, padding=1, output_padding=1)
    with lib.no_grad():
        layer.weight.copy_(lib.tensor(np.linspace(-1, 1, 18, dtype=np.float32).reshape(1, 2, 3, 3)))
        layer.bias.copy_(lib.tensor([0.5, -0.5]))
    image = lib.tensor(IMAGE, requires_grad=True)
    out = layer(image)
    (out * out).sum().backward()
    return out, image.grad, layer.weight.grad, lib.nn.functional.conv_transpose2d(image, layer.weight, stride=2)


def clip_value(lib):
    weight = x(lib, requires_grad=True)
    (weight**3).sum().backward()
    lib.nn.utils.clip_grad_value_([weight], clip_value=2.0)
    return weight.grad


def clip_norm(lib):
    weight = x(lib, requires_grad=True)
    (weight**3).sum().backward()
    total = lib.nn.utils.clip_grad_norm_([weight], max_norm=1.0, norm_type=float("inf"))
    return total, weight.grad


def checkpoint_round_trip(lib):
    model = lib.nn.Linear(3, 2)
    with lib.no_grad():
        model.weight.copy_(lib.tensor([[0.1, 0.2, 0.3], [-0.4, 0.5, 0.6]]))
    buffer = io.BytesIO()
    lib.save(model.state_dict(), buffer)
    buffer.seek(0)
    state = lib.load(buffer, weights_only=True, map_location="cpu")
    return tuple(state), state["weight"]


CASES = {
    # item 1: arguments real code passes
    "axis= on reductions": lambda lib: (
        tuple(
            getattr(x(lib), name)(axis=1) for name in ("sum", "mean", "var", "std", "amax", "amin", "argmax", "argmin")
        )
        + (
            x(lib).max(axis=0),
            x(lib).min(axis=0),
            x(lib).prod(axis=1),
            (x(lib) > 0).all(axis=1),
            (x(lib) > 2).any(axis=0),
        )
        + (x(lib).logsumexp(axis=1), x(lib).softmax(axis=1), x(lib).log_softmax(axis=0))
    ),
    "sum(dtype=)": lambda lib: (lib.tensor([[1, 2], [3, 4]]).sum(dtype=lib.float64), x(lib).sum(1, dtype=lib.float64)),
    "Tensor.type": lambda lib: (x(lib).type(), x(lib).type(lib.int64), x(lib).type(lib.int32).type()),
    "Tensor(3, 4) and Tensor([1, 2])": lambda lib: (lib.Tensor(3, 4).shape, lib.Tensor(3, 4).dtype, lib.Tensor([1, 2])),
    "FloatTensor LongTensor DoubleTensor": lambda lib: (
        lib.FloatTensor([1, 2]),
        lib.LongTensor([1, 2]),
        lib.DoubleTensor([1.5]),
        isinstance(x(lib), lib.FloatTensor),
        isinstance(x(lib), lib.LongTensor),
    ),
    "losses with an integer target": lambda lib: (
        lib.nn.functional.mse_loss(x(lib), lib.tensor([[1, 0, 2], [3, 1, 0]])),
        lib.nn.MSELoss(reduction="none")(x(lib), lib.tensor([[1, 0, 2], [3, 1, 0]])),
    ),
    "save/load with file objects, weights_only, map_location": checkpoint_round_trip,
    # item 2: missing names
    "masked_fill masked_fill_": lambda lib: (
        x(lib).masked_fill(x(lib) < 0, 0.0),
        x(lib).masked_fill_(lib.tensor([True, False, True]), -9.0),
    ),
    "repeat repeat_interleave": lambda lib: (
        x(lib).repeat(2, 1, 2),
        x(lib).repeat_interleave(2, dim=0),
        lib.tensor([1, 2, 3]).repeat_interleave(lib.tensor([3, 0, 1])),
        lib.repeat_interleave(x(lib), 2),
    ),
    "sort argsort": lambda lib: (
        lib.sort(lib.tensor([3, 1, 2, 1, 3]), stable=True),
        lib.argsort(x(lib), dim=0, descending=True),
        x(lib).argsort(),
    ),
    "topk": lambda lib: (x(lib).topk(2), lib.topk(x(lib), 1, dim=0, largest=False)),
    "flip roll": lambda lib: (
        x(lib).flip(0, 1),
        lib.flip(x(lib), [1]),
        x(lib).roll(1, 1),
        lib.roll(x(lib), (1, -1), (0, 1)),
        x(lib).roll(2),
    ),
    "tril triu": lambda lib: (
        lib.tril(lib.ones(3, 4)),
        lib.triu(lib.ones(3, 4), diagonal=1),
        x(lib).tril(-1),
        x(lib).triu(),
    ),
    "std_mean var_mean": lambda lib: (
        lib.std_mean(x(lib), dim=1),
        lib.var_mean(x(lib), dim=0, correction=0),
        lib.std_mean(x(lib)),
    ),
    "allclose isclose equal": lambda lib: (
        lib.allclose(x(lib), x(lib) + 1e-9),
        lib.allclose(x(lib), x(lib) + 1e-3),
        lib.isclose(x(lib), x(lib) * 1.001, rtol=1e-2),
        lib.isclose(lib.tensor([float("nan"), 1.0]), lib.tensor([float("nan"), 1.0]), equal_nan=True),
        lib.equal(x(lib), x(lib)),
        lib.equal(x(lib), x(lib)[:1]),
        x(lib).allclose(x(lib)),
    ),
    "one_hot": lambda lib: (
        lib.nn.functional.one_hot(lib.tensor([0, 2, 1])),
        lib.nn.functional.one_hot(lib.tensor([[0], [3]]), num_classes=5),
    ),
    "clip_grad_norm_": clip_norm,
    "clip_grad_value_": clip_value,
    "accelerator": lambda lib: (
        lib.accelerator.is_available(),
        lib.accelerator.device_count(),
        lib.accelerator.current_accelerator(),
    ),
    # item 3: layers
    "LeakyReLU SiLU Softplus": lambda lib: (
        lib.nn.LeakyReLU(0.2)(x(lib)),
        lib.nn.SiLU()(x(lib)),
        lib.nn.Softplus(beta=2.0, threshold=3.0)(x(lib)),
        lib.nn.GELU(approximate="tanh")(x(lib)),
    ),
    "AdaptiveAvgPool2d Unflatten": lambda lib: (
        lib.nn.AdaptiveAvgPool2d((3, 2))(lib.tensor(IMAGE)),
        lib.nn.AdaptiveAvgPool2d(1)(lib.tensor(IMAGE)),
        lib.nn.Unflatten(1, (3, 1))(x(lib)),
    ),
    "ConvTranspose2d conv_transpose2d": conv_transpose,
    "MaxUnpool2d max_pool2d(return_indices=True)": max_unpool,
    "max pooling of integers": lambda lib: lib.nn.functional.max_pool2d(
        lib.tensor(IMAGE.astype(np.int64)), 3, stride=2, padding=1
    ),
    "F.pad with negative sizes": lambda lib: (
        lib.nn.functional.pad(lib.tensor(IMAGE), (-1, 2, 0, -2)),
        lib.nn.functional.pad(x(lib), (1, -1), value=7.0),
    ),
    "cross-entropy with probability targets": prob_target_gradient,
    # item 7: numerics
    "linspace with an integer dtype": lambda lib: (
        lib.linspace(5, -5, 20, dtype=lib.int32),
        lib.linspace(0, 10, 7, dtype=lib.int64),
    ),
    "pi e inf nan": lambda lib: (lib.pi, lib.e, lib.inf, str(lib.nan), lib.tensor([lib.pi, -lib.inf]) * 2),
    "floor_divide remainder": lambda lib: (
        lib.tensor([7, -7, 7]) // lib.tensor([2, 2, -2]),
        lib.tensor([7, -7, 7]) % lib.tensor([2, 2, -2]),
        lib.floor_divide(lib.tensor([-7.5]), 2),
        lib.remainder(lib.tensor([-7.5]), 2),
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_the_same_values_as_pytorch(name, torch):
    assert_same(CASES[name](tinygrad_edu), CASES[name](torch))


@pytest.mark.parametrize("name", list(CASES))
def test_each_case_runs_on_tinygrad_edu(name):
    assert CASES[name](tinygrad_edu) is not None


ERRORS = {
    "clamp without bounds": lambda lib: x(lib).clamp(),
    "a kernel larger than the padded input": lambda lib: lib.nn.functional.max_pool2d(lib.ones(1, 1, 2, 2), 5),
    "a 3-tuple pooling padding": lambda lib: lib.nn.functional.max_pool2d(lib.ones(1, 1, 4, 4), 2, padding=(1, 1, 1)),
    "integer // by zero": lambda lib: lib.tensor([3, 4]) // lib.tensor([1, 0]),
    "integer % by zero": lambda lib: lib.tensor([3, 4]) % 0,
    "conv weight of the wrong rank": lambda lib: lib.nn.functional.conv2d(lib.ones(1, 1, 4, 4), lib.ones(1, 4, 4)),
}


@pytest.mark.parametrize("name", list(ERRORS))
def test_the_same_exception_type_as_pytorch(name, torch):
    with pytest.raises(RuntimeError):
        ERRORS[name](torch)
    with pytest.raises(RuntimeError):
        ERRORS[name](tinygrad_edu)


def test_set_default_device_as_pytorch(torch):
    for lib in (tinygrad_edu, torch):
        lib.set_default_device("cpu")
        try:
            assert lib.Tensor(2).device.type == "cpu" and lib.zeros(1).device.type == "cpu"
        finally:
            lib.set_default_device(None)


def test_a_plain_safetensors_file_loads_into_a_model(tmp_path, torch):
    safetensors_torch = pytest.importorskip("safetensors.torch")
    reference = torch.nn.Linear(3, 2)
    safetensors_torch.save_file(reference.state_dict(), tmp_path / "model.safetensors")
    model = tinygrad_edu.nn.Linear(3, 2)
    model.load_state_dict(tinygrad_edu.load(tmp_path / "model.safetensors", weights_only=True))
    inputs = np.array(X, dtype=np.float32)
    assert_same(model(tinygrad_edu.tensor(inputs)), reference(torch.tensor(inputs)))


def worker_init(worker_id):
    np.random.seed(worker_id)


def collate_sums(batch):
    return [sum(int(item[0].item()) for item in batch)]


def batches(lib, **options):
    dataset = lib.utils.data.TensorDataset(lib.arange(10) * 3)
    return [
        [plain(part).tolist() if hasattr(part, "detach") else part for part in batch]
        for batch in lib.utils.data.DataLoader(dataset, **options)
    ]


DATALOADER_OPTIONS = {
    "sampler": dict(batch_size=3, sampler=[9, 0, 4, 4, 1]),
    "batch_sampler": dict(batch_sampler=[[1, 2], [7], [0, 5, 9]]),
    "collate_fn": dict(batch_size=4, collate_fn=collate_sums, drop_last=True),
    "workers": dict(
        batch_size=4, num_workers=2, worker_init_fn=worker_init, prefetch_factor=2, persistent_workers=True, timeout=5
    ),
    "pin_memory": dict(batch_size=5, pin_memory=False, in_order=True),
}


@pytest.mark.parametrize("name", list(DATALOADER_OPTIONS))
def test_dataloader_arguments_give_pytorchs_batches(name, torch):
    options = DATALOADER_OPTIONS[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # num_workers > 0 warns once here that loading stays in this process
        ours = batches(tinygrad_edu, **options)
    assert ours == batches(torch, **options)


def seeded_orders(lib, seed):
    """A shuffled pass and a random_split, fixed by `lib.Generator().manual_seed(seed)` as PyTorch scripts do."""
    data = list(range(10))
    loader = lib.utils.data.DataLoader(data, batch_size=10, shuffle=True, generator=lib.Generator().manual_seed(seed))
    parts = lib.utils.data.random_split(data, [0.7, 0.3], generator=lib.Generator().manual_seed(seed))
    return next(iter(loader)).tolist(), [list(map(int, part.indices)) for part in parts]


def test_a_generator_fixes_the_shuffle_and_random_split_as_in_pytorch(torch):
    """The orders themselves differ (another random algorithm); what PyTorch guarantees holds for both."""
    for lib in (tinygrad_edu, torch):
        shuffle, (train, test) = seeded_orders(lib, 42)
        assert seeded_orders(lib, 42) == (shuffle, [train, test]) and seeded_orders(lib, 43) != (shuffle, [train, test])
        assert sorted(shuffle) == list(range(10)) and (len(train), len(test)) == (7, 3)
        assert sorted(train + test) == list(range(10))
    assert tinygrad_edu.Generator().initial_seed() == torch.Generator().initial_seed()
    assert tinygrad_edu.Generator().manual_seed(-1).initial_seed() == torch.Generator().manual_seed(-1).initial_seed()


def test_random_split_lengths_as_pytorch(torch):
    def lengths(lib):
        return [len(part) for part in lib.utils.data.random_split(list(range(11)), [0.3, 0.3, 0.4])]

    assert lengths(tinygrad_edu) == lengths(torch)


ISSUE_NAMES = [
    *"masked_fill repeat repeat_interleave sort argsort topk flip roll tril triu std_mean var_mean".split(),
    *"allclose isclose equal inference_mode set_default_device one_hot clip_grad_norm_ clip_grad_value_".split(),
    *"is_available current_accelerator device_count Dataset TensorDataset DataLoader Subset random_split".split(),
    *"Embedding LayerNorm GELU LeakyReLU SiLU Softplus AdaptiveAvgPool2d Unflatten ConvTranspose2d".split(),
    *"MaxUnpool2d return_indices RMSprop Adagrad Adadelta axis= dtype= FloatTensor LongTensor DoubleTensor".split(),
    *"mse_loss weights_only map_location BytesIO safetensors num_workers pin_memory persistent_workers".split(),
    *"prefetch_factor worker_init_fn Generator() sampler batch_sampler collate_fn transform= target_transform".split(),
    *"Compose ToTensor Normalize Lambda RandomCrop RandomHorizontalFlip clamp() linspace // pi".split(),
]


def test_every_listed_name_is_checked_somewhere():
    sources = "".join(
        path.read_text() for path in Path(__file__).parent.glob("test_*.py") if path.name != Path(__file__).name
    )
    here = Path(__file__).read_text().split("ISSUE_NAMES = [")[0]
    missing = [name for name in ISSUE_NAMES if not re.search(re.escape(name), sources + here)]
    assert missing == []
