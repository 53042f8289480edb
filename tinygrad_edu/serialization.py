"""Checkpoints: `save(obj, path)` and `load(path)` for state dicts, in the safetensors format.

A checkpoint is a state dict (tensors in nested dicts, lists and tuples, next to numbers, strings,
booleans and None), as `model.state_dict()` and `optimizer.state_dict()` return. The tensors go
into a safetensors file, named by their place in the structure (`0.weight`, `state.0.exp_avg`),
so other safetensors readers can open it too; the structure and the other values go into the
file's metadata as JSON. Unlike a pickle (torch.save's format), loading such a file only ever
reads arrays and JSON: a checkpoint from a stranger cannot run code.
"""

import json
import os

import numpy as np

from .arguments import Device, as_device
from .backend import backend_for, backend_of, to_device
from .tensor import Tensor

METADATA_KEY = "tinygrad_edu"  # the metadata entry holding {"version": 1, "object": <encoded structure>}
FORMAT_VERSION = 1


def save(obj, f):
    """Write `obj` (a state dict) to the file `f` (a path); tensors are copied to host memory, not moved.

    >>> import tinygrad_edu as tg, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "model.safetensors")
    >>> tg.save({"weight": tg.ones(2, 3), "epoch": 4}, path)
    >>> tg.load(path)
    {'weight': tensor([[1., 1., 1.],
            [1., 1., 1.]]), 'epoch': 4}
    """
    path = _path(f, "save")
    safetensors_numpy = _import_safetensors("save")[0]
    encoder = _Encoder()
    metadata = {METADATA_KEY: json.dumps({"version": FORMAT_VERSION, "object": encoder.encode(obj, ())})}
    try:
        safetensors_numpy.save_file(encoder.arrays, path, metadata=metadata)
    except Exception as error:  # safetensors reports I/O failures as its own SafetensorError
        raise OSError(f"save: could not write {path!r}: {error}") from None


def load(f, map_location=None):
    """Read a checkpoint written by `save`. Tensors go back to the device they were saved from, or to `map_location`.

    `map_location` is a device ("cpu", "cuda", "cuda:1" or a `tinygrad_edu.device`), e.g. "cpu" to
    open a GPU checkpoint on a machine without one.
    """
    path = _path(f, "load")
    if map_location is not None:
        if not isinstance(map_location, (str, Device)):
            raise TypeError(
                f"load: map_location must be a device such as 'cpu' or 'cuda', got {type(map_location).__name__}"
            )
        map_location = as_device(map_location)
        backend_for(map_location)  # fails here, clearly, when that device can't be used
    if not os.path.isfile(path):
        reason = "is a directory" if os.path.isdir(path) else "does not exist"
        raise FileNotFoundError(f"load: {path!r} {reason}; expected a checkpoint file written by tinygrad_edu.save")
    _, safe_open, safetensors_error = _import_safetensors("load")
    try:
        with safe_open(path, framework="numpy") as reader:
            metadata = reader.metadata() or {}
            names = list(reader.keys())
            header = metadata.get(METADATA_KEY)
            if header is None:
                raise _Damaged(
                    f"it is a safetensors file, but not one written by tinygrad_edu.save (it has no "
                    f"{METADATA_KEY!r} metadata); read its arrays with safetensors.numpy.load_file({path!r})"
                )
            arrays = {name: reader.get_tensor(name) for name in names}
    except safetensors_error as error:
        raise ValueError(
            f"load: {path!r} is not a tinygrad_edu checkpoint: it is empty, truncated, damaged or in another "
            f"format (a torch.save pickle, say), so safetensors can't read it ({error})"
        ) from None
    except _Damaged as error:
        raise ValueError(f"load: {path!r} is not a tinygrad_edu checkpoint: {error}") from None
    try:
        document = json.loads(header)
        if not isinstance(document, dict) or document.get("version") != FORMAT_VERSION or "object" not in document:
            raise _Damaged(f"unknown layout (expected version {FORMAT_VERSION})")
        return _Decoder(arrays, map_location).decode(document["object"])
    except (_Damaged, ValueError, RecursionError) as error:
        raise ValueError(f"load: {path!r} has damaged tinygrad_edu metadata: {error}") from None


class _Damaged(Exception):
    """The file's structure does not describe a checkpoint (caught in `load` and reported with the path)."""


