"""Movement ops: reshape, permute, squeeze, expand, indexing, cat, stack, pad. Forward against numpy,
gradients by gradcheck (repeated indices must add up), PyTorch semantics and errors."""

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from torch_reference import assert_matches_torch

import tinygrad_edu as tg
from tinygrad_edu.testing import gradcheck
from tinygrad_edu.testing import strategies as tgst


def host(tensor):
    return tensor.detach().cpu().numpy()


def check(device, op, reference, x, *others):
    """op's forward equals reference on x (and other arrays), and its gradient passes gradcheck."""
    result = op(tg.tensor(x, device=device), *(tg.tensor(o, device=device) for o in others))
    np.testing.assert_array_equal(host(result), reference(x, *others))
    inputs = [tg.tensor(array, device=device, requires_grad=True) for array in (x, *others)]
    assert gradcheck(op, inputs)


@given(data=st.data())
def test_reshape_and_view(device, data):
    x = data.draw(tgst.smooth_arrays(data.draw(tgst.shapes())))
    target = tuple(data.draw(st.permutations(x.shape)))
    check(device, lambda t: t.reshape(target), lambda a: a.reshape(target), x)
    check(device, lambda t: t.view(-1), lambda a: a.reshape(-1), x)


# Cheap property tests draw four times the profile's examples (100 in the ci profile).
MORE_EXAMPLES = settings(max_examples=4 * settings().max_examples)


def ramp(*shape):
    """0.1, 0.2, ... in the given shape: distinct values, so a misplaced element shows."""
    return (np.arange(1, np.prod(shape) + 1) / 10).reshape(shape)


@st.composite
def arrays_and_permutations(draw):
    x = draw(tgst.smooth_arrays(draw(tgst.shapes(min_dims=2, max_dims=4))))
    order = tuple(draw(st.permutations(range(x.ndim))))
    return x, order, draw(st.integers(-x.ndim, x.ndim - 1)), draw(st.integers(0, x.ndim - 1))


@MORE_EXAMPLES
@given(case=arrays_and_permutations())
@example(case=(ramp(2, 3, 4), (1, 2, 0), 0, 2))  # 3-cycles: the backward needs the inverse permutation,
@example(case=(ramp(2, 3, 4), (2, 0, 1), -1, 1))  # which differs from the permutation itself
@example(case=(ramp(2, 2, 2), (1, 2, 0), 0, 1))  # equal sides: a wrong inverse keeps the shape, not the values
@example(case=(ramp(2, 3, 4, 5), (1, 3, 0, 2), -4, 3))
@example(case=(ramp(2, 3, 4, 5), (3, 2, 0, 1), 1, 2))
def test_permute_transpose_and_T(device, case):
    x, order, first, second = case
    check(device, lambda t: t.permute(*order), lambda a: a.transpose(order), x)
    check(device, lambda t: t.transpose(first, second), lambda a: np.swapaxes(a, first, second), x)
    check(device, lambda t: t.T, lambda a: a.T, x)
    check(device, lambda t: t.mT, lambda a: np.swapaxes(a, -1, -2), x)


@given(data=st.data())
def test_flatten_squeeze_unsqueeze(device, data):
    shape = data.draw(tgst.shapes(min_dims=1, min_side=1, max_side=2))
    x = data.draw(tgst.smooth_arrays(shape))
    start = data.draw(st.integers(0, x.ndim - 1))
    end = data.draw(st.integers(start, x.ndim - 1))
    flat_shape = x.shape[:start] + (-1,) + x.shape[end + 1 :]
    check(device, lambda t: t.flatten(start, end), lambda a: a.reshape(flat_shape), x)
    check(device, lambda t: t.squeeze(), lambda a: a.squeeze(), x)
    dim = data.draw(st.integers(-x.ndim, x.ndim - 1))
    squeezed_shape = tuple(s for i, s in enumerate(x.shape) if i != dim % x.ndim or s != 1)
    check(device, lambda t: t.squeeze(dim), lambda a: a.reshape(squeezed_shape), x)
    new_dim = data.draw(st.integers(-x.ndim - 1, x.ndim))
    check(device, lambda t: t.unsqueeze(new_dim), lambda a: np.expand_dims(a, new_dim), x)


