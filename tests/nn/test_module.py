"""Module and Parameter: registration, traversal, modes, gradients, state_dict round trips and
errors, dtype/device moves, and the printed tree, compared with PyTorch where it has the same API."""

import collections

import numpy as np
import pytest
from nn_reference import host

import tinygrad_edu as tg
from tinygrad_edu import nn


def build(m):
    """The same small model in either library (m is torch or tinygrad_edu)."""

    class Block(m.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = m.nn.Conv2d(1, 2, 3, padding=1)
            self.norm = m.nn.BatchNorm2d(2)
            self.scale = m.nn.Parameter(m.ones(2))
            self.register_buffer("step", m.zeros(1))
            self.register_buffer("scratch", m.zeros(1), persistent=False)

        def forward(self, x):
            return self.norm(self.conv(x)).relu() * self.scale.reshape(1, 2, 1, 1)

    class Net(m.nn.Module):
        def __init__(self):
            super().__init__()
            self.features = m.nn.Sequential(Block(), m.nn.MaxPool2d(2))
            self.heads = m.nn.ModuleList([m.nn.Linear(8, 3), m.nn.Linear(3, 1)])
            self.dropout = m.nn.Dropout(0.25)

        def forward(self, x):
            x = self.features(x).flatten(1)
            for head in self.heads:
                x = head(self.dropout(x))
            return x

    return Net()


def test_names_order_and_repr_match_torch(torch):
    ours, theirs = build(tg), build(torch)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert [n for n, _ in ours.named_children()] == [n for n, _ in theirs.named_children()]
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert repr(ours).replace("Net(", "").split("\n")[1:] == repr(theirs).replace("Net(", "").split("\n")[1:]
    assert len(list(ours.children())) == 3 and len(list(ours.modules())) == len(list(theirs.modules()))


def test_torch_state_dict_loads_and_gives_the_same_output_and_gradients(torch):
    ours, theirs = build(tg), build(torch)
    ours.load_state_dict({key: value.numpy() for key, value in theirs.state_dict().items()})
    ours.eval()
    theirs.eval()
    x = np.random.default_rng(0).standard_normal((2, 1, 4, 4)).astype(np.float32)
    our_out, their_out = ours(tg.tensor(x)), theirs(torch.tensor(x))
    np.testing.assert_allclose(host(our_out), their_out.detach().numpy(), atol=1e-5)
    our_out.sum().backward()
    their_out.sum().backward()
    their_parameters = dict(theirs.named_parameters())
    for name, parameter in ours.named_parameters():
        np.testing.assert_allclose(host(parameter.grad), their_parameters[name].grad.numpy(), atol=1e-5, err_msg=name)


def test_state_dict_round_trip_copies_values_into_the_same_parameters():
    source, target = build(tg), build(tg)
    parameters_before = list(target.parameters())
    target.load_state_dict(source.state_dict())
    assert list(target.parameters()) == parameters_before  # same objects, so optimizers stay valid
    for (key, ours), theirs in zip(target.state_dict().items(), source.state_dict().values()):
        np.testing.assert_array_equal(host(ours), host(theirs), err_msg=key)
    state = source.state_dict()
    assert not state["features.0.conv.weight"].requires_grad
    assert "features.0.scratch" not in state  # non-persistent buffer


def test_loading_keeps_each_parameters_dtype():
    layer = nn.Linear(2, 2)
    layer.load_state_dict({"weight": np.ones((2, 2), dtype=np.float64), "bias": [1, 2]})
    assert layer.weight.dtype == tg.float32 and layer.bias.dtype == tg.float32
    np.testing.assert_array_equal(host(layer.bias), [1, 2])


def test_missing_unexpected_and_mismatched_keys_are_reported():
    layer = nn.Linear(2, 3)
    with pytest.raises(RuntimeError) as error:
        layer.load_state_dict({"weight": np.zeros((3, 2)), "extra": np.zeros(1)})
    message = str(error.value)
    assert message.startswith("Error(s) in loading state_dict for Linear:")
    assert 'Missing key(s) in state_dict: "bias".' in message and 'Unexpected key(s) in state_dict: "extra".' in message
    result = layer.load_state_dict({"weight": np.zeros((3, 2)), "extra": np.zeros(1)}, strict=False)
    assert result.missing_keys == ["bias"] and result.unexpected_keys == ["extra"]
    assert not host(layer.weight).any()
    with pytest.raises(RuntimeError, match=r"size mismatch for weight: copying a param with shape \(2, 3\) from "
                       r"checkpoint, the shape in current model is \(3, 2\)"):  # fmt: skip
        layer.load_state_dict({"weight": np.ones((2, 3)), "bias": np.ones(3)}, strict=False)
    assert (host(layer.bias) != 1).all()  # nothing was copied, not even the bias that fits


def test_train_eval_zero_grad_and_requires_grad():
    model = build(tg)
    assert model.training and all(m.training for m in model.modules())
    assert model.eval() is model and not any(m.training for m in model.modules())
    model.train()
    assert model.features[0].norm.training
    model(tg.randn(2, 1, 4, 4)).sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad(set_to_none=False)
    assert all(not host(p.grad).any() for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())
    model.requires_grad_(False)
    assert not any(p.requires_grad for p in model.parameters())


def test_to_dtype_and_device_convert_in_place_with_gradients(device):
    model = build(tg)
    parameters = list(model.parameters())
    model(tg.randn(2, 1, 4, 4)).sum().backward()
    assert model.double() is model
    assert list(model.parameters()) == parameters
    assert all(p.dtype == tg.float64 and p.grad.dtype == tg.float64 for p in parameters)
    assert model.features[0].norm.num_batches_tracked.dtype == tg.int64  # integers keep their dtype
    model.to(device).float()
    assert all(p.device == device and p.grad.device == device and p.dtype == tg.float32 for p in parameters)
    assert all(buffer.device == device for buffer in model.buffers())
    assert model(tg.randn(2, 1, 4, 4, device=device)).device == device
    assert model.cpu() is model and all(p.device == "cpu" and p.grad.device == "cpu" for p in parameters)
    with pytest.raises(TypeError, match="only accepts floating point dtypes"):
        model.to(tg.int64)


def test_apply_visits_children_first_then_self():
    model = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.ReLU(), nn.Linear(2, 1)))
    visited = []
    assert model.apply(lambda module: visited.append(type(module).__name__)) is model
    assert visited == ["Linear", "ReLU", "Linear", "Sequential", "Sequential"]


