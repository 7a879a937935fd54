"""Writes .npy files, good and broken, without NumPy (for attn-run's input tests).

usage: make_npy.py PATH KIND DIMS    e.g. make_npy.py x.npy f4 1x8x16x64
KIND: f4 | f8 | i4 | i2 | fortran | badmagic | truncated | trailing | noshape | nodata
      (the header alone, for shapes too large to write) | nan (f4, one NaN) | f2 (float16)
      | v2 / u2 (bfloat16 bits, as ml_dtypes' '<V2' / as '<u2')
"""
import struct
import sys

path, kind, dims = sys.argv[1], sys.argv[2], sys.argv[3]
shape = tuple(int(d) for d in dims.split("x")) if dims else ()
count = 1
for d in shape:
    count *= d
descr = {"f8": "<f8", "i4": "<i4", "i2": "<i2", "f2": "<f2", "v2": "<V2", "u2": "<u2"}.get(kind, "<f4")
size = {"<f8": 8, "<i2": 2, "<f2": 2, "<V2": 2, "<u2": 2}.get(descr, 4)
shape_text = "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"
fortran = "True" if kind == "fortran" else "False"
header = "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }" % (descr, fortran, shape_text)
if kind == "noshape":
    header = "{'descr': '%s', 'fortran_order': False, }" % descr
header += " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
magic = b"\x93NUMPY" if kind != "badmagic" else b"\x93NUMPX"
data = bytearray()
for i in range(0 if kind == "nodata" else count):
    x = ((i * 37) % 11 - 5) / 7.0
    if descr == "<f2":
        data += struct.pack("<e", x)
    elif descr in ("<V2", "<u2"):  # bf16 bits: the upper half of the f32 (truncated)
        data += struct.pack("<f", x)[2:]
    else:
        data += struct.pack("<d", x) if size == 8 else struct.pack("<h", i % 7) if size == 2 else (
            struct.pack("<i", i % 7) if descr == "<i4" else struct.pack("<f", x))
if kind == "nan":
    data[0:4] = struct.pack("<f", float("nan"))
if kind == "truncated":
    data = data[: len(data) // 2]
if kind == "trailing":
    data += b"\0\0\0\0"
with open(path, "wb") as f:
    f.write(magic + b"\x01\x00" + struct.pack("<H", len(header)) + header.encode() + data)
