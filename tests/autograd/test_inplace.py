"""In-place changes as PyTorch records them: allowed on non-leaf tensors and on leaves that need no
gradient, counted by version counters, and caught when they overwrite a tensor backward still needs."""

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.errors import DTypeError


def host(tensor):
    return tensor.detach().cpu().numpy()


def scalar(library, value):
    return library.tensor(value, dtype=library.float64, requires_grad=True)


def micrograd_sanity_check(library):
    """micrograd's test_sanity_check, as written there."""
    x = scalar(library, -4.0)
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    y = h + q + q * x
    y.backward()
    return y.item(), x.grad.item()


def micrograd_more_ops(library):
    """micrograd's test_more_ops: `+=` on tensors in the graph, which must be recorded, not refused."""
    a = scalar(library, -4.0)
    b = scalar(library, 2.0)
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    g.backward()
    return g.item(), a.grad.item(), b.grad.item()


def test_micrograds_tests_give_its_numbers():
    assert micrograd_sanity_check(tg) == pytest.approx((-20.0, 46.0))
    # The values micrograd's README prints for this expression: 24.7041, 138.8338, 645.5773.
    assert micrograd_more_ops(tg) == pytest.approx((24.70408163, 138.83381924, 645.57725948), abs=1e-6)


def test_micrograds_tests_give_torchs_numbers(torch):
    assert micrograd_sanity_check(tg) == pytest.approx(micrograd_sanity_check(torch), abs=1e-10)
    assert micrograd_more_ops(tg) == pytest.approx(micrograd_more_ops(torch), abs=1e-10)


def test_an_in_place_product_uses_the_old_value_for_the_other_gradient(torch):
    results = []
    for library in (tg, torch):
        x, y = library.tensor([1.0, 2.0], requires_grad=True), library.tensor([3.0, 4.0], requires_grad=True)
        a = x * 1
        a.mul_(y)
        (a * library.tensor([1.0, 10.0])).sum().backward()
        results.append((host(a), host(x.grad), host(y.grad)))
    for ours, theirs in zip(*results):
        np.testing.assert_array_equal(ours, theirs)
    np.testing.assert_array_equal(results[0][2], [1.0, 20.0])  # the old a, not a * y


def test_changing_a_saved_output_in_place_is_caught_with_pytorchs_message():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    b = x.exp()
    b.add_(1)
    assert b._version == 1 and b.grad_fn.name() == "AddBackward"
    with pytest.raises(RuntimeError) as error:
        b.sum().backward()
    message = str(error.value)
    assert message.startswith("one of the variables needed for gradient computation has been modified by an inplace")
    assert (
        "[tinygrad_edu.FloatTensor [2]], which is output 0 of ExpBackward, is at version 1; expected version 0"
        in message
    )


def test_changing_a_saved_input_in_place_is_caught_even_under_no_grad():
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    hidden = w * 2
    out = hidden * hidden  # saves hidden
    with tg.no_grad():
        hidden.mul_(5)
    with pytest.raises(RuntimeError, match="output of MulBackward, is at version 1; expected version 0"):
        out.sum().backward()


def test_an_in_place_change_of_what_nothing_saved_is_fine():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    c = x + 1
    d = c * 2  # saves only the constant 2 for c's gradient
    c.add_(10)
    d.sum().backward()
    np.testing.assert_array_equal(host(x.grad), [2.0, 2.0])


def test_a_leaf_that_requires_grad_is_refused_unless_grad_is_off():
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf tensor that requires grad can't be modified in place"):
        w.add_(1)
    with pytest.raises(RuntimeError, match="leaf tensor"):
        w[0] = 3.0
    with tg.no_grad():
        w.sub_(1)
        w[1] = 5.0
    np.testing.assert_array_equal(host(w), [0.0, 5.0])
    assert w.is_leaf and w._version == 2


def test_a_leaf_without_grad_joins_the_graph_when_it_takes_a_tensor_that_requires_grad():
    w = tg.tensor([1.0, -1.0], requires_grad=True)
    total = tg.zeros(2)
    total += w * 3
    total += w
    assert not total.is_leaf and total.requires_grad
    total.sum().backward()
    np.testing.assert_array_equal(host(w.grad), [4.0, 4.0])


