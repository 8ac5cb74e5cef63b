"""The plain-data wire format between the trusted harness and the student worker.

Why: only plain data may cross the process boundary (the trust model: student code is untrusted).
A frame is a JSON header plus raw array buffers; decoding builds fresh
float/int/bool arrays and builtin containers, and refuses everything else.
Never pickle. Stdlib + NumPy only: the worker imports this module.
"""
from __future__ import annotations

import json
import struct

import numpy as np

MAX_FRAME_BYTES = 256 * 1024 * 1024    # arrays of one request (the trusted side writes those)
MAX_DEPTH = 32
MAX_HEADER_BYTES = 64 * 1024           # the JSON header of a reply: read before anything else, refused above
MAX_REPLY_ARRAY_BYTES = 64 * 1024 * 1024
MAX_REQUEST_HEADER_BYTES = 8 * 1024 * 1024
MAX_BUFFERS = 4096
PACK_MIN = 4                           # lists at least this long of one scalar type travel as one buffer
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
        return obj  # JSON keeps the type (1.0 stays a float) and the exact value; NaN/Infinity are read back
    if isinstance(obj, Ref):
        return {"__ref__": obj.id}
    if isinstance(obj, (np.ndarray, np.generic)):
        arr = np.asarray(obj)
        if arr.dtype.kind not in ALLOWED_KINDS:
            raise ProtocolError(f"array of dtype {arr.dtype} is not plain data")
        tag = "__scalar__" if isinstance(obj, np.generic) else "__nd__"
        return {tag: [arr.dtype.str, list(arr.shape), _add_buffer(buffers, arr)]}
    if type(obj) in (list, tuple):
        packed = _pack(obj, buffers)
        if packed is not None:
            return packed
        items = [_encode(x, buffers, depth + 1) for x in obj]
        return items if type(obj) is list else {"__tuple__": items}
    if type(obj) is dict:
        return {"__dict__": [[_encode(k, buffers, depth + 1), _encode(v, buffers, depth + 1)]
                             for k, v in obj.items()]}
    raise ProtocolError(f"a {type(obj).__name__} is not plain data")


class _Buffers(list):
    """The array buffers of one message, with the byte budget they must fit in."""

    def __init__(self, limit: int):
        super().__init__()
        self.limit, self.size = limit, 0


def _add_buffer(buffers: _Buffers, arr: np.ndarray) -> int:
    if buffers.size + arr.nbytes > buffers.limit:  # refuse before copying
        raise ProtocolError(f"arrays of more than {buffers.limit} bytes in one message")
    if len(buffers) >= MAX_BUFFERS:
        raise ProtocolError(f"more than {MAX_BUFFERS} arrays in one message")
    buffers.append(np.ascontiguousarray(arr).tobytes())
    buffers.size += arr.nbytes
    return len(buffers) - 1


_PACKABLE = {float: ("float", np.float64), bool: ("bool", np.bool_), int: ("int", np.int64)}


def _pack(seq, buffers: _Buffers):
    """A long list of Python floats (ints, bools) or of NumPy scalars of one dtype as one buffer.

    Why: a loss history of 5000 epochs is a list of floats; as JSON it would
    outgrow the tight header cap, as one buffer it is 40 kB of array bytes.
    """
    if len(seq) < PACK_MIN:
        return None
    first = type(seq[0])
    if first in _PACKABLE:
        if not all(type(x) is first for x in seq):
            return None
        kind, dtype = _PACKABLE[first]
        if first is int and not all(-2**63 <= x < 2**63 for x in seq):
            return None
        arr = np.array(seq, dtype=dtype)
    elif issubclass(first, np.generic) and seq[0].dtype.kind in ALLOWED_KINDS:
        dt = seq[0].dtype
        if not all(type(x) is first and x.dtype == dt for x in seq):
            return None
        kind, arr = "np", np.array(seq, dtype=dt)
    else:
        return None
    return {"__pack__": [kind, arr.dtype.str, _add_buffer(buffers, arr), type(seq) is tuple]}


def encode(message, max_array_bytes: int = MAX_FRAME_BYTES, max_header: int = MAX_REQUEST_HEADER_BYTES) -> bytes:
    """Serialise a message of plain data into one frame (without its length prefix)."""
    buffers = _Buffers(max_array_bytes)
    header = json.dumps(_encode(message, buffers, 0)).encode()
    if len(header) > max_header:
        raise ProtocolError(f"a description of {len(header)} bytes (at most {max_header}) in one message")
    parts = [_LEN.pack(len(header)), header, _LEN.pack(len(buffers))]
    for buf in buffers:
        parts += [_LEN.pack(len(buf)), buf]
    return b"".join(parts)


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


