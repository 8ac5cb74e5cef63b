"""The plain-data wire format between the trusted harness and the student worker.

Why: only plain data may cross the process boundary (the trust model: student code is untrusted).
A frame is a JSON header plus raw array buffers; decoding builds fresh
float/int/bool arrays and builtin containers, and refuses everything else.
A frame is read whole once its two leading lengths passed their caps (check_lengths),
then parsed in memory (parse_frame): a round trip costs a few system calls, not one per field.
Never pickle. Stdlib + NumPy only: the worker imports this module.
"""
from __future__ import annotations

import json
import math
import os
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


_AS_IS = frozenset({type(None), bool, str, float})  # float: JSON keeps the type and exact value (NaN too)


def _encode(obj, buffers: list, depth: int):
    if depth > MAX_DEPTH:
        raise ProtocolError("value nested too deeply")
    kind = type(obj)
    if kind in _AS_IS:
        return obj
    if kind is int:
        return obj if abs(obj) < 2**63 else {"__bigint__": str(obj)}
    if kind is dict:
        depth += 1
        if depth > MAX_DEPTH and obj:  # as the first key's own check would (leaves below are skipped)
            raise ProtocolError("value nested too deeply")
        return {"__dict__": [[k if type(k) is str else _encode(k, buffers, depth),
                              v if type(v) in _AS_IS else _encode(v, buffers, depth)] for k, v in obj.items()]}
    if kind is list or kind is tuple:
        if len(obj) >= PACK_MIN:
            packed = _pack(obj, buffers)
            if packed is not None:
                return packed
        depth += 1
        if depth > MAX_DEPTH and obj:
            raise ProtocolError("value nested too deeply")
        items = [x if type(x) in _AS_IS else _encode(x, buffers, depth) for x in obj]
        return items if kind is list else {"__tuple__": items}
    if isinstance(obj, Ref):
        return {"__ref__": obj.id}
    if isinstance(obj, (np.ndarray, np.generic)):
        arr = np.asarray(obj)
        if arr.dtype.kind not in ALLOWED_KINDS:
            raise ProtocolError(f"array of dtype {arr.dtype} is not plain data")
        tag = "__scalar__" if isinstance(obj, np.generic) else "__nd__"
        return {tag: [arr.dtype.str, list(arr.shape), _add_buffer(buffers, arr)]}
    raise ProtocolError(f"a {kind.__name__} is not plain data")


class _Buffers(list):
    """The array buffers of one message, with the byte budget they must fit in."""

    __slots__ = ("limit", "size")

    def __init__(self, limit: int):
        self.limit, self.size = limit, 0


def _add_buffer(buffers: _Buffers, arr: np.ndarray) -> int:
    if buffers.size + arr.nbytes > buffers.limit:  # refuse before copying
        raise ProtocolError(f"arrays of more than {buffers.limit} bytes in one message")
    if len(buffers) >= MAX_BUFFERS:
        raise ProtocolError(f"more than {MAX_BUFFERS} arrays in one message")
    buffers.append(arr.tobytes())  # C order whatever the array's layout
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
    return _frame(message, max_array_bytes, max_header)[8:]


def _frame(message, max_array_bytes: int, max_header: int) -> bytes:
    """One frame with its length prefix, joined once (what write_frame sends in one write)."""
    buffers = _Buffers(max_array_bytes)
    header = _dumps(_encode(message, buffers, 0)).encode()
    hlen = len(header)
    if hlen > max_header:
        raise ProtocolError(f"a description of {hlen} bytes (at most {max_header}) in one message")
    if not buffers:
        return _TWO.pack(16 + hlen, hlen) + header + _ZERO
    parts = [b"", header, _LEN.pack(len(buffers))]
    for buf in buffers:
        parts += [_LEN.pack(len(buf)), buf]
    parts[0] = _TWO.pack(16 + hlen + 8 * len(buffers) + buffers.size, hlen)
    return b"".join(parts)


def _json_encoder():
    """json.dumps(tree) for the trees _encode builds, with one C encoder made once (json.dumps makes
    one per call); json.dumps itself where the C encoder is missing or answers differently."""
    from json import encoder as std
    try:
        fast = std.c_make_encoder(None, json.JSONEncoder().default, std.encode_basestring_ascii, None,
                                  ": ", ", ", False, False, True)
        sample = {"__dict__": [["a\u00e9\n", [1, -2.5, float("nan"), float("-inf"), None, True, 2**62]], ["b", {}]]}
        if "".join(fast(sample, 0)) == json.dumps(sample):
            return lambda tree: "".join(fast(tree, 0))
    except Exception:  # noqa: BLE001 - another Python's private signature: the public path then
        pass
    return json.dumps


_dumps = _json_encoder()
_loads = json.JSONDecoder().decode  # json.loads(bytes) is this after detect_encoding (see _decode_header)
_TWO = struct.Struct("<QQ")
_ZERO = _LEN.pack(0)


