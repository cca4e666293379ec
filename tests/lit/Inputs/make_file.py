"""make_file.py KIND OUT: writes a weights (.safetensors) or tensor (.npy)
file for small.kiln, correct or broken in one way. Standard library only."""
import json
import struct
import sys

SMALL = {"c.weight": [2, 1, 3, 3], "c.bias": [2], "b.running_mean": [2], "b.running_var": [2],
         "b.weight": [2], "b.bias": [2]}


def count(shape):
    n = 1
    for d in shape:
        n *= d
    return n


def safetensors(tensors, cut=0, header_override=None):
    """tensors: name -> (dtype, shape, element size)."""
    header, offset = {}, 0
    for name, (dtype, shape, size) in tensors.items():
        nbytes = count(shape) * size
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + nbytes]}
        offset += nbytes
    text = header_override if header_override is not None else json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    blob = struct.pack("<Q", len(text)) + text + bytes(b"\x00\x00\x80\x3f" * (offset // 4))
    return blob[:len(blob) - cut] if cut else blob


def f32(**changes):
    tensors = {name: ("F32", shape, 4) for name, shape in SMALL.items()}
    tensors.update(changes)
    return {k: v for k, v in tensors.items() if v is not None}


def npy(descr="<f4", shape=(1, 1, 4, 4), fortran=False, version=1, cut=0, data_count=None):
    header = "{'descr': '%s', 'fortran_order': %s, 'shape': (%s), }" % (
        descr, "True" if fortran else "False", ", ".join(map(str, shape)) + ("," if len(shape) == 1 else ""))
    size_field = 4 if version >= 2 else 2
    pad = -(10 + size_field - 2 + len(header) + 1) % 64
    header += " " * pad + "\n"
    prefix = b"\x93NUMPY" + bytes([version, 0]) + len(header).to_bytes(size_field, "little")
    n = count(shape) if data_count is None else data_count
    item = 8 if descr.endswith("8") else 4
    blob = prefix + header.encode() + bytes(n * item)
    return blob[:len(blob) - cut] if cut else blob


KINDS = {
    "good.safetensors": lambda: safetensors(f32()),
    "missing.safetensors": lambda: safetensors(f32(**{"c.bias": None})),
    "misshaped.safetensors": lambda: safetensors(f32(**{"c.weight": ("F32", [2, 1, 2, 2], 4)})),
    "extra.safetensors": lambda: safetensors(f32(other=("F32", [3], 4))),
    "counter.safetensors": lambda: safetensors(f32(**{"b.num_batches_tracked": ("I64", [], 8)})),
    "f64.safetensors": lambda: safetensors(f32(**{"c.bias": ("F64", [2], 8)})),
    "truncated.safetensors": lambda: safetensors(f32(), cut=10),
    "short.safetensors": lambda: b"\x01\x02\x03",
    "huge_header.safetensors": lambda: struct.pack("<Q", 1 << 40) + b"{}",
    "not_json.safetensors": lambda: safetensors({}, header_override=b"{not json"),
    "overlap.safetensors": lambda: safetensors({}, header_override=json.dumps({
        "c.weight": {"dtype": "F32", "shape": [2, 1, 3, 3], "data_offsets": [0, 72]},
        "c.bias": {"dtype": "F32", "shape": [2], "data_offsets": [64, 72]}}).encode()) + bytes(72),
    "duplicate.safetensors": lambda: safetensors({}, header_override=(
        '{"c.bias": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, '
        '"c.bias": {"dtype": "F32", "shape": [2], "data_offsets": [8, 16]}}').encode()) + bytes(16),
    "absurd_shape.safetensors": lambda: safetensors({}, header_override=json.dumps({
        "c.bias": {"dtype": "F32", "shape": [1 << 62], "data_offsets": [0, 0]}}).encode()),
    "good.npy": lambda: npy(),
    "good_v2.npy": lambda: npy(version=2),
    "f64.npy": lambda: npy(descr="<f8"),
    "big_endian.npy": lambda: npy(descr=">f4"),
    "fortran.npy": lambda: npy(fortran=True),
    "wrong_shape.npy": lambda: npy(shape=(1, 4, 4)),
    "truncated.npy": lambda: npy(cut=8),
    "huge_truncated.npy": lambda: npy(shape=(1, 1, 16384, 32768), data_count=4),
    "not.npy": lambda: b"this is not a numpy file",
}

if __name__ == "__main__":
    kind, out = sys.argv[1], sys.argv[2]
    with open(out, "wb") as f:
        f.write(KINDS[kind]())
