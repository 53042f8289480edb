"""Random numbers: one generator per device, all reset by `manual_seed` for reproducible runs.

Random factories (`rand`, `randn`, `randint`), `nn.init`, dropout and `DataLoader(shuffle=True)`
all draw from `generator(device)`, so one `manual_seed(0)` makes a whole training run repeatable.
`Generator` is a generator of one's own, as torch.Generator, for the data utilities' `generator=`.
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


class Generator:
    """A CPU random generator of one's own, as torch.Generator: `Generator().manual_seed(42)`.

    Pass it as `generator=` to DataLoader, random_split and the samplers to fix their order without
    touching the global seed. As in PyTorch, an unseeded Generator starts from the same default seed
    (67280421310721) every run. The orders differ from PyTorch's (numpy's PCG64 draws them, not
    PyTorch's Mersenne Twister); equal seeds give equal orders.

    >>> Generator().manual_seed(0).permutation(5).tolist() == Generator().manual_seed(0).permutation(5).tolist()
    True
    """

    DEFAULT_SEED = 67280421310721  # torch.Generator().initial_seed()

    def __init__(self, device=CPU):
        self.device = as_device(device, CPU)
        if self.device.type != "cpu":
            raise RuntimeError(
                f"Generator: only 'cpu' generators exist here, got device {self.device}; the data utilities shuffle "
                "on the CPU, and random tensors on a GPU come from tinygrad_edu.manual_seed's per-device generators"
            )
        self.manual_seed(self.DEFAULT_SEED)

    def manual_seed(self, seed):
        """Restart from `seed` (an int; negative ones wrap modulo 2**64, as PyTorch's). Returns the generator."""
        if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
            raise RuntimeError(f"Generator.manual_seed: expected an int seed, got {type(seed).__name__}")
        self._seed = int(seed) % 2**64
        self._numpy = np.random.default_rng(self._seed)
        return self

    def seed(self):
        """Restart from a fresh seed taken from the operating system's entropy, and return it."""
        return self.manual_seed(int(np.random.SeedSequence().entropy) % 2**64).initial_seed()

    def initial_seed(self):
        """The seed this generator last started from."""
        return self._seed

    def permutation(self, n):
        """A random order of range(n), as a numpy int64 array (what shuffling draws)."""
        return self._numpy.permutation(n)

    def integers(self, low, high, size=None):
        """Random ints in [low, high), as numpy's Generator.integers (what sampling with replacement draws)."""
        return self._numpy.integers(low, high, size=size)

    def __repr__(self):
        return f"tinygrad_edu.Generator(device='{self.device}', initial_seed={self._seed})"


def sampling_dtype(numpy_dtype):
    """The dtype to sample `numpy_dtype` values in: generators make float32 or float64, so other
    float dtypes (float16) are sampled in float32 and cast."""
    return numpy_dtype if numpy_dtype in (np.float32, np.float64) else np.float32