@given(data=st.data())
def test_expand(device, data):
    source_shape, target_shape = data.draw(tgst.broadcastable_shapes(2))
    target = np.broadcast_shapes(source_shape, target_shape)
    x = data.draw(tgst.smooth_arrays(source_shape))
    check(device, lambda t: t.expand(*target), lambda a: np.broadcast_to(a, target), x)


@st.composite
def basic_indices(draw, shape):
    """A tuple index of ints, slices (negative steps included), None and an Ellipsis for an array of `shape`."""
    parts = []
    for size in shape:
        kind = draw(st.sampled_from(["int", "slice", "all"]))
        if kind == "int":
            parts.append(draw(st.integers(-size, size - 1)))
        elif kind == "slice":
            start, stop = draw(st.integers(-size, size)), draw(st.integers(-size - 1, size))
            parts.append(slice(start, stop, draw(st.sampled_from([1, 2, -1, -2]))))
        else:
            parts.append(slice(None))
    if parts and draw(st.booleans()):
        parts[draw(st.integers(0, len(parts) - 1))] = Ellipsis
    parts.insert(draw(st.integers(0, len(parts))), None)
    return tuple(parts)


@given(data=st.data())
def test_getitem_with_ints_slices_none_and_ellipsis(device, data):
    x = data.draw(tgst.smooth_arrays(data.draw(tgst.shapes(min_dims=1))))
    index = data.draw(basic_indices(x.shape))
    check(device, lambda t: t[index], lambda a: a[index], x)


@st.composite
def arrays_and_picks(draw):
    x = draw(tgst.smooth_arrays(draw(tgst.shapes(min_dims=1))))
    size = x.shape[0]
    return x, draw(st.lists(st.integers(-size, size - 1), min_size=1, max_size=2 * size + 2))


@MORE_EXAMPLES
@given(case=arrays_and_picks())
@example(case=(ramp(3), [1, 1, -2, 0]))  # row 1 picked three times (once as -2): its gradient is 3
@example(case=(ramp(3, 2), [2, 2]))
@example(case=(ramp(2, 2, 2), [0, -2, 0, 1]))
def test_getitem_with_repeated_integer_indices_adds_gradients_up(device, case):
    x, picks = case
    index = tg.tensor(picks, device=device)
    check(device, lambda t: t[index], lambda a: a[np.array(picks)], x)
    check(device, lambda t: t[..., None][picks], lambda a: a[..., None][picks], x)


@given(data=st.data())
def test_getitem_with_integer_arrays_on_two_dims(device, data):
    x = data.draw(tgst.smooth_arrays(data.draw(tgst.shapes(min_dims=2))))
    rows = data.draw(st.lists(st.integers(0, x.shape[0] - 1), min_size=1, max_size=6))
    columns = data.draw(st.lists(st.integers(0, x.shape[1] - 1), min_size=len(rows), max_size=len(rows)))
    rows_tensor, columns_tensor = tg.tensor(rows, device=device), tg.tensor(columns, device=device)
    check(device, lambda t: t[rows_tensor, columns_tensor], lambda a: a[rows, columns], x)
    check(device, lambda t: t[1:, columns_tensor], lambda a: a[1:, columns], x)


@given(data=st.data())
def test_getitem_with_boolean_masks(device, data):
    x = data.draw(tgst.smooth_arrays(data.draw(tgst.shapes(min_dims=1))))
    mask = x > 0
    mask_tensor = tg.tensor(mask, device=device)
    row_mask = tg.tensor(mask.reshape(x.shape[0], -1)[:, 0], device=device)
    check(device, lambda t: t[mask_tensor], lambda a: a[mask], x)
    check(device, lambda t: t[row_mask], lambda a: a[mask.reshape(x.shape[0], -1)[:, 0]], x)


