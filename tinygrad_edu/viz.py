"""Pictures of the computation graph: `to_dot(tensor)` writes Graphviz DOT text, `draw` renders it.

Each tensor in the graph is one box. A leaf (made by you: data, weights) says "leaf" or the name
you gave it; a tensor made by an op says which op (`Mul`, `MatMul`, ...). Every box shows the
shape and dtype, and, once `backward()` has filled it, the norm of the tensor's `.grad`.
Arrows follow the data, from an op's inputs to its output, down to the tensor you passed in.

Each box is an output of a node of the graph (graph.py), so a tensor that a recorded backward
rebuilds from a saved array is the same box as the original. `backward()` frees what the graph
saved as it goes, and with it what the boxes above would show; to draw a graph together with its
gradients, call `loss.backward(retain_graph=True)` first.

    >>> import tinygrad_edu as tg
    >>> from tinygrad_edu.viz import to_dot
    >>> w = tg.tensor([1.0, 2.0], requires_grad=True)
    >>> print(to_dot((w * w).sum(), names={"w": w}).splitlines()[0])
    digraph graph_of_tensor {
"""

import math
import os
import shutil
import subprocess

from .backend import backend_of
from .graph import AccumulateGrad

_RENDER_FORMATS = ("svg", "png", "pdf")


def to_dot(tensor, names=None):
    """The graph that produced `tensor` as Graphviz DOT text (pure Python; nothing to install).

    `names` maps a name to a tensor, e.g. `dict(model.named_parameters())` or `{"x": x}`; named
    tensors show their name instead of "leaf". The graph is walked without recursion, so deep
    graphs are fine (though a picture of 10,000 boxes will not be). A graph recorded by
    `backward(create_graph=True)` is drawn the same way: its gradient's ops are boxes too.
    """
    if not hasattr(tensor, "grad_fn") or not hasattr(tensor, "_data"):
        raise TypeError(f"to_dot: expected a Tensor, got {type(tensor).__name__}")
    name_of = {_key(named): name for name, named in (names or {}).items()}
    root = _key(tensor)
    box_id = {root: "t0"}
    tensor_of = {root: tensor}  # a tensor for each box, for its shape, dtype and gradient
    lines = [
        "digraph graph_of_tensor {",
        '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=11];',
        '  edge [color="#555555"];',
    ]
    edges = []
    queue = [root]  # breadth first, from the output back to the leaves
    for key in queue:
        node = key[0] if key[0] != "leaf" else None
        lines.append(f"  {box_id[key]} [{_box_attributes(key, tensor_of[key], name_of, key == root)}];")
        if node is None or node._released:
            continue
        for index, edge in enumerate(node._edges):
            if not edge:  # a non-tensor argument, or an input that needs no gradient
                continue
            parent = ("leaf", id(edge[0].variable)) if type(edge[0]) is AccumulateGrad else edge
            if parent not in box_id:
                box_id[parent] = f"t{len(box_id)}"
                tensor_of[parent] = node.inputs[index]
                queue.append(parent)
            edges.append(f"  {box_id[parent]} -> {box_id[key]};")
    lines.extend(edges)
    lines.append("}")
    return "\n".join(lines) + "\n"


def _key(tensor):
    """What a box stands for: an output of a node (a tensor rebuilt from a saved array is the same box), or a leaf."""
    return (tensor.grad_fn, tensor._output_nr) if tensor.grad_fn is not None else ("leaf", id(tensor))


def draw(tensor, path, names=None):
    """Render `to_dot(tensor, names)` to `path`; the format comes from its suffix (.svg, .png, .pdf).

    Needs the Graphviz `dot` program on the PATH (`apt-get install graphviz`, `brew install
    graphviz`, `conda install graphviz`); no Python package is needed. Returns `path`.
    """
    extension = os.path.splitext(os.fspath(path))[1].lstrip(".").lower()
    if extension not in _RENDER_FORMATS:
        raise ValueError(
            f"draw: can't tell the picture format from {os.fspath(path)!r}; end the path with "
            f"{', '.join('.' + name for name in _RENDER_FORMATS)}"
        )
    dot_program = shutil.which("dot")
    if dot_program is None:
        raise RuntimeError(
            "draw: the Graphviz `dot` program was not found on the PATH. Install Graphviz "
            "(apt-get install graphviz, brew install graphviz or conda install graphviz), or call "
            "tinygrad_edu.viz.to_dot(tensor) and paste the text into any Graphviz viewer"
        )
    dot_text = to_dot(tensor, names)
    result = subprocess.run(
        [dot_program, f"-T{extension}", "-o", os.fspath(path)], input=dot_text.encode(), capture_output=True
    )
    if result.returncode != 0:
        raise RuntimeError(f"draw: dot failed to render {os.fspath(path)!r}: {result.stderr.decode().strip()}")
    return path


def _box_attributes(key, tensor, name_of, is_root):
    """The box for one tensor: what made it, its shape and dtype, and its gradient's norm if it has one."""
    if tensor.grad_fn is not None:
        title, color = tensor.grad_fn.function.__name__, "#dbe9f6"
    else:
        title, color = "leaf", "#fff2cc"
    if key in name_of:
        title = name_of[key] if tensor.grad_fn is None else f"{name_of[key]} = {title}"
    rows = [title, f"{tuple(tensor.shape)} {tensor.dtype.name}"]
    if tensor.device.type != "cpu":
        rows.append(str(tensor.device))
    if tensor.grad is not None:
        rows.append(f"grad norm {_norm(tensor.grad._data):.4g}")
    if tensor.grad_fn is not None and tensor.grad_fn._released:
        rows.append("(graph freed by backward:\nuse retain_graph=True)")
    if is_root:
        color = "#d5e8d4"
    label = "\\n".join(_escape(row) for row in rows)
    return f'label="{label}", fillcolor="{color}"'


def _norm(array):
    """The Euclidean norm of an array on any device, as a Python float."""
    xp = backend_of(array).xp
    return math.sqrt(float(xp.sum(array * array).item()))


def _escape(text):
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
