import json
import struct

import numpy as np
import torch

from . import _read_header

_DTYPES = {"F32": (np.float32, torch.float32), "F16": (np.float16, torch.float16), "I64": (np.int64, torch.int64), "I32": (np.int32, torch.int32)}
_NAMES = {torch.float32: "F32", torch.float16: "F16", torch.int64: "I64", torch.int32: "I32"}


def load_file(path, device="cpu"):
    with open(path, "rb") as f:
        data = f.read()
    header, start = _read_header(data)
    out = {}
    for name, spec in header.items():
        if name == "__metadata__":
            continue
        np_dtype, _ = _DTYPES[spec["dtype"]]
        b, e = spec["data_offsets"]
        arr = np.frombuffer(data[start + b:start + e], dtype=np_dtype).reshape(spec["shape"])
        out[name] = torch.from_numpy(arr.copy())
    return out


def load(data):
    header, start = _read_header(data)
    return {n: torch.from_numpy(np.frombuffer(data[start + s["data_offsets"][0]:start + s["data_offsets"][1]], dtype=_DTYPES[s["dtype"]][0]).reshape(s["shape"]).copy()) for n, s in header.items() if n != "__metadata__"}


def save_file(tensors, path, metadata=None):
    header = {"__metadata__": metadata or {"format": "pt"}}
    blobs = []
    offset = 0
    for name in sorted(tensors):
        t = tensors[name].detach().contiguous().cpu()
        raw = t.numpy().tobytes()
        header[name] = {"dtype": _NAMES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    h = json.dumps(header, separators=(",", ":")).encode("utf-8")
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for raw in blobs:
            f.write(raw)


class _Handle:
    def __init__(self, path):
        self._tensors = load_file(path)

    def __enter__(self):
        return self

    def __exit__(self, *a):
        return False

    def keys(self):
        return list(self._tensors)

    def get_tensor(self, name):
        return self._tensors[name]

    def metadata(self):
        return {"format": "pt"}
