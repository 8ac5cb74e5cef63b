"""The plain-data wire format between the trusted harness and the student worker.

Why: only plain data may cross the process boundary (DESIGN.md, trust model).
A frame is a JSON header plus raw array buffers; decoding builds fresh
float/int/bool arrays and builtin containers, and refuses everything else.
Never pickle. Stdlib + NumPy only: the worker imports this module.
"""
from __future__ import annotations

import json
import struct

import numpy as np

MAX_FRAME_BYTES = 256 * 1024 * 1024
MAX_DEPTH = 32
ALLOWED_KINDS = "biuf"  # bool, int, unsigned, float: nothing with Python objects inside
_LEN = struct.Struct("<Q")


class ProtocolError(Exception):
    """A frame that is not plain data, too large, or malformed."""


class Ref:
    """A handle to an object that lives in the worker (an instance, a live dict...)."""

    __slots__ = ("id",)

    def __init__(self, ref_id: int):
        self.id = int(ref_id)


def _encode(obj, buffers: list, depth: int):
    if depth > MAX_DEPTH:
        raise ProtocolError("value nested too deeply")
    if obj is None or type(obj) in (bool, str):
        return obj
    if type(obj) is int:
        return obj if abs(obj) < 2**63 else {"__bigint__": str(obj)}
    if type(obj) is float:
        return {"__float__": repr(obj)}
    if isinstance(obj, Ref):
        return {"__ref__": obj.id}
    if isinstance(obj, (np.ndarray, np.generic)):
        arr = np.asarray(obj)
        if arr.dtype.kind not in ALLOWED_KINDS:
            raise ProtocolError(f"array of dtype {arr.dtype} is not plain data")
        if sum(len(b) for b in buffers) + arr.nbytes > MAX_FRAME_BYTES:  # refuse before copying
            raise ProtocolError(f"arrays of more than {MAX_FRAME_BYTES} bytes in one message")
        buffers.append(np.ascontiguousarray(arr).tobytes())
        tag = "__scalar__" if isinstance(obj, np.generic) else "__nd__"
        return {tag: [arr.dtype.str, list(arr.shape), len(buffers) - 1]}
    if type(obj) in (list, tuple):
        items = [_encode(x, buffers, depth + 1) for x in obj]
        return items if type(obj) is list else {"__tuple__": items}
    if type(obj) is dict:
        return {"__dict__": [[_encode(k, buffers, depth + 1), _encode(v, buffers, depth + 1)]
                             for k, v in obj.items()]}
    raise ProtocolError(f"a {type(obj).__name__} is not plain data")


def encode(message) -> bytes:
    """Serialise a message of plain data into one frame (without its length prefix)."""
    buffers: list[bytes] = []
    header = json.dumps(_encode(message, buffers, 0)).encode()
    parts = [_LEN.pack(len(header)), header, _LEN.pack(len(buffers))]
    for buf in buffers:
        parts += [_LEN.pack(len(buf)), buf]
    frame = b"".join(parts)
    if len(frame) > MAX_FRAME_BYTES:
        raise ProtocolError(f"message of {len(frame)} bytes exceeds {MAX_FRAME_BYTES}")
    return frame


def _take(data: bytes, pos: int, n: int) -> tuple[bytes, int]:
    if n < 0 or pos + n > len(data):
        raise ProtocolError("truncated frame")
    return data[pos:pos + n], pos + n


def _array(spec, buffers: list, scalar: bool):
    try:
        dtype_str, shape, index = spec
        dtype = np.dtype(str(dtype_str))
        shape = tuple(int(s) for s in shape)
        buf = buffers[int(index)]
    except (TypeError, ValueError, IndexError) as exc:
        raise ProtocolError(f"bad array header: {exc}") from None
    if dtype.kind not in ALLOWED_KINDS or any(s < 0 for s in shape):
        raise ProtocolError(f"array of dtype {dtype} is not plain data")
    if int(np.prod(shape, dtype=np.int64)) * dtype.itemsize != len(buf):
        raise ProtocolError("array size does not match its shape")
    arr = np.frombuffer(buf, dtype=dtype).reshape(shape).copy()
    return arr[()] if scalar else arr


def _decode(obj, buffers: list, depth: int):
    if depth > MAX_DEPTH:
        raise ProtocolError("value nested too deeply")
    if obj is None or type(obj) in (bool, int, str):
        return obj
    if type(obj) is float:
        return obj
    if type(obj) is list:
        return [_decode(x, buffers, depth + 1) for x in obj]
    if type(obj) is dict and len(obj) == 1:
        (tag, val), = obj.items()
        if tag == "__float__":
            return float(val)
        if tag == "__bigint__":
            return int(val)
        if tag == "__ref__":
            return Ref(int(val))
        if tag in ("__nd__", "__scalar__"):
            return _array(val, buffers, tag == "__scalar__")
        if tag == "__tuple__" and type(val) is list:
            return tuple(_decode(x, buffers, depth + 1) for x in val)
        if tag == "__dict__" and type(val) is list:
            return {_decode(k, buffers, depth + 1): _decode(v, buffers, depth + 1) for k, v in val}
    raise ProtocolError("unexpected value in frame")


def decode(frame: bytes):
    """Parse one frame into plain data; raises ProtocolError on anything else.

    Every way a frame can be malformed ends here as a ProtocolError: the bytes come
    from the untrusted side (student code can write to the reply pipe), and any
    other exception would surface in the harness as a grader fault.
    """
    try:
        return _decode_frame(frame)
    except ProtocolError:
        raise
    except (ValueError, TypeError, KeyError, IndexError, OverflowError, RecursionError, struct.error) as exc:
        raise ProtocolError(f"malformed frame ({type(exc).__name__}: {str(exc)[:200]})") from None


def _decode_frame(frame: bytes):
    (hlen,), pos = _LEN.unpack(frame[:8]), 8
    header, pos = _take(frame, pos, hlen)
    (count,) = _LEN.unpack(_take(frame, pos, 8)[0])
    pos += 8
    buffers = []
    for _ in range(count):
        (blen,) = _LEN.unpack(_take(frame, pos, 8)[0])
        buf, pos = _take(frame, pos + 8, blen)
        buffers.append(buf)
    try:
        tree = json.loads(header)
    except ValueError as exc:
        raise ProtocolError(f"bad JSON header: {exc}") from None
    return _decode(tree, buffers, 0)


def write_frame(fd: int, message) -> None:
    """Write one length-prefixed frame to a file descriptor."""
    import os
    data = encode(message)
    view = memoryview(_LEN.pack(len(data)) + data)
    while view:
        view = view[os.write(fd, view):]


def read_exact(fd: int, n: int) -> bytes:
    """Read exactly n bytes (blocking); EOFError when the other side is gone."""
    import os
    chunks, left = [], n
    while left:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            raise EOFError("channel closed")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def read_frame(fd: int):
    """Read and decode one frame from a blocking file descriptor."""
    (n,) = _LEN.unpack(read_exact(fd, 8))
    if n > MAX_FRAME_BYTES:
        raise ProtocolError(f"frame of {n} bytes exceeds {MAX_FRAME_BYTES}")
    return decode(read_exact(fd, n))
