"""Writing Kiln's files from Python: safetensors weights, .npy tensors, layer names, and the
weights of a scale layer, which both model tools write for constants per channel.

Debian has no safetensors package, and the format is simple: an 8-byte
little-endian header size, a JSON header, then the raw tensor data.
"""
import json
import os
import re
import struct

import numpy as np


def save_safetensors(path, tensors):
    """tensors: name -> array (stored as F32, C order)."""
    header, blobs, offset = {}, [], 0
    for name, value in tensors.items():
        data = np.ascontiguousarray(np.asarray(value, dtype="<f4")).tobytes()
        header[name] = {"dtype": "F32", "shape": list(np.shape(value)),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)  # keep the data 8-byte aligned
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


def save_npy(path, array):
    np.save(path, np.ascontiguousarray(np.asarray(array, dtype="<f4")))


def save_network(directory, name, spec, weights):
    """Writes DIRECTORY/NAME.kiln and DIRECTORY/NAME.safetensors."""
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, name + ".kiln"), "w") as f:
        f.write(spec)
    save_safetensors(os.path.join(directory, name + ".safetensors"), weights)


def kiln_name(text):
    """A valid Kiln name for a name from elsewhere (ONNX, a module path):
    '/layer1/layer1.0/conv1/Conv' -> 'layer1.layer1.0.conv1.Conv', 'block1-0' -> 'block1_0'."""
    text = re.sub(r"[^A-Za-z0-9_.]", "_", text.strip("/").replace("/", "."))
    text = re.sub(r"\.+", ".", text).strip(".") or "t"
    return text if re.match(r"[A-Za-z_]", text) else "t_" + text


def per_channel(constant, shape, axis):
    """A constant's value for each channel of a tensor of `shape` whose channels lie on `axis`
    (NumPy broadcasting), or None where the constant varies along another axis."""
    c = np.asarray(constant, dtype=np.float64)
    if c.ndim > len(shape):
        return None
    aligned = (1,) * (len(shape) - c.ndim) + c.shape
    if any(d != 1 for i, d in enumerate(aligned) if i != axis) or aligned[axis] not in (1, shape[axis]):
        return None
    return np.broadcast_to(c.reshape(-1), (shape[axis],))


def scale_weights(op, values, constant_first):
    """(weight, bias or None) of the scale layer computing `op` ("add", "sub", "mul" or "div") of a
    tensor and a constant of `values` per channel, or None where no scale layer does (a division
    of a constant, or by zero)."""
    ones = np.ones_like(values)
    if op == "mul":
        return values, None
    if op == "add":
        return ones, values
    if op == "sub":
        return (-ones, values) if constant_first else (ones, -values)
    if op == "div" and not constant_first and np.all(values != 0):
        return 1 / values, None
    return None