def _dtype(dtype_str) -> np.dtype:
    """np.dtype of a header's dtype string, cached for the few plain ones (np.dtype is a pure function)."""
    dtype = _DTYPES.get(dtype_str) if type(dtype_str) is str else None
    if dtype is None:
        dtype = np.dtype(str(dtype_str))
        if type(dtype_str) is str and dtype.kind in ALLOWED_KINDS and len(_DTYPES) < 64:
            _DTYPES[dtype_str] = dtype
    return dtype


_DTYPES: dict = {}


def _array(spec, buffers: list, scalar: bool):
    try:
        dtype_str, shape, index = spec
        dtype = _dtype(dtype_str)
        shape = tuple(map(int, shape))
        buf = buffers[int(index)]
    except (TypeError, ValueError, IndexError) as exc:
        raise ProtocolError(f"bad array header: {exc}") from None
    if dtype.kind not in ALLOWED_KINDS or (shape and min(shape) < 0):
        raise ProtocolError(f"array of dtype {dtype} is not plain data")
    if math.prod(shape) * dtype.itemsize != len(buf):  # Python ints: a forged shape cannot wrap around
        raise ProtocolError("array size does not match its shape")
    arr = np.ndarray(shape, dtype, buf).copy()  # a fresh, writable array that owns its data
    return arr[()] if scalar else arr