def _unpack(spec, buffers: list):
    kind, dtype_str, index, is_tuple = spec
    arr = _array([dtype_str, [len(buffers[int(index)]) // max(np.dtype(str(dtype_str)).itemsize, 1)], index],
                 buffers, False)
    want = {"float": "f", "int": "i", "bool": "b"}.get(kind)
    if (want and arr.dtype.kind != want) or (kind not in ("float", "int", "bool", "np")):
        raise ProtocolError("bad packed list")
    items = list(arr) if kind == "np" else arr.tolist()
    return tuple(items) if is_tuple is True else items


def _decode(obj, buffers: list, depth: int):
    if depth > MAX_DEPTH:
        raise ProtocolError("value nested too deeply")
    if obj is None or type(obj) in (bool, int, str, float):
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
        if tag == "__pack__":
            return _unpack(val, buffers)
        if tag == "__tuple__" and type(val) is list:
            return tuple(_decode(x, buffers, depth + 1) for x in val)
        if tag == "__dict__" and type(val) is list:
            return {_decode(k, buffers, depth + 1): _decode(v, buffers, depth + 1) for k, v in val}
    raise ProtocolError("unexpected value in frame")


def _nesting(header: bytes) -> int:
    """How deeply the JSON header nests (brackets inside strings do not count), without parsing it.

    Why: the depth is known before json.loads builds anything, so no nesting
    reaches the parser's recursion; most headers have too few brackets to need the walk.
    """
    if header.count(b"[") + header.count(b"{") <= MAX_DEPTH:
        return 0
    depth = deepest = 0
    in_string = escaped = False
    for byte in header:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return deepest


def read_message(read, *, max_header: int = MAX_HEADER_BYTES, max_arrays: int = MAX_REPLY_ARRAY_BYTES):
    """Read one length-prefixed frame through `read(n) -> exactly n bytes` and decode it, within caps.

    Each length is checked before its bytes are read: a forged 32 MiB header or a
    frame claiming terabytes costs 16 bytes of memory, not its claimed size.
    Raises ProtocolError for anything malformed or over a cap (the stream is then
    out of step: the caller must drop the channel).
    """
    try:
        (size,) = _LEN.unpack(read(8))
        (hlen,) = _LEN.unpack(read(8))
        if hlen > max_header:
            raise ProtocolError(f"a description of {hlen} bytes (at most {max_header})")
        if size > 16 + max_header + max_arrays + 8 * MAX_BUFFERS or size < 16 + hlen:
            raise ProtocolError(f"a frame of {size} bytes")
        header = read(hlen)
        (count,) = _LEN.unpack(read(8))
        if count > MAX_BUFFERS:
            raise ProtocolError(f"{count} arrays in one message (at most {MAX_BUFFERS})")
        used, total, buffers = 16 + hlen, 0, []
        for _ in range(count):
            (blen,) = _LEN.unpack(read(8))
            total += blen
            if total > max_arrays:
                raise ProtocolError(f"arrays of more than {max_arrays} bytes in one message")
            buffers.append(read(blen))
            used += 8 + blen
        if used != size:
            raise ProtocolError("frame length does not match its content")
        return _decode_header(header, buffers)
    except ProtocolError:
        raise
    except (ValueError, TypeError, KeyError, IndexError, OverflowError, RecursionError, struct.error) as exc:
        raise ProtocolError(f"malformed frame ({type(exc).__name__}: {str(exc)[:200]})") from None


def _decode_header(header: bytes, buffers: list):
    if _nesting(header) > MAX_DEPTH + 1:
        raise ProtocolError("value nested too deeply")
    try:
        tree = json.loads(header)
    except ValueError as exc:
        raise ProtocolError(f"bad JSON header: {str(exc)[:200]}") from None
    return _decode(tree, buffers, 0)


def decode(frame: bytes, *, max_header: int = MAX_HEADER_BYTES, max_arrays: int = MAX_REPLY_ARRAY_BYTES):
    """Parse one frame (as `encode` returns it) into plain data; ProtocolError on anything else.

    The bytes come from the untrusted side (student code can write to the reply
    pipe), so every way a frame can be malformed ends here as a ProtocolError.
    """
    view, pos = memoryview(_LEN.pack(len(frame)) + bytes(frame)), 0

    def read(n: int) -> bytes:
        nonlocal pos
        if pos + n > len(view):
            raise ProtocolError("truncated frame")
        pos += n
        return bytes(view[pos - n:pos])
    return read_message(read, max_header=max_header, max_arrays=max_arrays)


def write_frame(fd: int, message, max_array_bytes: int = MAX_FRAME_BYTES,
                max_header: int = MAX_REQUEST_HEADER_BYTES) -> None:
    """Write one length-prefixed frame to a file descriptor."""
    import os
    data = encode(message, max_array_bytes, max_header)
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
    """Read and decode one request (the worker's side: the trusted side wrote it, larger caps)."""
    return read_message(lambda n: read_exact(fd, n), max_header=MAX_REQUEST_HEADER_BYTES,
                        max_arrays=MAX_FRAME_BYTES)
