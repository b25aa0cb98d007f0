#!/usr/bin/env python3
"""Writes the NumPy fixtures NumPyFilesTests reads, with NumPy itself.

Run from anywhere: python3 Tests/NumPyFilesTests/Fixtures/make_fixtures.py
Every array is small and its values are simple formulas the tests recompute
(arange-based), so the tests check values, not only shapes.
"""
import os
import numpy as np

here = os.path.dirname(os.path.abspath(__file__))


def path(name):
    return os.path.join(here, name)


def write(name, array, version):
    with open(path(name), "wb") as f:
        np.lib.format.write_array(f, array, version=version, allow_pickle=False)


# One file per supported dtype, format version 1.0.
write("f4.npy", (np.arange(6, dtype=np.float32) * 0.5 - 1).reshape(2, 3), (1, 0))
write("f8.npy", np.arange(4, dtype=np.float64) / 3, (1, 0))
write("i4.npy", (np.arange(4, dtype=np.int32) - 2).reshape(2, 2), (1, 0))
write("i8.npy", np.array([-(2**40), 0, 2**40], dtype=np.int64), (1, 0))
write("u1.npy", np.arange(250, 255, dtype=np.uint8), (1, 0))
write("b1.npy", np.array([[True, False], [False, True]]), (1, 0))
# Versions 2.0 and 3.0 of the header (4-byte length; 3.0 is UTF-8).
write("v2.npy", np.arange(24, dtype=np.float32).reshape(2, 3, 4), (2, 0))
write("v3.npy", np.arange(5, dtype=np.int64), (3, 0))
# A 0-d array and an empty one.
write("scalar.npy", np.array(7.25, dtype=np.float64), (1, 0))
write("empty.npy", np.zeros((0, 3), dtype=np.float32), (1, 0))

# Archives as np.savez and np.savez_compressed write them.
arrays = dict(
    x_train=np.arange(2 * 3 * 4, dtype=np.float32).reshape(2, 3, 4) / 10,
    y_train=np.array([[0, 1, 2], [2, 1, -1]], dtype=np.int64),
    len_train=np.array([3, 2], dtype=np.int32),
)
np.savez(path("savez.npz"), **arrays)
np.savez_compressed(path("savez_compressed.npz"), **arrays)

# Inputs the reader must refuse, each with one clear line.
write("big_endian.npy", np.arange(3, dtype=">f4"), (1, 0))
write("fortran.npy", np.asfortranarray(np.arange(6, dtype=np.float32).reshape(2, 3)), (1, 0))
with open(path("object.npy"), "wb") as f:
    np.lib.format.write_array(f, np.array([1, "a"], dtype=object), version=(1, 0), allow_pickle=True)
write("unicode.npy", np.array(["ab", "c"]), (1, 0))
with open(path("f4.npy"), "rb") as f:
    whole = f.read()
with open(path("truncated.npy"), "wb") as f:
    f.write(whole[:-5])
with open(path("not_numpy.npy"), "wb") as f:
    f.write(b"hello, this is not an array\n")
with open(path("not_zip.npz"), "wb") as f:
    f.write(b"PK but not really a zip archive")