@given(data=st.data())
def test_cat_and_stack(device, data):
    shape = data.draw(tgst.shapes(min_dims=1))
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    other_shape = list(shape)
    other_shape[dim] = data.draw(st.integers(1, 3))
    a, b = data.draw(tgst.smooth_arrays(shape)), data.draw(tgst.smooth_arrays(tuple(other_shape)))
    check(device, lambda s, t: tg.cat([s, t, s], dim), lambda p, q: np.concatenate([p, q, p], dim), a, b)
    c = data.draw(tgst.smooth_arrays(shape))
    stack_dim = data.draw(st.integers(-len(shape) - 1, len(shape)))
    check(device, lambda s, t: tg.stack([s, t], stack_dim), lambda p, q: np.stack([p, q], stack_dim), a, c)


@st.composite
def arrays_and_pads(draw):
    x = draw(tgst.smooth_arrays(draw(tgst.shapes(min_dims=1))))
    padded_dims = draw(st.integers(1, x.ndim))
    return x, tuple(draw(st.lists(st.integers(0, 2), min_size=2 * padded_dims, max_size=2 * padded_dims)))


@MORE_EXAMPLES
@given(case=arrays_and_pads())
@example(case=(ramp(3), (2, 0)))  # asymmetric: only before
@example(case=(ramp(2, 3), (0, 1, 2, 0)))  # after on the last dim, before on the one in front
@example(case=(ramp(2, 3, 4), (1, 0, 0, 2)))
@example(case=(ramp(2, 3, 4), (0, 2, 1, 0, 2, 1)))
def test_pad_lists_the_last_dim_first(device, case):
    x, pad = case
    padded_dims = len(pad) // 2
    widths = [(0, 0)] * (x.ndim - padded_dims) + [(pad[2 * i], pad[2 * i + 1]) for i in reversed(range(padded_dims))]
    check(device, lambda t: tg.pad(t, pad, value=1.5), lambda a: np.pad(a, widths, constant_values=1.5), x)


def test_split_and_chunk(device):
    x = tg.tensor(np.arange(10.0), device=device, requires_grad=True)
    assert [tuple(piece.shape) for piece in x.chunk(3)] == [(4,), (4,), (2,)]
    first, second = x.split([3, 7])
    assert first.shape == (3,) and second.shape == (7,)
    (first.sum() * 2 + second.sum()).backward()
    np.testing.assert_array_equal(host(x.grad), [2.0] * 3 + [1.0] * 7)


# ----- against PyTorch -------------------------------------------------------------------------

RNG = np.random.default_rng(5)
X = RNG.standard_normal((3, 4)).astype(np.float32)
TORCH_CASES = {
    "reshape -1": (lambda m, x: x.reshape(-1, 2), X),
    "view tuple": (lambda m, x: x.view((2, 6)), X),
    "permute negative": (lambda m, x: x.unsqueeze(0).permute(-1, 0, 1), X),
    "transpose": (lambda m, x: x.transpose(0, -1), X),
    "T": (lambda m, x: x.T, X),
    "flatten": (lambda m, x: x.reshape(3, 2, 2).flatten(1), X),
    "squeeze all": (lambda m, x: x.reshape(1, 3, 1, 4).squeeze(), X),
    "squeeze dim that is not 1": (lambda m, x: x.squeeze(0), X),
    "squeeze tuple": (lambda m, x: x.reshape(1, 3, 1, 4).squeeze((0, 2)), X),
    "unsqueeze -1": (lambda m, x: x.unsqueeze(-1), X),
    "expand": (lambda m, x: x[:, :1].expand(2, 3, 4), X),
    "expand -1": (lambda m, x: x[:, :1].expand(-1, 4), X),
    "expand tuple": (lambda m, x: x[:1].expand((2, 3, 4)), X),
    "getitem None ellipsis slice": (lambda m, x: x[None, ..., 1:3], X),
    "getitem int": (lambda m, x: x[-1], X),
    "getitem negative step": (lambda m, x: x[::2, 1], X),
    "getitem repeated tensor index": (lambda m, x: x[m.tensor([0, 0, 2, 0])], X),
    "getitem repeated list pairs": (lambda m, x: x[[0, 0, 1], [1, 1, 1]], X),
    "getitem 2-D index tensor": (lambda m, x: x[m.tensor([[0, 1], [1, 1]])], X),
    "getitem slice and tensor": (lambda m, x: x[1:, m.tensor([0, 0])], X),
    "getitem mask": (lambda m, x: x[x > 0], X),
    "getitem row mask": (lambda m, x: x[m.tensor([True, False, True])], X),
    "getitem 0-d tensor": (lambda m, x: x[m.tensor(1)], X),
    "cat": (lambda m, x: m.cat([x, x[:, :1]], 1), X),
    "cat promotes int to float": (lambda m, i, x: m.cat([i, x[0]]), np.array([1, 2]), X),
    "stack -1": (lambda m, x: m.stack([x, x * 2], -1), X),
    "chunk and split": (lambda m, x: x.chunk(2, 1)[1] * x.split([2, 2], 1)[0], X),
}