def test_setitem_in_the_graph(torch):
    results = []
    for library in (tg, torch):
        x = library.tensor([1.0, 2.0, 3.0], requires_grad=True)
        w = library.tensor(5.0, requires_grad=True)
        y = x * 2
        y[1] = w * w
        y[library.tensor([0, 0])] = x[2]  # a repeated index: one of the writes wins
        (y * library.tensor([1.0, 10.0, 100.0])).sum().backward()
        results.append((host(y), host(x.grad), host(w.grad)))
    for ours, theirs in zip(*results):
        np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize(
    "change",
    [
        lambda m, t, w: t.masked_fill_(t > 2, 0.5),
        lambda m, t, w: t.clamp_(min=1.5, max=3.5),
        lambda m, t, w: t.copy_(w * 2),
        lambda m, t, w: t.fill_(2.0),
        lambda m, t, w: t.zero_(),
        lambda m, t, w: t.sub_(w, alpha=3),
        lambda m, t, w: t.div_(w),
        lambda m, t, w: t.addcmul_(w, w, value=0.5),
        lambda m, t, w: t.addcdiv_(w, w + 1, value=2),
    ],
    ids=["masked_fill_", "clamp_", "copy_", "fill_", "zero_", "sub_", "div_", "addcmul_", "addcdiv_"],
)
def test_in_place_methods_are_recorded_as_torch_records_them(torch, change):
    results = []
    for library in (tg, torch):
        x = library.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
        w = library.tensor([0.5, 1.0, 2.0, 4.0], requires_grad=True)
        t = x * 1
        changed = change(library, t, w)
        assert changed is t
        (t * library.tensor([1.0, 2.0, 3.0, 4.0])).sum().backward()
        results.append([host(t)] + [host(p.grad) if p.grad is not None else np.zeros(4) for p in (x, w)])
        assert t.requires_grad
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs)


def test_an_in_place_op_that_uses_the_tensor_itself_fails_at_backward_as_in_pytorch():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    t = x * 1
    t.addcdiv_(t, tg.tensor([2.0, 4.0], requires_grad=True))  # the division saved t, then the op overwrote it
    with pytest.raises(RuntimeError, match="is at version 1; expected version 0"):
        t.sum().backward()


def test_an_in_place_change_through_a_view_of_a_graph_tensor_is_refused():
    x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    view = (x * 2)[1:]
    with pytest.raises(RuntimeError, match="is a view .* of a tensor that requires grad"):
        view.mul_(2)


def test_an_in_place_result_of_another_dtype():
    counts = tg.tensor([1, 2, 3])
    with pytest.raises(DTypeError, match="result type float32 can't be cast to the desired output type int64"):
        counts += tg.tensor([0.5, 0.5, 0.5], requires_grad=True)
    doubles = tg.tensor([1.0, 2.0], dtype=tg.float64) * tg.tensor(1.0, dtype=tg.float64, requires_grad=True)
    doubles += tg.tensor([1.0, 1.0], requires_grad=True)  # float32 into float64: cast, as PyTorch
    assert doubles.dtype == tg.float64


def test_versions_count_in_place_changes_and_views_share_them():
    t = tg.zeros(2, 3)
    assert t._version == 0
    t.add_(1)
    t[0, 0] = 5.0
    assert t._version == 2
    view, detached = t.reshape(6), t.detach()
    view.mul_(2)
    detached.zero_()
    assert t._version == view._version == detached._version == 4
    assert not t.any()


def test_retain_grad_follows_the_tensor_through_an_in_place_change():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    hidden = x * 3
    hidden.retain_grad()
    hidden.add_(1)
    (hidden * hidden).sum().backward()
    np.testing.assert_array_equal(host(hidden.grad), 2 * host(hidden))


def test_a_parameter_changed_between_forward_and_backward_is_caught():
    """nn.Parameter is a Tensor subclass: its saved arrays are tracked like a Tensor's."""
    layer = tg.nn.Linear(2, 1)
    out = layer(tg.tensor([[1.0, 2.0]])).sum()
    saved_version = layer.weight._version  # initialising the weight changed it in place already
    with tg.no_grad():
        layer.weight.mul_(2)  # e.g. optimizer.step() called before loss.backward()
    expected = f"which is a leaf, is at version {saved_version + 1}; expected version {saved_version} instead"
    with pytest.raises(RuntimeError, match=expected):
        out.backward()
