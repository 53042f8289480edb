"""Checkpoints: `save(obj, f)` and `load(f)` for state dicts, in the safetensors format.

A checkpoint is a state dict (tensors in nested dicts, lists and tuples, next to numbers, strings,
booleans and None), as `model.state_dict()` and `optimizer.state_dict()` return. The tensors go
into a safetensors file, named by their place in the structure (`0.weight`, `state.0.exp_avg`),
so other safetensors readers can open it too; the structure and the other values go into the
file's metadata as JSON. Unlike a pickle (torch.save's format), loading such a file only ever
reads arrays and JSON: a checkpoint from a stranger cannot run code. `load` also reads a plain
safetensors file (as model hubs publish them) as a dict of tensors.

What `save` guarantees for a path (docs/reliability.md): a regular file is replaced atomically
(the whole checkpoint goes to a temporary file beside it, renamed over it only when complete), a
symlink's target is replaced the same way, a device or a pipe is written through as `torch.save`
does, and the file keeps the mode it had (a new one gets 0666 less the umask).
"""

import json
import os
import secrets
import stat
import struct
from pathlib import Path

import numpy as np

from .arguments import Device, as_device
from .backend import backend_for, backend_of, to_device
from .tensor import Tensor

METADATA_KEY = "tinygrad_edu"  # the metadata entry holding {"version": 1, "object": <encoded structure>}
FORMAT_VERSION = 1
# safetensors dtype names -> numpy dtypes, for the dtypes tinygrad_edu has (BF16, U64, F8_* ... it does not)
SAFETENSORS_DTYPES = {
    "F16": "float16", "F32": "float32", "F64": "float64", "U8": "uint8", "I8": "int8",
    "I16": "int16", "I32": "int32", "I64": "int64", "BOOL": "bool",
}  # fmt: skip
TEMPORARY_SUFFIX = ".tinygrad_edu-partial"  # `.model.safetensors.<pid>-<random>.tinygrad_edu-partial`


def save(obj, f):
    """Write `obj` (a state dict) to `f`: a path or a binary file object. Tensors are copied to host memory, not moved.

    >>> import tinygrad_edu as tg, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "model.safetensors")
    >>> tg.save({"weight": tg.ones(2, 3), "epoch": 4}, path)
    >>> tg.load(path)
    {'weight': tensor([[1., 1., 1.],
            [1., 1., 1.]]), 'epoch': 4}
    """
    if not hasattr(f, "write"):
        _path(f, "save")
    safetensors_numpy, _ = _import_safetensors("save")
    encoder = _Encoder()
    metadata = {METADATA_KEY: json.dumps({"version": FORMAT_VERSION, "object": encoder.encode(obj, ())})}
    content = safetensors_numpy.save(encoder.arrays, metadata=metadata)
    if hasattr(f, "write"):
        f.write(content)
    else:
        _write_file(_path(f, "save"), content)


def load(f, map_location=None, *, weights_only=None):
    """Read a checkpoint written by `save` from `f` (a path or a binary file object), or a plain safetensors file.

    Tensors go back to the device they were saved from, or as `map_location` says: a device ("cpu",
    "cuda:1", a `tinygrad_edu.device`) for all of them, or a dict from saved device to device
    ({"cuda:0": "cpu"}), as in `torch.load`. A plain safetensors file (one written by
    `safetensors.torch.save_file(model.state_dict())`) loads as a dict of tensors that
    `load_state_dict` takes. `weights_only` is accepted for PyTorch code and changes nothing: this
    format holds only arrays and JSON, so loading never runs code, whatever it says.
    """
    if not hasattr(f, "read"):
        _path(f, "load")
    map_location = _check_map_location(map_location)
    where = _describe(f)
    content = _read_content(f, where)
    safetensors_numpy, safetensors_error = _import_safetensors("load")
    header = _read_header(content, where)
    for name, entry in header.items():
        if name != "__metadata__":
            _check_dtype(entry, name, where)
    try:
        arrays = safetensors_numpy.load(content)
    except safetensors_error as error:
        raise ValueError(_not_a_checkpoint(where, f"safetensors can't read it ({error})")) from None
    metadata = header.get("__metadata__") or {}
    if METADATA_KEY not in metadata:  # a plain safetensors file: its tensors by name, in the file's order
        decoder = _Decoder(arrays, map_location, where)
        try:
            return {name: decoder.decode_tensor({"tensor": name}) for name in header if name != "__metadata__"}
        except _Damaged as error:
            raise ValueError(f"load: {where}: {error}") from None
    try:
        document = json.loads(metadata[METADATA_KEY])
        if not isinstance(document, dict) or document.get("version") != FORMAT_VERSION or "object" not in document:
            raise _Damaged(f"unknown layout (expected version {FORMAT_VERSION})")
        return _Decoder(arrays, map_location, where).decode(document["object"])
    except (_Damaged, ValueError, RecursionError) as error:
        raise ValueError(f"load: {where} has damaged tinygrad_edu metadata: {error}") from None


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

    def __init__(self, arrays, map_location, where):
        self.arrays = arrays
        self.map_location = map_location
        self.where = where  # the file, for messages
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
            raise _Damaged(f"a tensor's name must be a string, got {json.dumps(name)[:100]}")
        if name in self.tensors:
            return self.tensors[name]
        if name not in self.arrays:
            raise _Damaged(f"it refers to a tensor {name!r} that the file does not hold")
        saved_device, requires_grad = entry.get("device", "cpu"), entry.get("requires_grad", False)
        if not isinstance(saved_device, str):
            raise _Damaged(f"tensor {name!r}: 'device' must be a string such as 'cpu', got {json.dumps(saved_device)}")
        if not isinstance(requires_grad, bool):
            raise _Damaged(f"tensor {name!r}: 'requires_grad' must be true or false, got {json.dumps(requires_grad)}")
        array = self.arrays[name]
        if requires_grad and array.dtype.kind != "f":
            raise _Damaged(f"tensor {name!r} is {array.dtype} but marked requires_grad: only floating point can")
        try:
            device = self.device_for(saved_device)
        except ValueError as error:
            raise _Damaged(f"tensor {name!r}: {error}") from None
        try:
            array = to_device(array, device)
        except RuntimeError as error:
            raise RuntimeError(
                f"load: {self.where}: tensor {name!r} was saved on {saved_device}, which can't be used here "
                f"({error}); pass map_location='cpu' to load it on the CPU"
            ) from None
        tensor = Tensor._make(array)
        if requires_grad:
            tensor.requires_grad_(True)
        self.tensors[name] = tensor
        return tensor

    def device_for(self, saved_device):
        """Where a tensor saved on `saved_device` goes: `map_location` (a device or a dict) decides."""
        saved = as_device(saved_device)
        if isinstance(self.map_location, dict):
            return next((new for old, new in self.map_location.items() if old == saved), saved)
        return self.map_location or saved