def test_reassigning_and_deleting_attributes():
    module = nn.Module()
    module.weight = nn.Parameter(tg.ones(2))
    module.weight = None  # a registered parameter may become None
    assert dict(module.named_parameters()) == {}
    with pytest.raises(TypeError, match="cannot assign Tensor as parameter 'weight'"):
        module.weight = tg.ones(2)
    module.layer = nn.Linear(1, 1)
    with pytest.raises(TypeError, match="cannot assign int as child module 'layer'"):
        module.layer = 3
    module.layer = nn.Tanh()  # a module replaces a module in place, keeping its position
    assert isinstance(module.layer, nn.Tanh) and list(module._modules) == ["layer"]
    del module.weight
    assert "weight" not in dict(module.named_parameters())
    with pytest.raises(AttributeError, match="'Module' object has no attribute 'missing'"):
        module.missing  # noqa: B018


def test_assigning_before_init_is_explained():
    class Forgetful(nn.Module):
        def __init__(self):
            self.layer = nn.Linear(1, 1)

    with pytest.raises(AttributeError, match=r"call super\(\).__init__\(\) first"):
        Forgetful()


def test_parameter_is_a_tensor_that_requires_grad_and_shares_memory():
    data = tg.ones(2)
    parameter = nn.Parameter(data)
    assert isinstance(parameter, tg.Tensor) and parameter.requires_grad and parameter.is_leaf
    assert repr(parameter) == "Parameter containing:\ntensor([1., 1.], requires_grad=True)"
    with tg.no_grad():
        parameter.add_(1)
    np.testing.assert_array_equal(host(data), [2, 2])
    assert not nn.Parameter(tg.ones(1), requires_grad=False).requires_grad