class _Encoder:
    """Turns a state dict into JSON-able structure, collecting its tensors' host arrays by name.

    Numbers, strings, booleans and None stay as they are; containers and tensors become one-key dicts:
    `{"dict": [[key, value], ...]}` (keys may be ints, as in an optimizer's state), `{"list": [...]}`,
    `{"tuple": [...]}`, `{"tensor": name, "device": "cpu"}`.
    """

    def __init__(self):
        self.arrays = {}
        self.name_of_tensor = {}  # id(tensor) -> name, so a tensor stored twice (tied weights) loads as one

    def encode(self, value, path):
        if value is None or isinstance(value, (bool, int, float, str)):
            return value
        if isinstance(value, np.generic) and value.dtype.kind in "biuf":
            return value.item()
        if isinstance(value, Tensor):
            return self.encode_tensor(value, path)
        if isinstance(value, dict):
            for key in value:
                if isinstance(key, bool) or not isinstance(key, (str, int)):
                    raise TypeError(f"save: dict keys must be str or int, got {key!r} at {_where(path)}")
            return {"dict": [[key, self.encode(item, (*path, key))] for key, item in value.items()]}
        if isinstance(value, (list, tuple)):
            kind = "list" if isinstance(value, list) else "tuple"
            return {kind: [self.encode(item, (*path, index)) for index, item in enumerate(value)]}
        raise TypeError(
            f"save: can't store a {type(value).__name__} at {_where(path)}; checkpoints hold tensors, numbers, "
            "strings, booleans, None, and dicts, lists and tuples of them (a numpy array: wrap it with tensor())"
        )

    def encode_tensor(self, tensor, path):
        name = self.name_of_tensor.get(id(tensor))
        if name is None:
            name = base = ".".join(str(part) for part in path) or "tensor"
            copies = 1
            while name in self.arrays:
                copies += 1
                name = f"{base}#{copies}"
            array = backend_of(tensor._data).to_numpy(tensor._data)
            # safetensors copies raw memory: a strided view (a transpose, a slice) must be made contiguous first
            self.arrays[name] = array if array.flags.c_contiguous else array.copy(order="C")
            self.name_of_tensor[id(tensor)] = name
        encoded = {"tensor": name, "device": str(tensor.device)}
        if tensor.requires_grad:
            encoded["requires_grad"] = True
        return encoded


class _Decoder:
    """Rebuilds what `_Encoder` wrote, checking every step (the metadata may have been edited)."""

    def __init__(self, arrays, map_location):
        self.arrays = arrays
        self.map_location = map_location
        self.tensors = {}

    def decode(self, value):
        if value is None or isinstance(value, (bool, int, float, str)):
            return value
        if isinstance(value, dict) and len(value) == 1:
            ((kind, content),) = value.items()
            if kind == "dict" and isinstance(content, list) and all(_is_pair(item) for item in content):
                return {key: self.decode(item) for key, item in content}
            if kind in ("list", "tuple") and isinstance(content, list):
                items = [self.decode(item) for item in content]
                return items if kind == "list" else tuple(items)
        if isinstance(value, dict) and "tensor" in value:
            return self.decode_tensor(value)
        raise _Damaged(f"unexpected entry {json.dumps(value)[:100]}")

    def decode_tensor(self, entry):
        name = entry["tensor"]
        if not isinstance(name, str):
            raise _Damaged(f"a tensor's name must be a string, got {name!r}")
        if name in self.tensors:
            return self.tensors[name]
        if name not in self.arrays:
            raise _Damaged(f"it refers to a tensor {name!r} that the file does not hold")
        saved_device = entry.get("device", "cpu")
        device = self.map_location or as_device(saved_device)
        try:
            array = to_device(self.arrays[name], device)
        except RuntimeError as error:
            raise RuntimeError(
                f"load: tensor {name!r} was saved on {saved_device}, which can't be used here ({error}); "
                "pass map_location='cpu' to load it on the CPU"
            ) from None
        tensor = Tensor._make(array)
        if entry.get("requires_grad"):
            tensor.requires_grad_(True)
        self.tensors[name] = tensor
        return tensor


def _is_pair(item):
    return isinstance(item, list) and len(item) == 2 and isinstance(item[0], (str, int))


def _where(path):
    return "the top level" if not path else "key " + "".join(f"[{part!r}]" for part in path)


def _path(f, op):
    if not isinstance(f, (str, os.PathLike)):
        raise TypeError(f"{op}: expected a file path (str or os.PathLike), got {type(f).__name__}")
    return os.fspath(f)


def _import_safetensors(op):
    """The safetensors numpy API, imported on first use (an optional dependency)."""
    try:
        import safetensors.numpy
        from safetensors import SafetensorError, safe_open
    except ImportError:
        raise ImportError(
            f"{op}: checkpoints use the safetensors format; install it with `pip install safetensors`"
        ) from None
    return safetensors.numpy, safe_open, SafetensorError
