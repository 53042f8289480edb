"""tinygrad_edu.summary: the study notes' hand-computed parameter counts, the book's SimpleConvNet,
nesting, shared modules, frozen parameters, side effects, errors, and torchinfo's numbers when installed."""

import doctest

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.model_summary
from tinygrad_edu import nn


def dense_chain(bias, m=tg):
    """The notes' Keras example: Dense(3) on a (64, 4, 2) batch, Dense(1) and a squeeze, then Dense(1)
    (m is tinygrad_edu or torch)."""

    class DenseChain(m.nn.Module):
        def __init__(self):
            super().__init__()
            self.first = m.nn.Linear(2, 3, bias=bias)
            self.second = m.nn.Linear(3, 1, bias=bias)
            self.third = m.nn.Linear(4, 1, bias=bias)

        def forward(self, x):
            return self.third(self.second(self.first(x)).squeeze(-1))

    return DenseChain()


def simple_conv_net(m=tg):
    """The book's SimpleConvNet: conv 30 x 5x5, ReLU, 2x2 max pooling, affine 100, ReLU, affine 10."""
    return m.nn.Sequential(
        m.nn.Conv2d(1, 30, 5),
        m.nn.ReLU(),
        m.nn.MaxPool2d(2),
        m.nn.Flatten(),
        m.nn.Linear(4320, 100),
        m.nn.ReLU(),
        m.nn.Linear(100, 10),
    )


def nested(m=tg):
    """Two levels of nesting, a parameter of the model's own and a head that runs twice (shared weights)."""

    class Nested(m.nn.Module):
        def __init__(self):
            super().__init__()
            self.features = m.nn.Sequential(m.nn.Sequential(m.nn.Linear(6, 5), m.nn.ReLU()), m.nn.Linear(5, 4))
            self.scale = m.nn.Parameter(m.ones(4))
            self.head = m.nn.Linear(4, 4)

        def forward(self, x):
            return self.head(self.head(self.features(x) * self.scale))

    return Nested()


@pytest.mark.parametrize("bias, expected_total, expected_rows", [(False, 13, [6, 3, 4]), (True, 18, [9, 4, 5])])
def test_notes_dense_chain_has_13_parameters_without_bias_and_18_with(bias, expected_total, expected_rows):
    result = tg.summary(dense_chain(bias), (64, 4, 2))
    assert result.total_params == result.trainable_params == expected_total
    assert result.non_trainable_params == 0
    layers = result.summary_list[1:]
    assert [row.output_shape for row in layers] == [[64, 4, 3], [64, 4, 1], [64, 1]]
    assert [row.input_shape for row in layers] == [[64, 4, 2], [64, 4, 3], [64, 4]]
    assert [row.num_params(recurse=True) for row in layers] == expected_rows
    assert f"Total params: {expected_total}\n" in str(result)


def test_notes_strided_conv_on_a_full_hd_image_has_1200_weights():
    conv = nn.Conv2d(3, 16, kernel_size=5, stride=5, bias=False)
    result = tg.summary(conv, (1, 3, 1080, 1920))
    assert result.total_params == 16 * 3 * 5 * 5 == 1200
    assert result.summary_list[0].output_shape == [1, 16, 216, 384]
    assert 16 * 216 * 384 == 1_327_104  # the features a Flatten would hand to the next Linear


def test_notes_ten_5x5_filters_on_3_channels_with_padding_2_have_760_parameters():
    result = tg.summary(nn.Conv2d(3, 10, kernel_size=5, padding=2), (8, 3, 32, 32))
    assert result.total_params == 10 * 3 * 5 * 5 + 10 == 760
    assert result.summary_list[0].output_shape == [8, 10, 32, 32]  # padding 2 keeps 32 x 32