def _unpack(spec, buffers: list):
    kind, dtype_str, index, is_tuple = spec
    arr = _array([dtype_str, [len(buffers[int(index)]) // max(_dtype(dtype_str).itemsize, 1)], index],
                 buffers, False)
    want = {"float": "f", "int": "i", "bool": "b"}.get(kind)
    if (want and arr.dtype.kind != want) or (kind not in ("float", "int", "bool", "np")):
        raise ProtocolError("bad packed list")
    items = list(arr) if kind == "np" else arr.tolist()
    return tuple(items) if is_tuple is True else items


_LEAVES = frozenset({type(None), bool, int, str, float})  # what json.loads gives that stays as it is


def _decode(obj, buffers: list, depth: int):
    if depth > MAX_DEPTH:
        raise ProtocolError("value nested too deeply")
    kind = type(obj)
    if kind in _LEAVES:
        return obj
    depth += 1
    if kind is list:
        if depth > MAX_DEPTH and obj:  # as the first item's own check would (leaves are not called)
            raise ProtocolError("value nested too deeply")
        return [x if type(x) in _LEAVES else _decode(x, buffers, depth) for x in obj]
    if kind is dict and len(obj) == 1:
        (tag, val), = obj.items()
        if tag == "__dict__" and type(val) is list:
            if depth > MAX_DEPTH and val:
                raise ProtocolError("value nested too deeply")
            return {(k if type(k) in _LEAVES else _decode(k, buffers, depth)):
                    (v if type(v) in _LEAVES else _decode(v, buffers, depth)) for k, v in val}
        if tag == "__nd__" or tag == "__scalar__":
            return _array(val, buffers, tag == "__scalar__")
        if tag == "__tuple__" and type(val) is list:
            if depth > MAX_DEPTH and val:
                raise ProtocolError("value nested too deeply")
            return tuple([x if type(x) in _LEAVES else _decode(x, buffers, depth) for x in val])
        if tag == "__pack__":
            return _unpack(val, buffers)
        if tag == "__ref__":
            return Ref(int(val))
        if tag == "__float__":
            return float(val)
        if tag == "__bigint__":
            return int(val)
    raise ProtocolError("unexpected value in frame")


def _nesting(header: bytes) -> int:
    """How deeply the JSON header nests (brackets inside strings do not count), known before json.loads
    builds anything (no nesting reaches its recursion); most headers have too few brackets to need the walk."""
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


def check_lengths(size: int, hlen: int, max_header: int, max_arrays: int) -> None:
    """Refuse a frame by its first two length fields, before any more of it is read: a forged 32 MiB header
    or a frame claiming terabytes costs 16 bytes of memory; the rest of the frame is at most `size` bytes."""
    if hlen > max_header:
        raise ProtocolError(f"a description of {hlen} bytes (at most {max_header})")
    if size > 16 + max_header + max_arrays + 8 * MAX_BUFFERS or size < 16 + hlen:
        raise ProtocolError(f"a frame of {size} bytes")


def parse_frame(data, start: int, end: int, *, max_header: int = MAX_HEADER_BYTES,
                max_arrays: int = MAX_REPLY_ARRAY_BYTES):
    """Decode the frame in data[start:end] (what follows its size field), within caps: every length inside is
    checked against the caps and the frame's end before it is used; array buffers are views of `data` until
    _array copies them. Raises ProtocolError for anything malformed or over a cap."""
    try:
        unpack = _LEN.unpack_from
        if end - start < 16:
            raise ProtocolError("truncated frame")
        (hlen,) = unpack(data, start)
        if hlen > max_header:
            raise ProtocolError(f"a description of {hlen} bytes (at most {max_header})")
        pos = start + 8 + hlen
        if pos + 8 > end:
            raise ProtocolError("truncated frame")
        header = bytes(data[start + 8:pos])
        (count,) = unpack(data, pos)
        pos += 8
        if count > MAX_BUFFERS:
            raise ProtocolError(f"{count} arrays in one message (at most {MAX_BUFFERS})")
        buffers = []
        if count:
            view, total = memoryview(data), 0
            for _ in range(count):
                if pos + 8 > end:
                    raise ProtocolError("truncated frame")
                (blen,) = unpack(data, pos)
                total += blen
                if total > max_arrays:
                    raise ProtocolError(f"arrays of more than {max_arrays} bytes in one message")
                pos += 8
                if pos + blen > end:
                    raise ProtocolError("truncated frame")
                buffers.append(view[pos:pos + blen])
                pos += blen
        if pos != end:
            raise ProtocolError("frame length does not match its content")
        return _decode_header(header, buffers)
    except ProtocolError:
        raise
    except (ValueError, TypeError, KeyError, IndexError, OverflowError, RecursionError, struct.error) as exc:
        raise ProtocolError(f"malformed frame ({type(exc).__name__}: {str(exc)[:200]})") from None


def read_message(read, *, max_header: int = MAX_HEADER_BYTES, max_arrays: int = MAX_REPLY_ARRAY_BYTES):
    """Read one length-prefixed frame through `read(n) -> exactly n bytes` and decode it, within caps.

    The two leading lengths are checked first (check_lengths), then the rest is read at once.
    ProtocolError for anything malformed or over a cap (the caller must then drop the channel).
    """
    try:
        (size,) = _LEN.unpack(read(8))
        (hlen,) = _LEN.unpack(read(8))
        check_lengths(size, hlen, max_header, max_arrays)
        rest = read(size - 8)
    except (ValueError, TypeError, OverflowError, struct.error) as exc:
        raise ProtocolError(f"malformed frame ({type(exc).__name__}: {str(exc)[:200]})") from None
    body = _LEN.pack(hlen) + rest
    if len(body) != size:
        raise ProtocolError("frame length does not match its content")
    return parse_frame(body, 0, size, max_header=max_header, max_arrays=max_arrays)


def _decode_header(header: bytes, buffers: list):
    if _nesting(header) > MAX_DEPTH + 1:
        raise ProtocolError("value nested too deeply")
    try:
        tree = _loads(header.decode(json.detect_encoding(header), "surrogatepass"))  # json.loads(header)
    except ValueError as exc:
        raise ProtocolError(f"bad JSON header: {str(exc)[:200]}") from None
    return _decode(tree, buffers, 0)


def decode(frame: bytes, *, max_header: int = MAX_HEADER_BYTES, max_arrays: int = MAX_REPLY_ARRAY_BYTES):
    """Parse one frame (as `encode` returns it) into plain data; ProtocolError on anything else (the bytes
    come from the untrusted side: every way a frame can be malformed ends here as a ProtocolError)."""
    frame = bytes(frame)
    if len(frame) < 8:
        raise ProtocolError("truncated frame")
    check_lengths(len(frame), _LEN.unpack_from(frame)[0], max_header, max_arrays)
    return parse_frame(frame, 0, len(frame), max_header=max_header, max_arrays=max_arrays)


def write_frame(fd: int, message, max_array_bytes: int = MAX_FRAME_BYTES,
                max_header: int = MAX_REQUEST_HEADER_BYTES) -> None:
    """Write one length-prefixed frame to a file descriptor (one write, unless the pipe takes less)."""
    data = _frame(message, max_array_bytes, max_header)
    done = os.write(fd, data)
    if done < len(data):
        view = memoryview(data)[done:]
        while view:
            view = view[os.write(fd, view):]


def read_exact(fd: int, n: int) -> bytes:
    """Read exactly n bytes (blocking); EOFError when the other side is gone."""
    chunks, left = [], n
    while left:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            raise EOFError("channel closed")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)  # one chunk: returned as it is, not copied


def read_frame(fd: int):
    """Read and decode one request (the worker's side: the trusted side wrote it, larger caps).

    Two reads: the two leading lengths (capped by check_lengths), then the rest of the frame.
    """
    size, hlen = _TWO.unpack(read_exact(fd, 16))
    check_lengths(size, hlen, MAX_REQUEST_HEADER_BYTES, MAX_FRAME_BYTES)
    data = read_exact(fd, size - 8)
    return parse_frame(_LEN.pack(hlen) + data, 0, size, max_header=MAX_REQUEST_HEADER_BYTES,
                       max_arrays=MAX_FRAME_BYTES)
