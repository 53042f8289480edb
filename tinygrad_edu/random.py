"""Random numbers: one generator per device, all reset by `manual_seed` for reproducible runs.

Random factories (`rand`, `randn`, `randint`), `nn.init`, dropout and `DataLoader(shuffle=True)`
all draw from `generator(device)`, so one `manual_seed(0)` makes a whole training run repeatable.
"""

import numpy as np

from .arguments import CPU, as_device
from .backend import backend_for

_seed = None
_generators = {}


def manual_seed(seed):
    """Reset every device's generator from `seed` (an int), as torch.manual_seed."""
    global _seed
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        raise TypeError(f"manual_seed: seed must be an int, got {type(seed).__name__}")
    _seed = int(seed)
    _generators.clear()


def initial_seed():
    """The seed last given to `manual_seed` (None when never seeded: then generators use OS entropy)."""
    return _seed


def generator(device=CPU):
    """The generator for `device`, created from the current seed on first use."""
    device = as_device(device, CPU)
    key = (device.type, device.index or 0)
    rng = _generators.get(key)
    if rng is None:
        seed = None if _seed is None else [_seed, key[1]]
        rng = _generators[key] = backend_for(device).new_generator(seed, device)
    return rng


def sampling_dtype(numpy_dtype):
    """The dtype to sample `numpy_dtype` values in: generators make float32 or float64, so other
    float dtypes (float16) are sampled in float32 and cast."""
    return numpy_dtype if numpy_dtype in (np.float32, np.float64) else np.float32