def test_simple_conv_net_rows_totals_and_sizes():
    result = tg.summary(simple_conv_net(), (100, 1, 28, 28))
    rows = result.summary_list
    assert [row.class_name for row in rows] == [
        "Sequential", "Conv2d", "ReLU", "MaxPool2d", "Flatten", "Linear", "ReLU", "Linear"
    ]  # fmt: skip
    assert [row.output_shape for row in rows[1:]] == [
        [100, 30, 24, 24], [100, 30, 24, 24], [100, 30, 12, 12], [100, 4320], [100, 100], [100, 100], [100, 10]
    ]  # fmt: skip
    conv, hidden, output = 30 * 1 * 5 * 5 + 30, 4320 * 100 + 100, 100 * 10 + 10
    assert [row.num_params(recurse=True) for row in rows[1:]] == [conv, 0, 0, 0, hidden, 0, output]
    assert result.total_params == result.trainable_params == conv + hidden + output == 433_890
    assert result.total_param_bytes == 4 * 433_890
    assert result.total_input == 4 * 100 * 28 * 28
    leaf_outputs = 2 * 100 * 30 * 24 * 24 + 2 * 100 * 4320 + 2 * 100 * 100 + 100 * 10
    assert result.forward_pass_bytes == 4 * leaf_outputs
    text = str(result)
    assert "├─Conv2d (0): 1-1" in text and "432,100" in text and "Total params: 433,890" in text
    assert "Params size (MB): 1.74" in text and "Forward pass size (MB): 17.36" in text
    assert repr(result) == text


def test_nested_rows_are_indented_in_call_order_and_depth_limits_the_table():
    result = tg.summary(nested(), (2, 6))
    rows = result.summary_list
    assert [(row.name, row.depth, row.depth_index) for row in rows] == [
        ("", 0, 1), ("features", 1, 1), ("features.0", 2, 1), ("features.0.0", 3, 1), ("features.0.1", 3, 2),
        ("features.1", 2, 2), ("head", 1, 2), ("head", 1, 3),
    ]  # fmt: skip
    lines = str(result).splitlines()
    assert any(line.startswith("│    │    └─Linear (0): 3-1 ") for line in lines)
    own_scale = next(line for line in lines if line.startswith("Nested "))
    assert own_scale.split()[-1] == "4"  # the model's own `scale`, not its children's parameters
    shallow = str(tg.summary(nested(), (2, 6), depth=1)).splitlines()
    assert not any("Linear (0)" in line for line in shallow)
    features = next(line for line in shallow if "Sequential (features): 1-1" in line)
    assert features.split()[-1] == f"{6 * 5 + 5 + 5 * 4 + 4}"  # the rows below are hidden, so it counts them


def test_a_module_called_twice_gives_two_rows_and_counts_once():
    result = tg.summary(nested(), (2, 6))
    first, second = [row for row in result.summary_list if row.name == "head"]
    assert not first.is_recursive and second.is_recursive
    assert result.total_params == (6 * 5 + 5) + (5 * 4 + 4) + 4 + (4 * 4 + 4)
    head_lines = [line for line in str(result).splitlines() if "Linear (head)" in line]
    assert [line.split()[-1] for line in head_lines] == ["20", "(recursive)"]


def test_shared_parameters_count_once():
    first, second = nn.Linear(3, 3), nn.Linear(3, 3)
    second.weight = first.weight
    assert tg.summary(nn.Sequential(first, second), (1, 3)).total_params == 9 + 3 + 3


def test_frozen_parameters_are_non_trainable_and_shown_in_parentheses():
    model = simple_conv_net()
    model[0].requires_grad_(False)
    result = tg.summary(model, (1, 1, 28, 28))
    assert result.non_trainable_params == 780 and result.trainable_params == 433_890 - 780
    assert "├─Conv2d (0): 1-1" in str(result) and "(780)" in str(result)
    assert "Non-trainable params: 780" in str(result)


def test_no_graph_no_randomness_modes_restored_hooks_removed():
    model = nn.Sequential(nn.Linear(4, 4), nn.BatchNorm1d(4), nn.Dropout(0.5), nn.Linear(4, 2))
    model[3].eval()  # mixed modes come back as they were
    recorded = []
    model[3].register_forward_hook(lambda module, args, output: recorded.append(output.requires_grad))
    running_mean = model[1].running_mean.numpy().copy()
    tg.manual_seed(3)
    expected = tg.rand(5).numpy()
    tg.manual_seed(3)
    tg.summary(model, (8, 4))
    assert recorded == [False]  # ran under no_grad
    np.testing.assert_array_equal(tg.rand(5).numpy(), expected)  # the inputs are not drawn at random
    np.testing.assert_array_equal(model[1].running_mean.numpy(), running_mean)  # BatchNorm ran in eval mode
    assert [module.training for module in model] == [True, True, True, False] and model.training
    assert [len(module._forward_hooks) for module in model] == [0, 0, 0, 1]
    assert all(not module._forward_pre_hooks for module in model.modules())


