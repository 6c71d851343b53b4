"""MNIST's IDX file format: a magic number, the dimensions' sizes, then the bytes (yann.lecun.com/exdb/mnist)."""
from __future__ import annotations

import math
import struct

import torch


def parse_idx(content: bytes, dims: int) -> torch.Tensor:
    """IDX bytes as a uint8 tensor: magic 0x0000 08 <dims>, then `dims` big-endian sizes, then the bytes.
    ValueError if they are not that (another type, other dimensions, truncated or too long)."""
    header = 4 * (1 + dims)
    if len(content) < header or content[:4] != bytes((0, 0, 0x08, dims)):
        raise ValueError(f"not an IDX file of {dims}-dimensional unsigned bytes")
    shape = struct.unpack(f">{dims}I", content[4:header])
    if len(content) - header != math.prod(shape):
        raise ValueError(f"{len(content) - header} bytes of data for a shape of {shape}")
    if not math.prod(shape):  # torch.frombuffer refuses an empty buffer
        return torch.empty(shape, dtype=torch.uint8)
    return torch.frombuffer(bytearray(content[header:]), dtype=torch.uint8).view(shape)
