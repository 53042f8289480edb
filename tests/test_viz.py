"""tinygrad_edu.viz: the DOT text names every tensor of the graph once, with its op, shape, dtype and grad norm."""

import re
import shutil
import subprocess
import sys

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import viz

NODE = re.compile(r'^  (t\d+) \[label="(.*)", fillcolor="#[0-9a-f]{6}"\];$')
EDGE = re.compile(r"^  (t\d+) -> (t\d+);$")


def parse_dot(text):
    """{node id: label rows} and the set of (from, to) edges of to_dot's output."""
    lines = text.splitlines()
    assert lines[0] == "digraph graph_of_tensor {" and lines[-1] == "}"
    nodes, edges = {}, set()
    for line in lines[1:-1]:
        if match := NODE.match(line):
            nodes[match[1]] = match[2].split("\\n")
        elif match := EDGE.match(line):
            edges.add((match[1], match[2]))
    return nodes, edges


def node_titled(nodes, title):
    (node,) = [node for node, rows in nodes.items() if rows[0] == title]
    return node


def test_nodes_show_op_shape_dtype_and_edges_follow_the_data(device):
    x = tg.tensor([[1.0, 2.0, 3.0]], requires_grad=True, device=device)
    w = tg.tensor(np.ones((3, 2)), dtype=tg.float64, requires_grad=True, device=device)
    out = (x.double() @ w).relu().sum()
    nodes, edges = parse_dot(viz.to_dot(out, names={"x": x, "w": w}))
    assert len(nodes) == 6
    assert nodes["t0"][:2] == ["Sum", "() float64"]  # the tensor passed in comes first
    x_node, w_node = node_titled(nodes, "x"), node_titled(nodes, "w")
    assert nodes[x_node][1] == "(1, 3) float32" and nodes[w_node][1] == "(3, 2) float64"
    cast, matmul, relu = (node_titled(nodes, name) for name in ("Cast", "MatMul", "ReLU"))
    assert nodes[matmul][1] == "(1, 2) float64"
    assert edges == {(x_node, cast), (cast, matmul), (w_node, matmul), (matmul, relu), (relu, "t0")}
    if device != "cpu":
        assert nodes[x_node][2] == str(x.device)
    assert not any("grad norm" in row for rows in nodes.values() for row in rows)


def test_gradient_norms_appear_after_backward_with_retain_graph(device):
    x = tg.tensor([3.0, -4.0], requires_grad=True, device=device)
    hidden = x * 2
    hidden.retain_grad()
    loss = (hidden * hidden).sum()
    loss.backward(retain_graph=True)
    nodes, edges = parse_dot(viz.to_dot(loss, names={"x": x, "hidden": hidden}))
    assert nodes[node_titled(nodes, "x")][-1] == "grad norm 40"  # d/dx (2x)^2 = 8x = [24, -32]
    assert nodes[node_titled(nodes, "hidden = Mul")][-1] == "grad norm 20"
    assert len(edges) == 3  # x -> Mul, Mul -> Mul twice collapses into one (from, to) pair


def test_a_freed_graph_says_how_to_keep_it():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    loss = (x * x).sum()
    loss.backward()
    nodes, edges = parse_dot(viz.to_dot(loss))
    assert list(nodes) == ["t0"] and not edges
    assert "use retain_graph=True)" in nodes["t0"]


def test_a_tensor_used_twice_is_drawn_once_and_inputs_without_grad_are_left_out():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    constant = tg.tensor([5.0, 6.0])
    total = (x * x + x) * constant
    text = viz.to_dot(total)
    nodes, edges = parse_dot(text)
    assert [rows[0] for rows in nodes.values()].count("leaf") == 1  # the constant needs no grad: not drawn
    assert len(nodes) == 4 and len(edges) == 4
    assert text.count("t1 -> t0;") == 1 and text.count(f"{node_titled(nodes, 'leaf')} -> ") == 3  # x*x: 2 arrows


def test_a_recorded_backward_is_drawn_with_the_forward_it_reuses():
    x = tg.tensor([1.5, -0.5], requires_grad=True)
    (slope,) = tg.autograd.grad((x.tanh() * x).sum(), x, create_graph=True)  # tanh(x) + x (1 - tanh(x)**2)
    nodes, edges = parse_dot(viz.to_dot(slope.sum(), names={"x": x}))
    tanh = node_titled(nodes, "Tanh")  # one box, although the backward rebuilt tanh's output from its saved array
    assert [rows[0] for rows in nodes.values()].count("Tanh") == 1
    assert len([edge for edge in edges if edge[0] == tanh]) == 2  # into the product of the forward and into t * t
    assert (node_titled(nodes, "x"), tanh) in edges


def test_deep_graphs_need_no_recursion():
    x = tg.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(3 * sys.getrecursionlimit()):
        y = y + 1.0
    nodes, edges = parse_dot(viz.to_dot(y))
    assert len(nodes) == len(edges) + 1 == 3 * sys.getrecursionlimit() + 1


def test_names_are_escaped_and_bad_arguments_are_explained():
    x = tg.tensor([1.0], requires_grad=True)
    nodes, _ = parse_dot(viz.to_dot(x * 2, names={'say "hi" \\ there': x}))
    assert nodes["t1"][0] == 'say \\"hi\\" \\\\ there'
    with pytest.raises(TypeError, match="to_dot: expected a Tensor, got ndarray"):
        viz.to_dot(np.ones(3))
    with pytest.raises(ValueError, match=r"draw: can't tell the picture format .*\.svg, \.png, \.pdf"):
        viz.draw(x * 2, "graph.jpeg")


def test_draw_without_graphviz_says_what_to_install(monkeypatch, tmp_path):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(RuntimeError, match="Graphviz `dot` program was not found.*apt-get install graphviz"):
        viz.draw(tg.tensor([1.0], requires_grad=True) * 2, tmp_path / "graph.svg")


@pytest.mark.skipif(shutil.which("dot") is None, reason="needs the Graphviz dot program")
def test_draw_renders_svg_and_png(tmp_path):
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    loss = (x * x).sum()
    loss.backward(retain_graph=True)
    assert viz.draw(loss, tmp_path / "graph.svg", names={"x": x}) == tmp_path / "graph.svg"
    svg = (tmp_path / "graph.svg").read_text()
    assert "<svg" in svg and "grad norm 4.472" in svg
    viz.draw(loss, tmp_path / "graph.png")
    assert (tmp_path / "graph.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_importing_the_package_loads_no_plotting_or_graphviz_module():
    code = "import sys, tinygrad_edu; print(sorted({'matplotlib', 'graphviz'} & set(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "matplotlib" not in result.stdout and "graphviz" not in result.stdout
