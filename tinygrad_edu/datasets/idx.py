"""The IDX file format of MNIST-style datasets, read in one vectorised step (`np.frombuffer`).

An IDX file is a 4-byte magic number (two zero bytes, a type code, the number of dimensions),
one big-endian uint32 per dimension, then the values in C order, big-endian. Files may be gzipped.
http://yann.lecun.com/exdb/mnist/ describes it.

The header is trusted for nothing: its sizes are multiplied in Python integers (no overflow), and
the values are read in chunks that stop one byte past the size it promises, so a gzip bomb (a small
.gz that inflates to gigabytes) costs no more memory than the array the header describes.
"""

import gzip
import struct
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
CHUNK_BYTES = 1 << 20  # values are read this much at a time


class IDXError(ValueError):
    """An IDX file that is truncated, corrupt, or not the array we expected."""


def read_idx(path):
    """The array stored in the IDX file at `path` (gzipped when the name ends in .gz), in native byte order."""
    path = Path(path)
    with _open(path) as file:
        try:
            return _read_array(path, file)
        except (OSError, EOFError, zlib.error) as error:  # what gzip raises on a damaged stream
            raise IDXError(
                f"{path}: not a valid gzip file ({error}); it is truncated or corrupt, download it again"
            ) from None


def _read_array(path, file):
    magic = file.read(4)
    if len(magic) < 4:
        raise IDXError(f"{path}: only {len(magic)} bytes, too short for an IDX header; the file is truncated")
    zero_bytes, type_code, ndim = magic[:2], magic[2], magic[3]
    if zero_bytes != b"\x00\x00" or type_code not in IDX_DTYPES:
        raise IDXError(
            f"{path}: bad magic number 0x{magic.hex()} (expected 0x0000TTDD with type TT one of "
            f"{', '.join(f'{code:02x}' for code in IDX_DTYPES)}); this is not an IDX file or it is corrupt"
        )
    dimensions = file.read(4 * ndim)
    if len(dimensions) < 4 * ndim:
        raise IDXError(
            f"{path}: the header lists {ndim} dimensions but the file ends after {4 + len(dimensions)} bytes"
        )
    shape = struct.unpack(f">{ndim}I", dimensions)
    dtype = IDX_DTYPES[type_code]
    data_size = dtype.itemsize
    for size in shape:
        data_size *= size  # Python integers: (2**31, 2**31, 4) is 2**64 bytes here, not an overflowed int64
    if data_size > np.iinfo(np.intp).max:
        raise IDXError(
            f"{path}: the header's shape {shape} of {dtype.name} needs {data_size} bytes, more than any array "
            "can hold; the file is corrupt, download it again"
        )
    data = _read_at_most(file, data_size + 1)  # one byte more than promised tells "extra bytes" from "exact"
    if len(data) != data_size:
        problem = "is truncated" if len(data) < data_size else "has extra bytes at the end"
        found = f"{len(data)} bytes of values" if len(data) < data_size else "more"
        raise IDXError(
            f"{path}: shape {shape} of {dtype.name} needs {data_size} bytes of values but the file has {found}: "
            f"it {problem}; download it again"
        )
    values = np.frombuffer(data, dtype=dtype).reshape(shape)
    return values.astype(dtype.newbyteorder("="))


def _read_at_most(file, limit):
    """Up to `limit` bytes of `file`, read in chunks: memory follows what the file holds, never more than `limit`."""
    data = bytearray()
    while len(data) < limit:
        chunk = file.read(min(CHUNK_BYTES, limit - len(data)))
        if not chunk:
            break
        data += chunk
    return data


def _open(path):
    """`path` opened for reading bytes (through gzip for .gz), with messages that say what is wrong."""
    try:
        return gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb")
    except FileNotFoundError:
        raise FileNotFoundError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise IsADirectoryError(f"{path}: is a directory, not an IDX file") from None
    except PermissionError:
        raise PermissionError(f"{path}: permission denied; make the file readable (chmod a+r) or copy it") from None


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
