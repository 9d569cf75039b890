"""Tests for the IDX reader and writer."""

import gzip

import numpy as np
import pytest

from keras_gen.data import IdxFormatError, read_idx, write_idx
from keras_gen.data.idx import parse_idx


def test_write_then_read_round_trips(tmp_path):
    for dtype in [np.uint8, np.int32, np.float32]:
        array = (np.arange(3 * 5 * 4) % 200).reshape(3, 5, 4).astype(dtype)
        for file_name in ["images-idx3-ubyte", "images-idx3-ubyte.gz"]:
            write_idx(tmp_path / file_name, array)
            back = read_idx(tmp_path / file_name)
            assert back.dtype == np.dtype(dtype) and back.dtype.isnative
            np.testing.assert_array_equal(back, array)


def test_header_is_big_endian():
    raw = bytes([0, 0, 0x08, 2, 0, 0, 0, 1, 0, 0, 1, 0]) + bytes(range(256))
    assert parse_idx(raw).shape == (1, 256)


def test_corrupt_files_raise_clear_errors(tmp_path):
    not_idx = tmp_path / "bad-idx1-ubyte"
    not_idx.write_bytes(b"PK\x03\x04 not an idx file")
    with pytest.raises(IdxFormatError, match=r"not an IDX file.*magic number"):
        read_idx(not_idx)

    truncated = tmp_path / "labels-idx1-ubyte"
    write_idx(truncated, np.arange(10, dtype=np.uint8))
    truncated.write_bytes(truncated.read_bytes()[:-3])
    with pytest.raises(IdxFormatError, match=r"needs exactly 18.*truncated or corrupt"):
        read_idx(truncated)

    bad_gzip = tmp_path / "labels-idx1-ubyte.gz"
    bad_gzip.write_bytes(
        gzip.compress(b"\x00\x00\x08\x01\x00\x00\x00\x05abcde")[:-8] + b"garbage!"
    )
    with pytest.raises(IdxFormatError, match="corrupt"):
        read_idx(bad_gzip)


def test_write_rejects_unsupported_dtype(tmp_path):
    with pytest.raises(ValueError, match=r"cannot store dtype int64.*astype"):
        write_idx(tmp_path / "x-idx1-ubyte", np.arange(3, dtype=np.int64))