def _is_pair(item):
    return isinstance(item, list) and len(item) == 2 and isinstance(item[0], (str, int))


def _where(path):
    return "the top level" if not path else "key " + "".join(f"[{part!r}]" for part in path)


# ----- reading: the file's bytes, its header and its dtypes ----------------------------------------


def _read_content(f, where):
    """All bytes of the checkpoint: from the file at the path `f`, or from the binary file object `f`."""
    if hasattr(f, "read"):
        content = f.read()
        if not isinstance(content, bytes):
            raise TypeError(
                f"load: {where} gave {type(content).__name__}, not bytes; open the file in binary mode 'rb'"
            )
        return content
    path = Path(os.fspath(f))
    if not path.is_file():
        reason = "is a directory" if path.is_dir() else "does not exist"
        raise FileNotFoundError(f"load: {where} {reason}; expected a checkpoint file written by tinygrad_edu.save")
    return path.read_bytes()


def _read_header(content, where):
    """The safetensors header: an 8-byte little-endian length, then that many bytes of JSON (a dict)."""
    if len(content) < 8:
        raise ValueError(_not_a_checkpoint(where, f"it holds {len(content)} bytes, fewer than a safetensors header"))
    (length,) = struct.unpack("<Q", content[:8])
    if 8 + length > len(content):
        raise ValueError(_not_a_checkpoint(where, f"its header claims {length} bytes but the file is shorter"))
    try:
        header = json.loads(content[8 : 8 + length])
    except (UnicodeDecodeError, ValueError, RecursionError):
        header = None
    if not isinstance(header, dict) or not all(isinstance(entry, dict) for entry in header.values()):
        raise ValueError(_not_a_checkpoint(where, "its header is not the JSON object safetensors writes"))
    return header


def _check_dtype(entry, name, where):
    """Refuse, naming the file and the tensor, a dtype tinygrad_edu has no tensors of (BF16, U64, F8_E4M3 ...)."""
    dtype = entry.get("dtype")
    if dtype not in SAFETENSORS_DTYPES:
        raise ValueError(
            f"load: {where}: tensor {name!r} has dtype {json.dumps(dtype)}, which tinygrad_edu does not have "
            f"(it reads {', '.join(SAFETENSORS_DTYPES)}); convert it before saving, e.g. with .float() in PyTorch"
        )


def _not_a_checkpoint(where, reason):
    return (
        f"load: {where} is not a tinygrad_edu checkpoint: it is empty, truncated, damaged or in another format "
        f"(a torch.save pickle, say): {reason}"
    )


