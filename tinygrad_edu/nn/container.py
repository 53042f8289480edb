"""Containers: `Sequential` runs its modules in order; `ModuleList` holds modules for your own forward."""

import collections
import operator

from .module import Module


def _index(index, length, container):
    """A non-negative position for index (negative counts from the end), or an IndexError."""
    index = operator.index(index)
    if not -length <= index < length:
        raise IndexError(f"{container}: index {index} is out of range for {length} modules")
    return index % length


class Sequential(Module):
    """`Sequential(Linear(784, 256), ReLU(), Linear(256, 10))`: forward feeds each module's output to the
    next. Children are named "0", "1", ... (state_dict keys "0.weight"), or by an OrderedDict's keys.
    """

    def __init__(self, *modules):
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], collections.OrderedDict):
            for name, module in modules[0].items():
                self.add_module(name, module)
        else:
            for position, module in enumerate(modules):
                self.add_module(str(position), module)

    def forward(self, input):
        for module in self._modules.values():
            input = module(input)
        return input

    def __getitem__(self, index):
        """An int gives that module; a slice gives a new Sequential of those modules (same objects)."""
        modules = list(self._modules.items())
        if isinstance(index, slice):
            return Sequential(collections.OrderedDict(modules[index]))
        return modules[_index(index, len(modules), "Sequential")][1]

    def __setitem__(self, index, module):
        name = list(self._modules)[_index(index, len(self._modules), "Sequential")]
        setattr(self, name, module)

    def __delitem__(self, index):
        names = list(self._modules)
        doomed = names[index] if isinstance(index, slice) else [names[_index(index, len(names), "Sequential")]]
        for name in doomed:
            del self._modules[name]
        modules = list(self._modules.values())
        self._modules.clear()  # renumber "0", "1", ... as PyTorch does
        for position, module in enumerate(modules):
            self.add_module(str(position), module)

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def append(self, module):
        self.add_module(str(len(self)), module)
        return self


class ModuleList(Module):
    """A list of modules that registers them (plain Python lists hide modules from parameters())."""

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def __getitem__(self, index):
        modules = list(self._modules.values())
        if isinstance(index, slice):
            return ModuleList(modules[index])
        return modules[_index(index, len(modules), "ModuleList")]

    def __setitem__(self, index, module):
        setattr(self, str(_index(index, len(self), "ModuleList")), module)

    def __delitem__(self, index):
        modules = list(self._modules.values())
        if isinstance(index, slice):
            del modules[index]
        else:
            del modules[_index(index, len(modules), "ModuleList")]
        self._modules.clear()  # renumber "0", "1", ... as PyTorch does
        self.extend(modules)

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def __iadd__(self, modules):
        return self.extend(modules)

    def append(self, module):
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules):
        for module in modules:
            self.append(module)
        return self

    def insert(self, index, module):
        modules = list(self._modules.values())
        modules.insert(index, module)
        self._modules.clear()
        self.extend(modules)

    def forward(self, *args, **kwargs):
        raise NotImplementedError("ModuleList has no forward: iterate over it in your own module's forward")
