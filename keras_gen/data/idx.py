"""Reads and writes the IDX format used by MNIST and Fashion-MNIST.

An IDX file is a 4-byte magic number (two zero bytes, a type code, the number of
dimensions), one big-endian uint32 per dimension, then the values in C order.
See http://yann.lecun.com/exdb/mnist/ ("THE IDX FILE FORMAT").
"""

from __future__ import annotations

import gzip
import os
import struct
import zlib

import numpy as np

# Type code (third magic byte) -> big-endian NumPy dtype.
IDX_DTYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


class IdxFormatError(ValueError):
    """Raised when a file is not a valid IDX file (bad magic number or size)."""


def parse_idx(raw: bytes, *, source: str = "<bytes>") -> np.ndarray:
    """Decodes the bytes of an (uncompressed) IDX file into a NumPy array.

    Args:
        raw: the file's bytes.
        source: where the bytes came from, used in error messages.

    Returns:
        An array with the file's shape and a native-endian dtype.

    Example:
    >>> parse_idx(bytes([0, 0, 8, 1, 0, 0, 0, 2, 7, 9]))
    array([7, 9], dtype=uint8)
    """
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in IDX_DTYPES:
        raise IdxFormatError(
            f"{source} is not an IDX file: its magic number is 0x{raw[:4].hex() or 'empty'}; "
            "expected two zero bytes, a type code (0x08 for unsigned bytes) and the "
            "number of dimensions. Download the file again."
        )
    dtype = IDX_DTYPES[raw[2]]
    ndim = raw[3]
    header_size = 4 + 4 * ndim
    if len(raw) < header_size:
        raise IdxFormatError(
            f"{source} is truncated: its header declares {ndim} dimensions "
            f"({header_size} bytes) but the file has {len(raw)} bytes. Download it again."
        )
    shape = struct.unpack(f">{ndim}I", raw[4:header_size])
    expected_size = header_size + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(raw) != expected_size:
        raise IdxFormatError(
            f"{source} has {len(raw)} bytes, but its header (shape {shape}, {dtype.name}) "
            f"needs exactly {expected_size}; the file is truncated or corrupt. Download it again."
        )
    values = np.frombuffer(raw, dtype=dtype, offset=header_size)
    return values.reshape(shape).astype(dtype.newbyteorder("="))


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Reads an IDX file, gzip-compressed when its name ends in `.gz`.

    Args:
        path: the file, e.g. `train-images-idx3-ubyte.gz`.

    Example:
    >>> images = read_idx("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz")
    >>> images.shape
    (10000, 28, 28)
    """
    path = os.fspath(path)
    opener = gzip.open if path.endswith(".gz") else open
    try:
        with opener(path, "rb") as file:
            raw = file.read()
    except (EOFError, zlib.error, gzip.BadGzipFile) as err:
        raise IdxFormatError(
            f"Cannot decompress {path}: {err}. The file is truncated or corrupt; "
            "download it again."
        ) from err
    return parse_idx(raw, source=path)


def write_idx(path: str | os.PathLike, array: np.ndarray) -> None:
    """Writes `array` as an IDX file, gzip-compressed when `path` ends in `.gz`.

    Args:
        path: the file to write.
        array: any array whose dtype is one of uint8, int8, int16, int32,
            float32, float64.

    Example:
    >>> write_idx("/tmp/labels-idx1-ubyte", np.array([3, 1], np.uint8))
    """
    array = np.asarray(array)
    codes = {(dtype.kind, dtype.itemsize): code for code, dtype in IDX_DTYPES.items()}
    code = codes.get((array.dtype.kind, array.dtype.itemsize))
    if code is None:
        raise ValueError(
            f"IDX cannot store dtype {array.dtype}; expected one of uint8, int8, int16, "
            "int32, float32, float64. Convert first, e.g. array.astype(np.uint8)."
        )
    header = bytes([0, 0, code, array.ndim]) + struct.pack(
        f">{array.ndim}I", *array.shape
    )
    body = np.ascontiguousarray(array, dtype=IDX_DTYPES[code]).tobytes()
    path = os.fspath(path)
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "wb") as file:
        file.write(header + body)