def _check_map_location(map_location):
    """`map_location` as None, a Device, or a dict from Device to Device; each target checked usable now."""
    if map_location is None:
        return None
    if callable(map_location):
        raise TypeError(
            "load: map_location as a function takes PyTorch storages, which tinygrad_edu does not have; "
            "pass a device ('cpu', 'cuda') or a dict such as {'cuda:0': 'cpu'}"
        )
    if isinstance(map_location, dict):
        pairs = list(map_location.items())
    elif isinstance(map_location, (str, Device)):
        pairs = [(None, map_location)]
    else:
        raise TypeError(
            f"load: map_location must be a device such as 'cpu' or 'cuda', or a dict such as {{'cuda:0': 'cpu'}}, "
            f"got {type(map_location).__name__}"
        )
    checked = {}
    for old, new in pairs:
        if not all(isinstance(device, (str, Device)) for device in (old or "cpu", new)):
            raise TypeError(f"load: map_location's keys and values must be devices such as 'cpu', got {old!r}: {new!r}")
        checked[as_device(old)] = as_device(new)
        backend_for(checked[as_device(old)])  # fails here, clearly, when that device can't be used
    return checked[None] if None in checked else checked


def _describe(f):
    """How messages name the file: its path, or the file object (with its name when it has one)."""
    if not hasattr(f, "read") and not hasattr(f, "write"):
        return repr(os.fspath(f))
    name = getattr(f, "name", None)
    return repr(name) if isinstance(name, str) else f"the {type(f).__name__} object"


# ----- writing a path: atomic replace, links followed, devices written through -----------------------


def _write_file(path, content):
    """Put `content` at `path` as `save` promises (see the module docstring)."""
    target = os.path.realpath(path)  # a symlink (or a chain of them) is followed to the file it names
    try:
        target_stat = os.stat(target)
    except FileNotFoundError:
        target_stat = None
    except OSError as error:
        raise OSError(f"save: could not write {path!r}: {error.strerror or error}") from None
    if target_stat is not None and stat.S_ISDIR(target_stat.st_mode):
        raise IsADirectoryError(
            f"save: {path!r} is a directory; give a file name such as {path!r} + '/model.safetensors'"
        )
    try:
        if target_stat is not None and not stat.S_ISREG(target_stat.st_mode):
            _write_in_place(target, content)  # /dev/null, a named pipe: write through, as torch.save does
        else:
            _replace_atomically(target, content, None if target_stat is None else stat.S_IMODE(target_stat.st_mode))
    except OSError as error:
        raise OSError(f"save: could not write {path!r}: {error.strerror or error}") from None


def _replace_atomically(target, content, mode):
    """Write a temporary file beside `target` and rename it over `target`, so a reader sees old or new, never half.

    A new file gets 0666 less the umask (the kernel applies it to os.open's mode), a replaced one keeps its
    mode. Where the directory is not writable but the file is, the file is overwritten in place instead
    (the content is complete in memory by then). Stale temporaries of `target` left by killed saves go first.
    """
    directory, name = os.path.split(target)
    _remove_stale_temporaries(directory, name)
    temporary = os.path.join(directory, f".{name}.{os.getpid()}-{secrets.token_hex(4)}{TEMPORARY_SUFFIX}")
    try:
        handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except PermissionError:
        if mode is not None and os.access(target, os.W_OK):
            _write_in_place(target, content)
            return
        raise PermissionError(
            f"the directory {directory!r} is not writable, so no file can be created in it; save elsewhere"
        ) from None
    try:
        with os.fdopen(handle, "wb") as file:
            if mode is not None:
                os.fchmod(file.fileno(), mode)
            file.write(content)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, target)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


def _write_in_place(target, content):
    with open(target, "wb") as file:
        file.write(content)


def _remove_stale_temporaries(directory, name):
    """Delete `.name.<pid>-<random>.tinygrad_edu-partial` files whose saving process no longer runs."""
    prefix = f".{name}."
    try:
        entries = list(os.scandir(directory or "."))
    except PermissionError:  # a directory we may write to but not list: nothing to clean that we can see
        return
    for entry in entries:
        if not (entry.name.startswith(prefix) and entry.name.endswith(TEMPORARY_SUFFIX)):
            continue
        pid_text = entry.name[len(prefix) :].split("-", 1)[0]
        if pid_text.isdigit() and not _process_is_running(int(pid_text)):
            try:
                os.remove(entry.path)
            except FileNotFoundError:  # another save cleaned it first
                pass


def _process_is_running(pid):
    try:
        os.kill(pid, 0)  # signal 0 checks that the process exists and sends nothing
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, owned by someone else
        return True
    return True


def _path(f, op):
    if not isinstance(f, (str, os.PathLike)):
        raise TypeError(
            f"{op}: expected a file path (str or os.PathLike) or a binary file object, got {type(f).__name__}"
        )
    return os.fspath(f)


def _import_safetensors(op):
    """The safetensors numpy API and its error, imported on first use (an optional dependency)."""
    try:
        import safetensors.numpy
        from safetensors import SafetensorError
    except ImportError:
        raise ImportError(
            f"{op}: checkpoints use the safetensors format; install it with `pip install safetensors`"
        ) from None
    return safetensors.numpy, SafetensorError