def test_a_layer_that_rejects_its_input_is_named_with_the_input_shape():
    model = simple_conv_net()
    model.train()
    with pytest.raises(RuntimeError, match=r"failed in layer '4' \(Linear\) called with input shape \[2, 5880\]"):
        tg.summary(model, (2, 1, 32, 32))
    assert model.training and all(module.training for module in model)
    assert all(not module._forward_hooks and not module._forward_pre_hooks for module in model.modules())


def test_a_failure_in_the_models_own_forward_is_named():
    class Broken(nn.Module):
        def forward(self, x):
            return x.reshape(7, -1)

    with pytest.raises(RuntimeError, match=r"failed in Broken.forward called with input shape \[2, 3\]"):
        tg.summary(Broken(), (2, 3))


@pytest.mark.parametrize(
    "arguments, error, message",
    [
        ({}, TypeError, "give input_size, the shape of one batch"),
        ({"input_size": (1, 3), "input_data": tg.ones(1, 3)}, TypeError, r"\(not both\)"),
        ({"input_size": (1, -3)}, ValueError, "is not a shape"),
        ({"input_size": [(1, 3), (1, 3)], "dtypes": [tg.float32]}, ValueError, "1 dtypes for 2 input sizes"),
        ({"input_data": [np.ones(3)]}, TypeError, "input_data must be a Tensor or a list of Tensors"),
    ],
)
def test_bad_arguments_are_explained(arguments, error, message):
    with pytest.raises(error, match=message):
        tg.summary(nn.Linear(3, 2), **arguments)


def test_model_must_be_a_module():
    with pytest.raises(TypeError, match="model must be a tinygrad_edu.nn.Module, got function"):
        tg.summary(lambda x: x, (1, 3))


def test_several_inputs_with_their_dtypes_and_input_data(device):
    class Pair(nn.Module):
        def __init__(self):
            super().__init__()
            self.linear = nn.Linear(3, 2)

        def forward(self, x, indices):
            return self.linear(x)[indices]

    model = Pair().to(tg.float64)
    result = tg.summary(model, [(4, 3), (5,)], dtypes=[tg.float64, tg.int64], device=device)
    assert result.input_size == [[4, 3], [5]]
    assert result.summary_list[0].output_shape == [5, 2] and result.summary_list[1].output_shape == [4, 2]
    assert result.total_input == 4 * 3 * 8 + 5 * 8 and result.total_param_bytes == 8 * 8
    assert model.linear.weight.device == tg.device(device)
    from_data = tg.summary(model, input_data=[tg.ones(6, 3, dtype=tg.float64), tg.tensor([0, 1])], device=device)
    assert from_data.summary_list[0].output_shape == [2, 2]


def test_tuple_outputs_show_each_shape():
    class Split(nn.Module):
        def forward(self, x):
            return x[:, :1], x[:, 1:]

    assert tg.summary(Split(), (2, 5)).summary_list[0].output_shape == [[2, 1], [2, 4]]


def test_docstring_example():
    assert doctest.testmod(tinygrad_edu.model_summary).failed == 0


def test_counts_and_shapes_match_torchinfo():
    torch = pytest.importorskip("torch")
    torchinfo = pytest.importorskip("torchinfo")
    cases = [
        (lambda m: dense_chain(True, m), (64, 4, 2)),
        (simple_conv_net, (100, 1, 28, 28)),
        (lambda m: m.nn.Conv2d(3, 10, 5, padding=2), (8, 3, 32, 32)),
        (nested, (2, 6)),
    ]
    for build, size in cases:
        ours = tg.summary(build(tg), size)
        theirs = torchinfo.summary(build(torch), size, verbose=0)
        assert (ours.total_params, ours.trainable_params) == (theirs.total_params, theirs.trainable_params)
        assert [(row.class_name, row.depth, row.depth_index, row.output_shape) for row in ours.summary_list] == [
            (row.class_name, row.depth, row.depth_index, row.output_size) for row in theirs.summary_list
        ]
        assert [row.is_recursive for row in ours.summary_list] == [row.is_recursive for row in theirs.summary_list]
        assert ours.forward_pass_bytes == sum(row.output_bytes for row in theirs.summary_list if row.is_leaf_layer)
        assert round(ours.total_input / 1e6, 2) == round(theirs.total_input / 1e6, 2)
        # torchinfo's own byte count leaves out a container's own parameters (Nested.scale): compare the leaves
        leaf_bytes = sum(4 * row.num_params(recurse=True) for row in ours.summary_list if row.is_leaf)
        leaf_bytes -= sum(4 * row.num_params(recurse=True) for row in ours.summary_list if row.is_recursive)
        assert leaf_bytes == theirs.total_param_bytes
