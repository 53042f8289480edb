"""Tensor: an n-dimensional array that remembers how it was computed, so it can compute gradients.

Every op on Tensors goes through an `ArrayFunction` (see array_function.py and ops/). When an input
requires grad, the op's context is recorded as the output's `grad_fn`, a node of the graph (graph.py);
`backward()` walks these nodes in reverse (autograd/engine.py). The array itself lives in `_data`:
numpy on the CPU, CuPy on a GPU.
"""

import collections
import operator

import numpy as np

from . import arguments, dtypes, grad_mode, random
from .backend import backend_of, to_device
from .errors import ArgumentError, DTypeError, ShapeError, device_mismatch
from .graph import ALL_CHANGES, RemovableHandle, VersionCounter, edge_of
from .ops.broadcasting import broadcast_shapes
from .printing import format_tensor

ReductionResult = collections.namedtuple("ReductionResult", ["values", "indices"])
ReductionResult.__doc__ = "`x.max(dim)` returns (values, indices), as torch.return_types.max."


class Tensor:
    """An array with autograd. `Tensor(data, requires_grad=False, dtype=None, device=None)`.

    As `torch.Tensor`, data becomes the default float dtype (`Tensor([1, 2])` is float32) and ints are a
    shape (`Tensor(3, 4)` is a 3x4 tensor of zeros, where PyTorch leaves memory uninitialised; `Tensor()` is
    empty); `tensor(data)` infers the dtype instead. A Tensor passed as data is copied with its dtype.

    >>> x = Tensor([1.0, 2.0], requires_grad=True)
    >>> (x * x).sum().backward()
    >>> x.grad
    tensor([2., 4.])
    """

    __array_ufunc__ = None  # makes `ndarray + Tensor` call Tensor.__radd__ instead of numpy's add
    __hash__ = object.__hash__  # tensors are dict keys by identity (== is elementwise)
    grad = None
    grad_fn = None
    _requires_grad = False
    _retains_grad = False
    _output_nr = 0  # which output of grad_fn this tensor is
    _leaf_edge = None  # (this leaf's AccumulateGrad node, 0), made by graph.edge_of when first needed
    _version_counter = None  # created at the first in-place change or saved use (graph.VersionCounter)
    _view_of = None  # the tensor requiring grad that this one is a view of (in-place on it is refused)
    _hooks = None  # a leaf's gradient hooks (a non-leaf's live on its grad_fn)

    def __init__(self, *data, requires_grad=False, dtype=None, device=None):
        self._data = _constructor_array(data, dtype, device)
        if requires_grad:
            self.requires_grad_(True)

    @staticmethod
    def _make(array):
        """Wrap an array without copying or checking (the ops' fast path)."""
        tensor = object.__new__(Tensor)
        tensor._data = array
        return tensor

    @staticmethod
    def _of_result(value):
        """Wrap what a numpy call returned: a 0-d result comes back as a numpy scalar, made a 0-d array here."""
        return Tensor._make(np.asarray(value) if isinstance(value, np.generic) else value)

    # ----- what a tensor is -------------------------------------------------------------------

    @property
    def shape(self):
        return self._data.shape

    @property
    def ndim(self):
        return self._data.ndim

    def dim(self):
        return self._data.ndim

    def size(self, dim=None):
        """The shape, or the length of one dimension."""
        if dim is None:
            return self._data.shape
        return self._data.shape[self._axis(dim, "size")]

    def numel(self):
        return self._data.size

    def element_size(self):
        return self._data.itemsize

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    @property
    def dtype(self):
        return dtypes.from_numpy_dtype(self._data.dtype)

    def is_floating_point(self):
        return self._data.dtype.kind == "f"

    @property
    def device(self):
        return backend_of(self._data).device_of(self._data)

    @property
    def is_cuda(self):
        return self.device.type == "cuda"

    @property
    def requires_grad(self):
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, requires_grad):
        self.requires_grad_(requires_grad)

    @property
    def is_leaf(self):
        """True for tensors made by the user (not by an op that recorded a grad_fn)."""
        return self.grad_fn is None

    @property
    def data(self):
        """The same values, detached from the graph (shares memory), as tensor.data in PyTorch."""
        return Tensor._make(self._data)

    @data.setter
    def data(self, value):
        self._data = value._data if isinstance(value, Tensor) else _as_array(value, self.dtype, self.device)

    # ----- autograd ---------------------------------------------------------------------------

    def requires_grad_(self, requires_grad=True):
        """Start (or stop) recording ops on this leaf for backward. Returns self."""
        if requires_grad and self._data.dtype.kind != "f":
            raise RuntimeError(
                f"only tensors of floating point dtype can require gradients, got {self.dtype}; "
                "convert with .float() first"
            )
        if not requires_grad and self.grad_fn is not None:
            raise RuntimeError("requires_grad_: you can only change requires_grad of leaf tensors; use .detach()")
        self._requires_grad = bool(requires_grad)
        return self

    def retain_grad(self):
        """Keep `.grad` on this non-leaf tensor after backward (leaves always keep theirs)."""
        if not self._requires_grad:
            raise RuntimeError("retain_grad: can't retain the gradient of a tensor that does not require grad")
        if self.grad_fn is not None and not self._retains_grad:
            self.grad_fn.retain_output(self._output_nr, self)
            self._retains_grad = True

    @property
    def retains_grad(self):
        return self._retains_grad

    def register_hook(self, hook):
        """Call `hook(grad)` whenever this tensor's gradient is computed; a returned Tensor replaces it.

        Returns a handle whose `remove()` takes the hook off. On a non-leaf the hook sits on its grad_fn.
        """
        if not self._requires_grad:
            raise RuntimeError("register_hook: cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is not None:
            return self.grad_fn.add_hook(self._output_nr, hook)
        if self._hooks is None:
            self._hooks = []
            edge_of(self)[0]._watched = True
        self._hooks.append(hook)
        return RemovableHandle(self._hooks, hook)

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Accumulate the gradient of this tensor into the `.grad` of every leaf that requires grad.

        A scalar needs no `gradient`. The graph is freed afterwards unless `retain_graph=True`. With
        `create_graph=True` the gradients are themselves recorded (and retain_graph defaults to True),
        so they can be differentiated again; `inputs` limits which tensors get a `.grad`.
        """
        autograd.backward(self, gradient, retain_graph, create_graph, inputs)

    @property
    def _version(self):
        """How many in-place changes this tensor's memory has had (PyTorch's `x._version`)."""
        return 0 if self._version_counter is None else self._version_counter.value

    def _counter(self):
        if self._version_counter is None:
            self._version_counter = VersionCounter()
        return self._version_counter

    def detach(self):
        """The same values (shared memory, shared version counter) cut off from the graph."""
        detached = Tensor._make(self._data)
        detached._version_counter = self._counter()
        return detached

    def detach_(self):
        self.grad_fn = None
        self._requires_grad = False
        return self

    def clone(self):
        """A copy that stays in the graph (its gradient flows back to self)."""
        return elementwise.Clone.apply(self)

    # ----- leaving the framework --------------------------------------------------------------

    def numpy(self):
        """The data as a numpy array (shares memory). CPU only, and not while it requires grad."""
        if self._requires_grad:
            raise RuntimeError(
                "Can't call numpy() on a tensor that requires grad. Use tensor.detach().numpy() instead."
            )
        backend = backend_of(self._data)
        if backend.device_type != "cpu":
            raise TypeError(
                f"can't convert a {backend.device_of(self._data)} tensor to numpy. Use tensor.cpu() to copy "
                "it to host memory first."
            )
        return self._data

    def __array__(self, dtype=None, copy=None):
        array = self.detach().numpy()
        return array if dtype is None else array.astype(dtype, copy=False)

    def item(self):
        """The value of a one-element tensor as a Python number."""
        if self._data.size != 1:
            raise RuntimeError(
                f"item: a tensor with {self._data.size} elements (shape {tuple(self.shape)}) cannot be "
                "converted to a Python scalar; only one-element tensors can"
            )
        return self._data.item()

    def tolist(self):
        return self._data.tolist()

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __index__(self):
        if self._data.dtype.kind not in "iub":
            raise TypeError(f"only integer tensors of a single element can be used as an index, got {self.dtype}")
        return operator.index(self.item())

    def __bool__(self):
        if self._data.size != 1:
            raise RuntimeError(
                f"the truth value of a tensor with {self._data.size} elements is ambiguous; use .any() or .all()"
            )
        return bool(self.item())

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._data.shape[0]))

    def __repr__(self):
        return format_tensor(self)

    def __format__(self, spec):
        if self._data.ndim == 0 and spec:
            return format(self.item(), spec)
        return format(repr(self), spec)

    # ----- dtype and device -------------------------------------------------------------------

    def to(self, *args, **kwargs):
        """`to(dtype)`, `to(device)`, `to(device, dtype)` or `to(other_tensor)`; self when nothing changes."""
        device, dtype = arguments.to_arguments("to", args, kwargs)
        result = self
        if device is not None:
            result = result._to_device(device)
        if dtype is not None:
            result = result._to_dtype(dtype)
        return result

    def _to_dtype(self, dtype):
        if self._data.dtype == dtype.numpy:
            return self
        if dtype.is_floating_point and self._data.dtype.kind == "f":
            return elementwise.Cast.apply(self, dtype.numpy)
        return Tensor._make(self._data.astype(dtype.numpy))

    def _to_device(self, device):
        if self.device == device:
            return self
        return movement.ToDevice.apply(self, device)

    def float(self):
        return self._to_dtype(dtypes.float32)

    def double(self):
        return self._to_dtype(dtypes.float64)

    def half(self):
        return self._to_dtype(dtypes.float16)

    def long(self):
        return self._to_dtype(dtypes.int64)

    def int(self):
        return self._to_dtype(dtypes.int32)

    def bool(self):
        return self._to_dtype(dtypes.bool_)

    def type_as(self, other):
        return self._to_dtype(other.dtype)

    def type(self, dtype=None):
        """No argument: its type's name ('tinygrad_edu.FloatTensor'); else self as a dtype or FloatTensor, ..."""
        if dtype is None:
            return tensor_types.type_name(self)
        return self._to_dtype(tensor_types.as_dtype(dtype))

    def cpu(self):
        return self._to_device("cpu")

    def cuda(self, device=None):
        return self._to_device(arguments.cuda_device(device))

    # ----- in-place changes ---------------------------------------------------------------------
    # Outside the graph (under no_grad, or when no tensor involved requires grad) they write into the
    # array. Inside it they are recorded as PyTorch records them: self = op(old self, ...), written
    # into self's memory, with self's grad_fn moved to the new node. Either way the version goes up.

    def _inplace(self, op, other, update, alpha=1):
        """update(self's array, alpha * other), outside the graph; the errors name op."""
        if isinstance(other, Tensor):
            other = _array_on_device_of(self, other, op)
        if alpha != 1:
            other = other * alpha
        try:
            update(self._data, other)
        except (ValueError, TypeError) as error:
            raise type(error)(f"{op}: {error} (tensor shape {tuple(self.shape)}, {self.dtype})") from None
        counter = self._version_counter  # _counter().bump() inline: optimizers come here for every parameter
        if counter is None:
            counter = self._version_counter = VersionCounter()
        counter.changed_at = ALL_CHANGES.value
        counter.value += 1
        ALL_CHANGES.value += 1
        return self

    def _record_in_place(self, op, out_of_place, *operands):
        """self = out_of_place(a copy of self with its history, *operands), recorded, written back into self's
        memory. An op that saved self itself (x.addcdiv_(x, y)) is then caught by the version check, as in PyTorch."""
        if self.grad_fn is None and self._requires_grad:
            raise RuntimeError(
                f"{op}: a leaf tensor that requires grad can't be modified in place while grad is recorded; "
                "do it inside `with tinygrad_edu.no_grad():` (as optimizers do) or work on a .clone()"
            )
        if self._view_of is not None:
            raise RuntimeError(
                f"{op}: this tensor is a view (reshape, indexing, expand, ...) of a tensor that requires grad, and "
                "tinygrad_edu doesn't record in-place changes through views; change the tensor itself, or a .clone()"
            )
        if out_of_place is None:
            raise RuntimeError(f"{op}: can't be recorded in the graph; do it inside no_grad() or on a .detach()ed copy")
        history = Tensor._make(self._data.copy())
        history.grad_fn, history._output_nr, history._requires_grad = self.grad_fn, self._output_nr, self._requires_grad
        result = out_of_place(history, *operands)
        if result.shape != self.shape:
            raise ShapeError(
                f"{op}: the result has shape {tuple(result.shape)}, but the tensor changed in place has shape "
                f"{tuple(self.shape)}; an in-place op can't change a tensor's shape"
            )
        if result._data.dtype != self._data.dtype:
            if result.is_floating_point() and not self.is_floating_point():
                raise DTypeError(
                    f"{op}: result type {result.dtype.name} can't be cast to the desired output type {self.dtype.name}"
                )
            result = result._to_dtype(self.dtype)
        self._data[...] = result._data
        if self._retains_grad:  # .grad now means the new value's gradient: move the retention to the new node
            del history.grad_fn._retained_outputs[history._output_nr]
        self.grad_fn, self._output_nr, self._requires_grad = result.grad_fn, result._output_nr, result._requires_grad
        if self._retains_grad and self.grad_fn is not None:
            self.grad_fn.retain_output(self._output_nr, self)
        self._counter().bump()
        return self

    def add_(self, other, alpha=1):
        """self += alpha * other."""
        if grad_mode._enabled and _recorded(self, other):
            return self._record_in_place("add_", lambda old, other: old + _scaled(other, alpha), other)
        return self._inplace("add_", other, operator.iadd, alpha)

    def sub_(self, other, alpha=1):
        """self -= alpha * other."""
        if grad_mode._enabled and _recorded(self, other):
            return self._record_in_place("sub_", lambda old, other: old - _scaled(other, alpha), other)
        return self._inplace("sub_", other, operator.isub, alpha)

    def mul_(self, other):
        if grad_mode._enabled and _recorded(self, other):
            return self._record_in_place("mul_", lambda old, other: old * other, other)
        return self._inplace("mul_", other, operator.imul)

    def div_(self, other):
        if grad_mode._enabled and _recorded(self, other):
            return self._record_in_place("div_", lambda old, other: old / other, other)
        return self._inplace("div_", other, operator.itruediv)

    __iadd__, __isub__, __imul__, __itruediv__ = add_, sub_, mul_, div_

    def addcmul_(self, tensor1, tensor2, value=1):
        """self += value * tensor1 * tensor2 (e.g. Adam's running average of squared gradients)."""
        if grad_mode._enabled and _recorded(self, tensor1, tensor2):
            return self._record_in_place("addcmul_", lambda old, a, b: old + value * a * b, tensor1, tensor2)
        first, second = _array_on_device_of(self, tensor1, "addcmul_"), _array_on_device_of(self, tensor2, "addcmul_")
        return self._inplace("addcmul_", value * first * second, operator.iadd)

    def addcdiv_(self, tensor1, tensor2, value=1):
        """self += value * (tensor1 / tensor2) (e.g. Adam's step)."""
        if grad_mode._enabled and _recorded(self, tensor1, tensor2):
            return self._record_in_place("addcdiv_", lambda old, a, b: old + value * (a / b), tensor1, tensor2)
        quotient = _array_on_device_of(self, tensor1, "addcdiv_") / _array_on_device_of(self, tensor2, "addcdiv_")
        return self._inplace("addcdiv_", quotient, operator.iadd, value)

    def copy_(self, source):
        """Copy source's values into self (broadcasting, casting to self's dtype)."""
        source_data = to_device(source._data if isinstance(source, Tensor) else source, self.device)

        def assign(target, values):
            target[...] = values

        def copied(old, source):  # source everywhere; `where` keeps old in the graph (zero gradient), as PyTorch
            copy = source if isinstance(source, Tensor) else Tensor._make(source_data)
            return copy._to_dtype(self.dtype).expand(*self.shape).where(_everywhere(old), old)

        if grad_mode._enabled and _recorded(self, source):
            return self._record_in_place("copy_", copied, source)
        return self._inplace("copy_", source_data, assign)

    def fill_(self, value):
        def fill(target, value):
            target[...] = value

        if grad_mode._enabled and _recorded(self, value):
            return self._record_in_place("fill_", lambda old, value: old.masked_fill(_everywhere(old), value), value)
        return self._inplace("fill_", value, fill)

    def zero_(self):
        return self.fill_(0)

    def clamp_(self, min=None, max=None):
        if grad_mode._enabled and _recorded(self, min, max):
            return self._record_in_place("clamp_", lambda old, low, high: old.clamp(low, high), min, max)
        xp = backend_of(self._data).xp
        return self._inplace("clamp_", None, lambda target, _: xp.clip(target, min, max, out=target))

    def uniform_(self, a=0.0, b=1.0):
        """Fill with samples from U(a, b) drawn from the device's seeded generator."""
        rng = random.generator(self.device)
        samples = rng.random(self.shape, dtype=random.sampling_dtype(self._data.dtype))
        return self.copy_(samples * (b - a) + a)

    def normal_(self, mean=0.0, std=1.0):
        """Fill with samples from N(mean, std**2) drawn from the device's seeded generator."""
        rng = random.generator(self.device)
        samples = rng.standard_normal(self.shape, dtype=random.sampling_dtype(self._data.dtype))
        return self.copy_(samples * std + mean)

    def __setitem__(self, index, value):
        """self[index] = value; in the graph, recorded as the out-of-place op movement.SetItem."""
        index = _as_index(index, self)
        if grad_mode._enabled and _recorded(self, value):
            if not isinstance(value, (Tensor, int, float, bool)):
                value = Tensor._make(_as_array(value, self.dtype, self.device))
            return self._record_in_place(
                "__setitem__", lambda old, value: movement.SetItem.apply(old, index, value), value
            )
        value = value._data if isinstance(value, Tensor) else value
        if not isinstance(value, (int, float, bool, np.generic)) and type(value) is not type(self._data):
            value = _as_array(value, self.dtype, self.device)  # lists, and arrays from another device
        self._data[index] = value
        self._counter().bump()

    # ----- arithmetic -------------------------------------------------------------------------

    def _operand(self, other, op):
        """`other` as a Tensor that can meet self: scalars take self's dtype (PyTorch's rule)."""
        if isinstance(other, Tensor):
            return other
        if isinstance(other, (int, float, bool, np.number, np.bool_)):
            dtype = dtypes.scalar_dtype(self._data.dtype, other)
            return Tensor._make(backend_of(self._data).xp.asarray(other, dtype=dtype))
        if hasattr(other, "shape") or isinstance(other, (list, tuple)):
            return Tensor._make(_as_array(other, device=self.device))
        raise TypeError(f"{op}: unsupported operand type {type(other).__name__} (expected a Tensor or a number)")

    def _binary(self, other, function, op, reflected=False):
        other = self._operand(other, op)
        a, b = (other, self) if reflected else (self, other)
        if a._data.dtype != b._data.dtype:
            common = dtypes.from_numpy_dtype(dtypes.result_dtype(a._data, b._data))
            a, b = a._to_dtype(common), b._to_dtype(common)
        try:
            return function.apply(a, b)
        except ValueError:
            _raise_if_not_broadcastable(op, a.shape, b.shape)
            raise

    def __add__(self, other):
        return self._binary(other, elementwise.Add, "add")

    def __radd__(self, other):
        return self._binary(other, elementwise.Add, "add", reflected=True)

    def __sub__(self, other):
        return self._binary(other, elementwise.Sub, "sub")

    def __rsub__(self, other):
        return self._binary(other, elementwise.Sub, "sub", reflected=True)

    def __mul__(self, other):
        return self._binary(other, elementwise.Mul, "mul")

    def __rmul__(self, other):
        return self._binary(other, elementwise.Mul, "mul", reflected=True)

    def __truediv__(self, other):
        if self._data.dtype.kind != "f" and not _is_float(other):
            return self.float()._binary(other, elementwise.Div, "div")  # true division gives floats
        return self._binary(other, elementwise.Div, "div")

    def __rtruediv__(self, other):
        if self._data.dtype.kind != "f" and not _is_float(other):
            return self.float()._binary(other, elementwise.Div, "div", reflected=True)
        return self._binary(other, elementwise.Div, "div", reflected=True)

    def __floordiv__(self, other):
        """Division rounded down; outside the graph, as in PyTorch (its gradient is zero almost everywhere)."""
        with grad_mode.no_grad():
            return self._binary(other, elementwise.FloorDivide, "floor_divide")

    def __rfloordiv__(self, other):
        with grad_mode.no_grad():
            return self._binary(other, elementwise.FloorDivide, "floor_divide", reflected=True)

    def __mod__(self, other):
        """Remainder with the sign of the divisor, as Python's % and torch.remainder."""
        return self._binary(other, elementwise.Remainder, "remainder")

    def __rmod__(self, other):
        return self._binary(other, elementwise.Remainder, "remainder", reflected=True)

    def __pow__(self, exponent):
        return self._binary(exponent, elementwise.Pow, "pow")

    def __rpow__(self, base):
        return self._binary(base, elementwise.Pow, "pow", reflected=True)

    def __neg__(self):
        return elementwise.Neg.apply(self)

    def __pos__(self):
        return self

    def __matmul__(self, other):
        return self.matmul(other)

    def __rmatmul__(self, other):
        return self._operand(other, "matmul").matmul(self)

    add = __add__
    sub = subtract = __sub__
    mul = multiply = __mul__
    div = divide = __truediv__
    pow = __pow__
    floor_divide = __floordiv__
    remainder = __mod__
    neg = negative = __neg__

    def _floating(self):
        """self, or self converted to the default float dtype when it holds ints or bools (exp(int) is float)."""
        return self if self._data.dtype.kind == "f" else self._to_dtype(dtypes.get_default_dtype())

    def abs(self):
        return elementwise.Abs.apply(self)

    def exp(self):
        return elementwise.Exp.apply(self._floating())

    def log(self):
        return elementwise.Log.apply(self._floating())

    def log1p(self):
        return elementwise.Log1p.apply(self._floating())

    def sqrt(self):
        return elementwise.Sqrt.apply(self._floating())

    def sign(self):
        """-1, 0 or 1 by the sign of each element; outside the graph (its gradient is zero), as PyTorch."""
        return Tensor._of_result(backend_of(self._data).xp.sign(self._data))

    def sin(self):
        return elementwise.Sin.apply(self._floating())

    def cos(self):
        return elementwise.Cos.apply(self._floating())

    def tanh(self):
        return elementwise.Tanh.apply(self._floating())

    def sigmoid(self):
        return elementwise.Sigmoid.apply(self._floating())

    def relu(self):
        return elementwise.ReLU.apply(self)

    def square(self):
        return self * self

    def clamp(self, min=None, max=None):
        """Limit values to [min, max] (either may be None); the gradient passes where min <= x <= max."""
        if min is None and max is None:
            raise ArgumentError("clamp: at least one of min and max must be given (not None)")
        for bound in (min, max):
            if not (bound is None or isinstance(bound, (Tensor, int, float, np.number))):
                raise TypeError(f"clamp: min and max must be numbers, Tensors or None, got {type(bound).__name__}")
        if isinstance(min, Tensor) or isinstance(max, Tensor):
            bounds = [self._operand(bound, "clamp") for bound in (min, max) if bound is not None]
            common = to_common_dtype([self, *bounds])
            self, bounds = common[0], iter(common[1:])
            min, max = (None if bound is None else next(bounds) for bound in (min, max))
        elif self._data.dtype.kind != "f" and (_is_float(min) or _is_float(max)):
            self = self.float()  # an integer tensor clamped to a float bound gives floats, as in PyTorch
        return elementwise.Clamp.apply(self, min, max)

    clip = clamp

    def maximum(self, other):
        return self._binary(other, elementwise.Maximum, "maximum")

    def minimum(self, other):
        return self._binary(other, elementwise.Minimum, "minimum")

    def where(self, condition, other):
        """self where condition is true, else other (a Tensor or a number), as torch.Tensor.where.

        Gradient: to self where condition is true, to other elsewhere.
        """
        if not isinstance(condition, Tensor):
            condition = Tensor._make(_as_array(condition))
        if condition._data.dtype.kind != "b":
            raise DTypeError(
                f"where: condition must be a bool tensor, got {condition.dtype}; compare first, e.g. x > 0"
            )
        input, other = to_common_dtype([self, self._operand(other, "where")])
        try:
            broadcast_shapes(condition.shape, input.shape, other.shape)
        except ValueError:
            raise ShapeError(
                f"where: shapes {condition.shape} (condition), {input.shape} (input) and {other.shape} (other) "
                "can't be broadcast together"
            ) from None
        return elementwise.Where.apply(condition, input, other)

    def matmul(self, other):
        """Matrix product with numpy.matmul's rules (1-D, 2-D and broadcast batched operands).

        matmul: shapes (3, 4) and (5, 2) are not aligned: 4 (dim 1) != 5 (dim 0)
        """
        if not isinstance(other, Tensor):
            raise TypeError(f"matmul: expected two Tensors, got {type(self).__name__} and {type(other).__name__}")
        a_shape, b_shape = self.shape, other.shape
        if len(a_shape) == 0 or len(b_shape) == 0:
            raise ShapeError(f"matmul: both arguments need at least 1 dimension, got shapes {a_shape} and {b_shape}")
        a_dim = len(a_shape) - 1
        b_dim = max(len(b_shape) - 2, 0)
        if a_shape[a_dim] != b_shape[b_dim]:
            raise ShapeError(
                f"matmul: shapes {a_shape} and {b_shape} are not aligned: "
                f"{a_shape[a_dim]} (dim {a_dim}) != {b_shape[b_dim]} (dim {b_dim})"
            )
        for a_size, b_size in zip(reversed(a_shape[:-2]), reversed(b_shape[:-2])):
            if a_size != b_size and 1 not in (a_size, b_size):
                raise ShapeError(f"matmul: batch dims of shapes {a_shape} and {b_shape} can't be broadcast together")
        return matmul_ops.MatMul.apply(*to_common_dtype([self, other]))

    mm = matmul

    # ----- comparisons and logic (outside the graph) ------------------------------------------

    def _compare(self, other, compare):
        if other is None:
            return NotImplemented
        other = other if isinstance(other, Tensor) else self._operand(other, "compare")
        other_data = _array_on_device_of(self, other, "comparison")
        try:
            return Tensor._of_result(compare(self._data, other_data))
        except ValueError:
            raise ShapeError(
                f"comparison: shapes {tuple(self.shape)} and {tuple(other_data.shape)} can't be broadcast together"
            ) from None

    def __eq__(self, other):
        return self._compare(other, operator.eq)

    def __ne__(self, other):
        return self._compare(other, operator.ne)

    def __lt__(self, other):
        return self._compare(other, operator.lt)

    def __le__(self, other):
        return self._compare(other, operator.le)

    def __gt__(self, other):
        return self._compare(other, operator.gt)

    def __ge__(self, other):
        return self._compare(other, operator.ge)

    eq, ne, lt, le, gt, ge = __eq__, __ne__, __lt__, __le__, __gt__, __ge__

    def equal(self, other):
        """True when both have the same shape and values."""
        return self.shape == other.shape and bool((self._data == other._data).all())

    def allclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        """True when every |self - other| <= atol + rtol * |other| (see isclose)."""
        return bool(self.isclose(other, rtol, atol, equal_nan).all())

    def isclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        """Elementwise |self - other| <= atol + rtol * |other|, as a bool tensor (NaNs match only with equal_nan)."""
        other = self._operand(other, "isclose")
        xp = backend_of(self._data).xp
        return Tensor._of_result(
            xp.isclose(self._data, _array_on_device_of(self, other, "isclose"), rtol, atol, equal_nan)
        )

    def _logical(self, other, combine):
        other_data = _array_on_device_of(self, other, "logical op") if isinstance(other, Tensor) else other
        return Tensor._of_result(combine(self._data, other_data))

    def __and__(self, other):
        return self._logical(other, operator.and_)

    def __or__(self, other):
        return self._logical(other, operator.or_)

    def __xor__(self, other):
        return self._logical(other, operator.xor)

    def __invert__(self):
        return Tensor._of_result(~self._data)

    logical_not = __invert__

    @arguments.numpy_names
    def any(self, dim=None, keepdim=False):
        return Tensor._of_result(self._data.any(axis=self._axes(dim, "any"), keepdims=keepdim))

    @arguments.numpy_names
    def all(self, dim=None, keepdim=False):
        return Tensor._of_result(self._data.all(axis=self._axes(dim, "all"), keepdims=keepdim))

    def isnan(self):
        return Tensor._of_result(backend_of(self._data).xp.isnan(self._data))

    def isfinite(self):
        return Tensor._of_result(backend_of(self._data).xp.isfinite(self._data))

    # ----- reductions -------------------------------------------------------------------------

    def _axis(self, dim, op):
        """One dim as a non-negative axis, or an error that names the op, the dim and the shape."""
        if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
            raise TypeError(f"{op}: dim must be an int, got {type(dim).__name__}")
        ndim = max(self._data.ndim, 1)
        if not -ndim <= dim < ndim:
            raise IndexError(
                f"{op}: dim {dim} is out of range for a tensor of shape {tuple(self.shape)} "
                f"(expected a dim in [{-ndim}, {ndim - 1}])"
            )
        return dim % ndim

    def _axes(self, dim, op):
        """dim (None, an int or a tuple of ints) as a tuple of axes, or None for all of them."""
        if dim is None or (isinstance(dim, (tuple, list)) and len(dim) == 0):
            return None
        dims = tuple(dim) if isinstance(dim, (tuple, list)) else (dim,)
        axes = tuple(self._axis(d, op) for d in dims)
        if len(set(axes)) != len(axes):
            raise ShapeError(f"{op}: dim {dim} names the same dimension twice")
        return None if self._data.ndim == 0 else axes

    @arguments.numpy_names
    def sum(self, dim=None, keepdim=False, *, dtype=None):
        """Sum over dim (an int, a tuple, or None for all), in `dtype` if given;  gradient: g broadcast back."""
        if dtype is None:
            return reduce.Sum.apply(self, self._axes(dim, "sum"), keepdim)
        dtype = dtypes.as_dtype(dtype)  # the input is cast first, as PyTorch does (numpy would widen int32 sums)
        return reduce.Sum.apply(self._to_dtype(dtype), self._axes(dim, "sum"), keepdim)._to_dtype(dtype)

    @arguments.numpy_names
    def mean(self, dim=None, keepdim=False):
        """Mean over dim;  gradient: g / n broadcast back."""
        if self._data.dtype.kind != "f":
            raise DTypeError(f"mean: input dtype must be floating point, got {self.dtype}; use .float() first")
        return reduce.Mean.apply(self, self._axes(dim, "mean"), keepdim)

    @arguments.numpy_names
    def var(self, dim=None, unbiased=None, keepdim=False, *, correction=None):
        """Variance over dim with Bessel's correction by default (correction=1, i.e. divide by n - 1)."""
        if isinstance(dim, bool):  # var(False): the old positional `unbiased`
            dim, unbiased = None, dim
        if correction is None:
            correction = 1 if unbiased is None else int(unbiased)
        if self._data.dtype.kind != "f":
            raise DTypeError(f"var: input dtype must be floating point, got {self.dtype}")
        return reduce.Var.apply(self, self._axes(dim, "var"), correction, keepdim)

    @arguments.numpy_names
    def std(self, dim=None, unbiased=None, keepdim=False, *, correction=None):
        """Standard deviation: sqrt(var)."""
        return self.var(dim, unbiased, keepdim, correction=correction).sqrt()

    def _extreme(self, dim, keepdim, op, whole, along, pair):
        if isinstance(dim, Tensor):
            return pair(dim)
        if dim is None:
            return whole.apply(self, None, False)
        if isinstance(dim, (tuple, list)):
            raise TypeError(f"{op}: dim must be a single int; use a{op}(dim=(...)) to reduce several dims")
        axis = self._axis(dim, op)
        if self._data.ndim == 0:
            return ReductionResult(self, Tensor._of_result(self._data.astype(np.int64) * 0))
        values = along.apply(self, axis, keepdim)
        pick = self._data.argmax if along is reduce.MaxAlong else self._data.argmin
        indices = pick(axis=axis, keepdims=keepdim) if keepdim else pick(axis=axis)
        return ReductionResult(values, Tensor._make(indices.astype(np.int64)))

    @arguments.numpy_names
    def max(self, dim=None, keepdim=False):
        """Largest value; with `dim`, (values, indices) along it; with a tensor, the elementwise maximum.

        Gradient: with `dim`, to the returned index; without, shared evenly among ties (as PyTorch).
        """
        return self._extreme(dim, keepdim, "max", reduce.Amax, reduce.MaxAlong, self.maximum)

    @arguments.numpy_names
    def min(self, dim=None, keepdim=False):
        """Smallest value; with `dim`, (values, indices); with a tensor, the elementwise minimum."""
        return self._extreme(dim, keepdim, "min", reduce.Amin, reduce.MinAlong, self.minimum)

    @arguments.numpy_names
    def amax(self, dim=None, keepdim=False):
        return reduce.Amax.apply(self, self._axes(dim, "amax"), keepdim)

    @arguments.numpy_names
    def amin(self, dim=None, keepdim=False):
        return reduce.Amin.apply(self, self._axes(dim, "amin"), keepdim)

    @arguments.numpy_names
    def argmax(self, dim=None, keepdim=False):
        """Index of the largest value (of the flattened tensor when dim is None), as int64."""
        if dim is None:
            return Tensor._make(backend_of(self._data).xp.asarray(self._data.argmax(), dtype=np.int64))
        axis = self._axis(dim, "argmax")
        return Tensor._make(self._data.argmax(axis=axis, keepdims=keepdim).astype(np.int64))

    @arguments.numpy_names
    def argmin(self, dim=None, keepdim=False):
        """Index of the smallest value (of the flattened tensor when dim is None), as int64."""
        if dim is None:
            return Tensor._make(backend_of(self._data).xp.asarray(self._data.argmin(), dtype=np.int64))
        axis = self._axis(dim, "argmin")
        return Tensor._make(self._data.argmin(axis=axis, keepdims=keepdim).astype(np.int64))

    @arguments.numpy_names
    def prod(self, dim=None, keepdim=False, *, dtype=None):
        """Product of all elements, or along one dim;  gradient: g times the product of the other elements."""
        source = self if dtype is None else self._to_dtype(dtypes.as_dtype(dtype))
        if dim is None:
            return reduce.Prod.apply(source.reshape(-1), 0, False)
        return reduce.Prod.apply(source, self._axis(dim, "prod"), keepdim)

    @arguments.numpy_names
    def logsumexp(self, dim, keepdim=False):
        """log(sum(exp(x))) over dim, computed without overflow;  gradient: g * softmax(x)."""
        return reduce.LogSumExp.apply(self, self._axes(dim, "logsumexp"), keepdim)

    @arguments.numpy_names
    def softmax(self, dim):
        """exp(x) / sum(exp(x)) along dim, computed stably."""
        return reduce.Softmax.apply(self, self._axis(dim, "softmax"))

    @arguments.numpy_names
    def log_softmax(self, dim):
        """x - logsumexp(x) along dim, computed stably."""
        return reduce.LogSoftmax.apply(self, self._axis(dim, "log_softmax"))

    # ----- movement ---------------------------------------------------------------------------

    def reshape(self, *shape):
        """Same elements in a new shape; one dim may be -1 (inferred)."""
        shape = arguments.sizes(shape, "reshape", "shape")
        known = 1
        for size in shape:
            known *= size if size != -1 else 1
        inferred = shape.count(-1)
        if inferred > 1 or any(size < -1 for size in shape):
            raise ShapeError(f"reshape: invalid shape {shape}: only one dim may be -1 and none below it")
        if (inferred == 0 and known != self._data.size) or (
            inferred == 1 and (known == 0 or self._data.size % known != 0)
        ):
            raise ShapeError(
                f"reshape: shape {shape} is invalid for a tensor of {self._data.size} elements "
                f"(shape {tuple(self.shape)})"
            )
        if shape == self._data.shape:
            return self
        return movement.Reshape.apply(self, shape)

    view = reshape

    def reshape_as(self, other):
        return self.reshape(other.shape)

    view_as = reshape_as

    def flatten(self, start_dim=0, end_dim=-1):
        """Merge dims start_dim..end_dim into one."""
        if self._data.ndim == 0:
            return self.reshape(1)
        start, end = self._axis(start_dim, "flatten"), self._axis(end_dim, "flatten")
        if start > end:
            raise ArgumentError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
        shape = self.shape
        return self.reshape(*shape[:start], -1 if self.numel() else 0, *shape[end + 1 :]) if start != end else self

    def unflatten(self, dim, sizes):
        axis = self._axis(dim, "unflatten")
        return self.reshape(*self.shape[:axis], *sizes, *self.shape[axis + 1 :])

    def squeeze(self, dim=None):
        """Drop dims of size 1 (all of them, or only those in dim; others are left alone)."""
        axes = range(self._data.ndim) if dim is None else self._axes(dim, "squeeze") or ()
        shape = [size for axis, size in enumerate(self.shape) if not (axis in axes and size == 1)]
        return self.reshape(*shape)

    def unsqueeze(self, dim):
        """Insert a dim of size 1 at position dim (-1 appends)."""
        ndim = self._data.ndim + 1
        if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
            raise TypeError(f"unsqueeze: dim must be an int, got {type(dim).__name__}")
        if not -ndim <= dim < ndim:
            raise IndexError(f"unsqueeze: dim {dim} is out of range for a tensor of shape {tuple(self.shape)}")
        axis = dim % ndim
        return self.reshape(*self.shape[:axis], 1, *self.shape[axis:])

    def permute(self, *dims):
        """Reorder dims: out.shape[i] = self.shape[dims[i]]."""
        dims = arguments.sizes(dims, "permute", "dims")
        axes = tuple(self._axis(d, "permute") for d in dims) if self._data.ndim else ()
        if sorted(axes) != list(range(self._data.ndim)):
            raise ShapeError(
                f"permute: dims {dims} are not a permutation of the {self.ndim} dims of shape {tuple(self.shape)}"
            )
        return movement.Permute.apply(self, axes)

    def transpose(self, dim0, dim1):
        """Swap two dims."""
        axes = list(range(self._data.ndim))
        first, second = self._axis(dim0, "transpose"), self._axis(dim1, "transpose")
        if self._data.ndim < 2:
            return self
        axes[first], axes[second] = axes[second], axes[first]
        return movement.Permute.apply(self, tuple(axes))

    swapaxes = transpose

    def t(self):
        if self._data.ndim > 2:
            raise ShapeError(f"t: expects a tensor with at most 2 dims, got shape {tuple(self.shape)}; use transpose")
        return self.transpose(0, 1) if self._data.ndim == 2 else self

    @property
    def T(self):
        """All dims reversed (the matrix transpose for 2-D tensors)."""
        return movement.Permute.apply(self, tuple(reversed(range(self._data.ndim))))

    @property
    def mT(self):
        """The last two dims swapped (a batch of matrix transposes)."""
        return self.transpose(-2, -1)

    def expand(self, *sizes):
        """Broadcast to a bigger shape without copying (-1 keeps a dim's size)."""
        sizes = arguments.sizes(sizes, "expand", "sizes")
        shape = self.shape
        if len(sizes) < len(shape):
            raise ShapeError(f"expand: target shape {sizes} has fewer dims than the tensor's shape {tuple(shape)}")
        offset = len(sizes) - len(shape)
        target = list(sizes)
        for axis, size in enumerate(shape):
            wanted = sizes[offset + axis]
            if wanted == -1:
                target[offset + axis] = size
            elif size != 1 and size != wanted:
                raise ShapeError(
                    f"expand: the expanded size {wanted} must match the existing size {size} at dim "
                    f"{axis} (from shape {tuple(shape)} to {sizes}); only dims of size 1 can grow"
                )
        if any(size < 0 for size in target):
            raise ShapeError(f"expand: -1 is only allowed for existing dims, got {sizes} for shape {tuple(shape)}")
        target = tuple(target)
        return self if target == shape else movement.Expand.apply(self, target)

    def expand_as(self, other):
        return self.expand(*other.shape)

    def contiguous(self):
        return self

    def __getitem__(self, index):
        """Indexing as numpy: ints, slices, None, ..., integer arrays/tensors and boolean masks.

        Gradient: scattered back to the picked positions; repeated indices add up.
        """
        return movement.GetItem.apply(self, _as_index(index, self))

    def split(self, split_size_or_sections, dim=0):
        """Pieces of size split_size (the last may be smaller) or of the given sizes, along dim."""
        axis = self._axis(dim, "split")
        length = self.shape[axis]
        if isinstance(split_size_or_sections, int):
            step = split_size_or_sections
            sizes = [min(step, length - start) for start in range(0, length, step)]
        else:
            sizes = list(split_size_or_sections)
            if sum(sizes) != length:
                raise ArgumentError(f"split: sizes {sizes} must add up to {length}, the length of dim {dim}")
        pieces, start = [], 0
        for size in sizes:
            index = (slice(None),) * axis + (slice(start, start + size),)
            pieces.append(self[index])
            start += size
        return tuple(pieces)

    def chunk(self, chunks, dim=0):
        length = self.shape[self._axis(dim, "chunk")]
        if chunks <= 0:
            raise ArgumentError(f"chunk: chunks must be greater than 0, got {chunks}")
        return self.split(-(-length // chunks) or 1, dim)

    # ----- rearranging and selecting: written in rearranging.py over indexing and where -------

    def flip(self, *dims):
        return rearranging.flip(self, dims[0] if len(dims) == 1 else dims)

    def roll(self, shifts, dims=None):
        return rearranging.roll(self, shifts, dims)

    def repeat(self, *sizes):
        return rearranging.repeat(self, *sizes)

    def repeat_interleave(self, repeats, dim=None, *, output_size=None):
        return rearranging.repeat_interleave(self, repeats, dim, output_size=output_size)

    def tril(self, diagonal=0):
        return rearranging.tril(self, diagonal)

    def triu(self, diagonal=0):
        return rearranging.triu(self, diagonal)

    def masked_fill(self, mask, value):
        return rearranging.masked_fill(self, mask, value)

    def masked_fill_(self, mask, value):
        """masked_fill in place."""
        if grad_mode._enabled and _recorded(self, value):
            return self._record_in_place(
                "masked_fill_", lambda old, value: rearranging.masked_fill(old, mask, value), value
            )
        return self.copy_(rearranging.masked_fill(self.detach(), mask, value))

    def sort(self, dim=-1, descending=False, stable=False):
        return rearranging.sort(self, dim, descending, stable)

    def argsort(self, dim=-1, descending=False, stable=False):
        return rearranging.argsort(self, dim, descending, stable)

    def topk(self, k, dim=-1, largest=True, sorted=True):
        return rearranging.topk(self, k, dim, largest, sorted)


def _raise_if_not_broadcastable(op, a_shape, b_shape):
    """A clear error when two shapes don't broadcast (instead of numpy's message)."""
    try:
        broadcast_shapes(a_shape, b_shape)
    except ShapeError as mismatch:
        raise ShapeError(f"{op}: {mismatch}") from None


def _array_on_device_of(tensor, other, op):
    """other's array, checked to live where tensor's does (else a RuntimeError naming both devices)."""
    both_numpy = type(other._data) is np.ndarray and type(tensor._data) is np.ndarray
    if not both_numpy and other.device != tensor.device:
        raise device_mismatch(op, [tensor.device, other.device])
    return other._data


def _recorded(tensor, *operands):
    """An in-place change is recorded in the graph when the tensor or an operand requires grad (grad mode on)."""
    return tensor._requires_grad or any(isinstance(operand, Tensor) and operand._requires_grad for operand in operands)


def _everywhere(tensor):
    """An all-True mask of tensor's shape: where(mask, new, old) replaces every value but keeps old in the graph."""
    return Tensor._make(backend_of(tensor._data).xp.ones(tensor.shape, dtype=bool))


def _scaled(other, alpha):
    return other if alpha == 1 else other * alpha


def _is_float(value):
    return isinstance(value, (float, np.floating)) or (isinstance(value, Tensor) and value.is_floating_point())


def to_common_dtype(tensors):
    """The tensors cast to their common dtype (PyTorch's promotion: float beats int, wider beats narrower)."""
    common = tensors[0]._data.dtype
    for tensor in tensors[1:]:
        common = dtypes.promote(common, tensor._data.dtype)
    target = dtypes.from_numpy_dtype(common)
    return [tensor._to_dtype(target) for tensor in tensors]


def _constructor_array(args, dtype, device):
    """What `Tensor(*args)` holds, read as torch.Tensor reads it: ints are a shape, anything else is data."""
    if device is None and arguments.get_default_device() != arguments.CPU:
        device = arguments.get_default_device()  # set_default_device applies to Tensor(...) too, as in PyTorch
    if not args or all(isinstance(arg, (int, np.integer)) and not isinstance(arg, bool) for arg in args):
        shape = arguments.shape(args, "Tensor") if args else (0,)
        array = np.zeros(shape, (dtypes.as_dtype(dtype) or dtypes.get_default_dtype()).numpy)
        return array if device is None else to_device(array, device)
    if len(args) > 1:
        raise TypeError(f"Tensor: expected data or ints (a shape), got {len(args)} arguments {args!r}")
    data = args[0]
    if dtype is None and not isinstance(data, Tensor):
        dtype = dtypes.get_default_dtype()  # Tensor([1, 2]) is float32, as torch.Tensor (tensor() infers int64)
    return _as_array(data, dtype, device)


def _as_array(data, dtype=None, device=None):
    """Turn user data (a Tensor, an array, nested lists, a number) into an array of a supported dtype."""
    dtype = dtypes.as_dtype(dtype)
    if isinstance(data, Tensor):
        array = data._data.astype(dtype.numpy if dtype else data._data.dtype, copy=True)
    elif hasattr(data, "__array_namespace__") and not isinstance(data, (np.ndarray, np.generic)):  # a CuPy array
        array = data.astype(dtype.numpy if dtype else data.dtype, copy=True)
    else:
        try:
            numpy_dtype = dtype.numpy if dtype else dtypes.infer_numpy_dtype(data)
            array = np.array(data, dtype=numpy_dtype)
        except (ValueError, TypeError) as error:
            raise TypeError(
                f"tensor: can't make a tensor from {type(data).__name__} data: {error}. Pass a number, "
                "a (nested) list of numbers with a regular shape, or a numpy array"
            ) from None
    dtypes.from_numpy_dtype(array.dtype)  # raises for unsupported dtypes (complex, strings, objects)
    if device is not None:
        array = to_device(array, device)
    return array


def _as_index(index, tensor):
    """An index with Tensors, lists and numpy arrays turned into arrays on the tensor's device
    (a CPU index may pick from a GPU tensor, as in PyTorch)."""
    parts = index if isinstance(index, tuple) else (index,)
    if not any(isinstance(part, (Tensor, list, np.ndarray)) for part in parts):
        return index
    data = tensor._data
    device = backend_of(data).device_of(data)

    def convert(part):
        if isinstance(part, Tensor):
            part = part._data
        elif isinstance(part, list):
            part = np.asarray(part)
        elif not isinstance(part, np.ndarray):
            return part
        return part if type(part) is type(data) else to_device(part, device)

    converted = tuple(convert(part) for part in parts)
    return converted if isinstance(index, tuple) else converted[0]


from . import autograd, rearranging, tensor_types  # noqa: E402  (these modules import Tensor from here)
from .ops import elementwise, movement, reduce  # noqa: E402
from .ops import matmul as matmul_ops  # noqa: E402