@pytest.mark.parametrize("name", TORCH_CASES)
def test_matches_torch(device, name):
    fn, *arrays = TORCH_CASES[name]
    assert_matches_torch(fn, *arrays, device=device)


def test_pad_matches_torch(device):
    torch = pytest.importorskip("torch")
    assert_matches_torch(
        lambda m, x: tg.pad(x, (1, 2, 0, 1), value=5.0),
        X,
        device=device,
        torch_fn=lambda m, x: torch.nn.functional.pad(x, (1, 2, 0, 1), value=5.0),
    )


# ----- errors ----------------------------------------------------------------------------------


def test_movement_errors_name_the_op_and_shapes():
    x = tg.zeros(2, 3)
    with pytest.raises(ValueError, match=r"reshape: shape \(4, 2\) is invalid for a tensor of 6 elements"):
        x.reshape(4, 2)
    with pytest.raises(ValueError, match=r"expand: the expanded size 4 must match the existing size 3 at dim 1"):
        x.expand(2, 4)
    with pytest.raises(ValueError, match="permute: dims"):
        x.permute(0, 0)
    with pytest.raises(IndexError, match="unsqueeze: dim 3 is out of range"):
        x.unsqueeze(3)
    with pytest.raises(IndexError, match="squeeze: dim 3 is out of range"):
        x.squeeze(3)
    with pytest.raises(ValueError, match=r"cat: expected tensors with the same shape except in dim 0"):
        tg.cat([x, tg.zeros(2, 4)])
    with pytest.raises(ValueError, match=r"stack: expects each tensor to be the same shape"):
        tg.stack([x, tg.zeros(3, 2)])
    with pytest.raises(ValueError, match="pad: expected an even number"):
        tg.pad(x, (1, 2, 3))
    with pytest.raises(IndexError, match="GetItem: index 5 is out of bounds"):
        x[5]


@pytest.mark.parametrize("pad", [(-1, 2), (1, -2, -1, 0), (-2, -1, 0, 1), (0, 0, -1, -1)])
def test_negative_pad_crops_as_torch(torch, device, pad):
    x = np.random.default_rng(9).standard_normal((2, 3, 4)).astype(np.float32)
    assert_matches_torch(lambda m, t: m.nn.functional.pad(t, pad, value=2.0), x, device=device)


def test_negative_pad_by_hand():
    x = tg.tensor([[1.0, 2.0, 3.0, 4.0]], requires_grad=True)
    out = tg.pad(x, (-1, 1))  # drop one cell on the left, add a zero on the right
    assert out.tolist() == [[2.0, 3.0, 4.0, 0.0]]
    out.sum().backward()
    assert x.grad.tolist() == [[0.0, 1.0, 1.0, 1.0]]
    with pytest.raises(RuntimeError, match="pad: the padded size of dim 1 would be -1"):
        tg.pad(x, (-3, -2))
