"""The IDX file format of MNIST-style datasets, read in one vectorised step (`np.frombuffer`).

An IDX file is a 4-byte magic number (two zero bytes, a type code, the number of dimensions),
one big-endian uint32 per dimension, then the values in C order, big-endian. Files may be gzipped.
http://yann.lecun.com/exdb/mnist/ describes it.
"""

import gzip
import zlib
from pathlib import Path

import numpy as np

# IDX type code -> the big-endian dtype of the values.
IDX_DTYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


class IDXError(ValueError):
    """An IDX file that is truncated, corrupt, or not the array we expected."""


def read_idx(path):
    """The array stored in the IDX file at `path` (gzipped when the name ends in .gz), in native byte order."""
    path = Path(path)
    raw = _read_bytes(path)
    if len(raw) < 4:
        raise IDXError(f"{path}: only {len(raw)} bytes, too short for an IDX header; the file is truncated")
    zero_bytes, type_code, ndim = raw[:2], raw[2], raw[3]
    if zero_bytes != b"\x00\x00" or type_code not in IDX_DTYPES:
        raise IDXError(
            f"{path}: bad magic number 0x{raw[:4].hex()} (expected 0x0000TTDD with type TT one of "
            f"{', '.join(f'{code:02x}' for code in IDX_DTYPES)}); this is not an IDX file or it is corrupt"
        )
    header_size = 4 + 4 * ndim
    if len(raw) < header_size:
        raise IDXError(f"{path}: the header lists {ndim} dimensions but the file ends after {len(raw)} bytes")
    shape = tuple(int(size) for size in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    dtype = IDX_DTYPES[type_code]
    expected_size = header_size + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(raw) != expected_size:
        problem = "truncated" if len(raw) < expected_size else "has extra bytes at the end"
        raise IDXError(
            f"{path}: shape {shape} of {dtype.name} needs {expected_size} bytes but the file has {len(raw)}: "
            f"it is {problem}; download it again"
        )
    values = np.frombuffer(raw, dtype=dtype, offset=header_size).reshape(shape)
    return values.astype(dtype.newbyteorder("="))


def _read_bytes(path):
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    if path.suffix != ".gz":
        return path.read_bytes()
    try:
        with gzip.open(path, "rb") as file:
            return file.read()
    except (OSError, EOFError, zlib.error) as error:
        raise IDXError(
            f"{path}: not a valid gzip file ({error}); it is truncated or corrupt, download it again"
        ) from None


def write_idx(path, array):
    """Write `array` as an IDX file (gzipped when the name ends in .gz): the inverse of `read_idx`."""
    array = np.asarray(array)
    type_code = next((code for code, dtype in IDX_DTYPES.items() if dtype.newbyteorder("=") == array.dtype), None)
    if type_code is None:
        raise TypeError(
            f"write_idx: IDX has no type for {array.dtype}; use uint8, int8, int16, int32, float32 or float64"
        )
    header = bytes([0, 0, type_code, array.ndim]) + np.asarray(array.shape, dtype=">u4").tobytes()
    content = header + array.astype(IDX_DTYPES[type_code]).tobytes()
    path = Path(path)
    path.write_bytes(gzip.compress(content) if path.suffix == ".gz" else content)