def test_forward_must_be_defined():
    with pytest.raises(NotImplementedError, match='Module \\[Module\\] is missing the required "forward" function'):
        nn.Module()(tg.ones(1))


def test_sequential_indexing_slicing_and_keys():
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    assert len(model) == 3 and isinstance(model[-1], nn.Linear) and model[0] is list(model)[0]
    head = model[1:]
    assert isinstance(head, nn.Sequential) and len(head) == 2 and head[1] is model[2]
    assert list(model.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert model(tg.ones(5, 4)).shape == (5, 2)
    named = nn.Sequential(collections.OrderedDict([("fc", nn.Linear(1, 1)), ("act", nn.Tanh())]))
    assert list(named.state_dict()) == ["fc.weight", "fc.bias"] and named.act is named[1]
    model[1] = nn.Sigmoid()
    assert isinstance(model[1], nn.Sigmoid)
    del model[0]
    assert [name for name, _ in model.named_children()] == ["0", "1"]
    model.append(nn.Identity())
    assert len(model) == 3
    with pytest.raises(IndexError, match="Sequential: index 3 is out of range for 3 modules"):
        model[3]


def test_module_list_registers_and_renumbers():
    layers = nn.ModuleList([nn.Linear(1, 1) for _ in range(3)])
    layers.append(nn.Linear(1, 2))
    layers.insert(0, nn.ReLU())
    assert len(layers) == 5 and isinstance(layers[0], nn.ReLU) and isinstance(layers[1:], nn.ModuleList)
    assert len(list(layers.parameters())) == 8
    del layers[0]
    assert list(layers.state_dict())[:2] == ["0.weight", "0.bias"]
    layers += [nn.Tanh()]
    assert isinstance(layers[-1], nn.Tanh)
    assert repr(nn.ModuleList([nn.ReLU()])) == "ModuleList(\n  (0): ReLU()\n)"  # PyTorch's


@pytest.fixture(params=["tinygrad_edu", "torch"])
def library(request):
    """tinygrad_edu, then PyTorch (skipped where it is not installed): one test checks both the same way."""
    return tg if request.param == "tinygrad_edu" else request.getfixturevalue("torch")


def test_forward_hooks_see_and_may_replace_inputs_and_outputs(library):
    m = library
    model = m.nn.Sequential(m.nn.Linear(2, 3), m.nn.ReLU())
    seen = []
    pre = model[0].register_forward_pre_hook(lambda module, args: seen.append(("pre", tuple(args[0].shape))))
    post = model[0].register_forward_hook(lambda module, args, output: seen.append(("post", tuple(output.shape))))
    doubled = model[1].register_forward_pre_hook(lambda module, args: args[0] * 2)  # a lone value replaces args
    negated = model.register_forward_hook(lambda module, args, output: -output)
    x = m.ones(4, 2)
    output = model(x)
    assert seen == [("pre", (4, 2)), ("post", (4, 3))]
    np.testing.assert_allclose(host(output), -2 * host(model[0](x).relu()), rtol=1e-6)
    for handle in (pre, post, doubled, negated):
        handle.remove()
    handle.remove()  # removing twice is harmless
    seen.clear()
    np.testing.assert_allclose(host(model(x)), host(model[0](x).relu()))
    assert seen == []


def test_hooks_run_in_registration_order_and_a_handle_is_a_context_manager(library):
    m = library
    layer = m.nn.Linear(2, 2)
    order = []
    layer.register_forward_hook(lambda module, args, output: order.append("first"))
    with layer.register_forward_hook(lambda module, args, output: order.append("second")):
        layer(m.ones(1, 2))
    layer(m.ones(1, 2))
    assert order == ["first", "second", "first"]
