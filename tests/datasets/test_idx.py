"""IDX parsing on small generated files: good (raw and .gz), truncated, bad magic, wrong dims."""

import builtins
import gzip
import os
import tracemalloc
import zlib

import numpy as np
import pytest

from tinygrad_edu.datasets import IDXError, read_idx, write_idx


@pytest.mark.parametrize("suffix", ["", ".gz"])
@pytest.mark.parametrize(
    "array",
    [
        np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4),
        np.array([7, 0, 9], dtype=np.uint8),
        np.array([[-1, 300], [5, -70000]], dtype=np.int32),
        np.array([1.5, -2.25], dtype=np.float32),
        np.zeros((0, 28, 28), dtype=np.uint8),
    ],
)
def test_round_trip(tmp_path, array, suffix):
    path = tmp_path / f"data-idx{array.ndim}-ubyte{suffix}"
    write_idx(path, array)
    loaded = read_idx(path)
    assert loaded.dtype == array.dtype and loaded.dtype.isnative
    np.testing.assert_array_equal(loaded, array)
    loaded[...] = 0  # a writable copy, not a view of the file's bytes


def test_reads_the_big_endian_layout_of_the_specification(tmp_path):
    path = tmp_path / "labels-idx1-ubyte"
    path.write_bytes(bytes([0, 0, 0x0C, 1, 0, 0, 0, 2]) + (258).to_bytes(4, "big") + (1).to_bytes(4, "big"))
    assert read_idx(path).tolist() == [258, 1]


def header(type_code, *shape):
    return bytes([0, 0, type_code, len(shape)]) + np.asarray(shape, dtype=">u4").tobytes()


@pytest.mark.parametrize(
    "content, message",
    [
        (
            header(0x08, 2, 28, 28) + bytes(100),
            r"needs 1568 bytes of values but the file has 100 bytes of values: it is truncated",
        ),
        (header(0x08, 3) + bytes(4), "has extra bytes at the end"),
        (b"\x1f\x8b\x08\x00" + bytes(20), "bad magic number 0x1f8b0800"),
        (bytes([0, 0, 0x07, 1]) + bytes(8), "bad magic number 0x00000701"),
        (header(0x08, 60000, 28, 28)[:10], "header lists 3 dimensions but the file ends after 10 bytes"),
        (b"\x00\x00", "too short for an IDX header"),
    ],
)
def test_bad_files_raise_errors_naming_the_file_and_the_problem(tmp_path, content, message):
    path = tmp_path / "broken-idx3-ubyte"
    path.write_bytes(content)
    with pytest.raises(IDXError, match=message) as error:
        read_idx(path)
    assert str(path) in str(error.value)


def test_truncated_and_corrupt_gzip_files_are_named(tmp_path):
    packed = gzip.compress(header(0x08, 4) + bytes(4))
    for name, content in [("cut.gz", packed[: len(packed) // 2]), ("garbage.gz", b"not gzip at all")]:
        path = tmp_path / name
        path.write_bytes(content)
        with pytest.raises(IDXError, match="not a valid gzip file") as error:
            read_idx(path)
        assert str(path) in str(error.value)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="missing-idx1-ubyte"):
        read_idx(tmp_path / "missing-idx1-ubyte")


def test_write_idx_rejects_types_idx_cannot_hold(tmp_path):
    with pytest.raises(TypeError, match="IDX has no type for int64"):
        write_idx(tmp_path / "x", np.zeros(3, dtype=np.int64))


def gzip_bomb(path, claimed_images, inflated_bytes):
    """A .gz whose IDX header promises `claimed_images` 28x28 images but which inflates to `inflated_bytes` more."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # wbits 31: the gzip container
    pieces = [compressor.compress(header(0x08, claimed_images, 28, 28))]
    zeros = bytes(1 << 20)
    pieces += [compressor.compress(zeros) for _ in range(inflated_bytes >> 20)]
    path.write_bytes(b"".join(pieces) + compressor.flush())


def test_a_gzip_bomb_is_stopped_just_past_the_promised_size(tmp_path):
    path = tmp_path / "bomb-idx3-ubyte.gz"
    gzip_bomb(path, claimed_images=1, inflated_bytes=256 << 20)
    assert path.stat().st_size < 1 << 20
    tracemalloc.start()
    try:
        with pytest.raises(IDXError, match=r"needs 784 bytes of values but the file has more: it has extra bytes"):
            read_idx(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16 << 20, f"reading a 256 MiB bomb took {peak / 2**20:.0f} MiB"


@pytest.mark.parametrize("shape", [(2**31, 2**31, 4), (2**32 - 1,) * 4, (2**32 - 1, 2**32 - 1, 2**32 - 1)])
def test_header_dimensions_whose_product_overflows_are_refused(tmp_path, shape):
    path = tmp_path / "huge-idx3-ubyte"
    path.write_bytes(header(0x08, *shape) + bytes(16))
    with pytest.raises(IDXError, match=r"needs \d+ bytes, more than any array can hold; the file is corrupt"):
        read_idx(path)


def test_an_unreadable_file_is_reported_as_unreadable_not_corrupt(tmp_path, monkeypatch):
    path = tmp_path / "secret-idx1-ubyte.gz"
    write_idx(path, np.arange(3, dtype=np.uint8))
    path.chmod(0)
    if os.geteuid() == 0:  # root reads any file: refuse the way the kernel refuses everyone else
        real_open = builtins.open

        def open_as_unprivileged_user(file, *args, **kwargs):
            if os.fspath(file) == str(path):
                raise PermissionError(13, "Permission denied", str(path))
            return real_open(file, *args, **kwargs)

        monkeypatch.setattr(builtins, "open", open_as_unprivileged_user)
    with pytest.raises(PermissionError, match=r"secret-idx1-ubyte.gz: permission denied; make the file readable"):
        read_idx(path)


def test_a_directory_is_not_an_idx_file(tmp_path):
    (tmp_path / "folder-idx1-ubyte").mkdir()
    with pytest.raises(IsADirectoryError, match="folder-idx1-ubyte: is a directory, not an IDX file"):
        read_idx(tmp_path / "folder-idx1-ubyte")
