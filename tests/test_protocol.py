"""The wire format carries plain data only, and refuses everything else."""
import numpy as np
import pytest

from nncourse.sandbox import protocol


@pytest.mark.parametrize("value", [
    None, True, 3, -2**70, 1.5, float("inf"), "text",
    [1, [2.0, None]], (1, "a"), {"W": np.zeros((2, 3)), 3: [1]},
    np.arange(6, dtype=np.int32).reshape(2, 3), np.float32(2.5), np.array(1.0), np.zeros((0, 4)),
    np.array([True, False]),
])
def test_round_trip_keeps_value_type_and_dtype(value):
    back = protocol.decode(protocol.encode(value))
    assert type(back) is type(value)
    if isinstance(value, (np.ndarray, np.generic)):
        assert back.dtype == value.dtype and back.shape == np.shape(value)
        np.testing.assert_array_equal(back, value)
    elif isinstance(value, dict):
        assert set(back) == set(value)
    else:
        assert back == value


def test_nan_survives():
    assert np.isnan(protocol.decode(protocol.encode(float("nan"))))


@pytest.mark.parametrize("value", [object(), np.array([object()]), {1, 2}, b"bytes", lambda: 0])
def test_non_plain_data_is_refused(value):
    with pytest.raises(protocol.ProtocolError):
        protocol.encode(value)


def test_ndarray_subclass_arrives_as_plain_ndarray():
    class Liar(np.ndarray):
        def __eq__(self, other):
            return True
    liar = np.zeros(3).view(Liar)
    back = protocol.decode(protocol.encode(liar))
    assert type(back) is np.ndarray


def test_forged_object_dtype_header_is_refused():
    frame = protocol.encode(np.zeros(2))
    forged = frame.replace(b'"<f8"', b'"|O8"', 1)
    with pytest.raises(protocol.ProtocolError):
        protocol.decode(forged)


def test_size_mismatch_is_refused():
    frame = protocol.encode(np.zeros(4))
    forged = frame.replace(b"[4]", b"[5]", 1)
    with pytest.raises(protocol.ProtocolError):
        protocol.decode(forged)


def test_deep_nesting_is_refused():
    value = []
    for _ in range(protocol.MAX_DEPTH + 5):
        value = [value]
    with pytest.raises(protocol.ProtocolError):
        protocol.encode(value)


# -- the trusted side's reply reader (sandbox/process.py): buffered, capped, strict ---------------------------
import os
import threading
import time

from nncourse.errors import WorkerDied, WorkerTimeout
from nncourse.sandbox.process import WorkerProcess


class _PipeWorker(WorkerProcess):
    """A WorkerProcess whose reply pipe the test writes; nothing is started."""

    def __init__(self):
        self.rep_r, self.rep_w = os.pipe()
        self.killed = False

    def kill(self):
        self.killed = True

    def _death(self):
        return WorkerDied("gone")

    def reply(self, timeout=5.0):
        return self._reply(time.monotonic() + timeout)

    def done(self):
        for fd in (self.rep_r, self.rep_w):
            try:
                os.close(fd)
            except OSError:
                pass


@pytest.fixture
def pipe_worker():
    worker = _PipeWorker()
    yield worker
    worker.done()


def _framed(value) -> bytes:
    body = protocol.encode(value)
    return protocol._LEN.pack(len(body)) + body


def test_two_frames_in_one_read_leave_the_second_waiting(pipe_worker):
    os.write(pipe_worker.rep_w, _framed({"id": 1, "value": np.ones(3)}) + _framed({"id": 2}))
    first = pipe_worker.reply()
    assert first["id"] == 1 and first["value"].flags.writeable and first["value"].flags.owndata
    assert pipe_worker.reply_waiting()  # read ahead already: a reply that was waiting before its request
    assert pipe_worker.reply() == {"id": 2} and not pipe_worker.reply_waiting()


def test_bytes_left_in_the_pipe_count_as_waiting(pipe_worker):
    assert not pipe_worker.reply_waiting()
    os.write(pipe_worker.rep_w, b"x")
    assert pipe_worker.reply_waiting()


def test_a_frame_in_pieces_is_put_together(pipe_worker):
    data = _framed({"id": 3, "value": np.arange(20000.0)})

    def dribble():
        for start in range(0, len(data), 7000):
            os.write(pipe_worker.rep_w, data[start:start + 7000])
            time.sleep(0.005)
    thread = threading.Thread(target=dribble)
    thread.start()
    got = pipe_worker.reply()
    thread.join()
    assert got["id"] == 3 and np.array_equal(got["value"], np.arange(20000.0))
    assert not pipe_worker.reply_waiting()


@pytest.mark.parametrize("size, hlen, match", [(2**62, 10, "a frame of"), (100, 32 * 2**20, "description of"),
                                               (20, 10, "a frame of")])
def test_forged_lengths_are_refused_before_the_rest_is_awaited(pipe_worker, size, hlen, match):
    os.write(pipe_worker.rep_w, protocol._LEN.pack(size) + protocol._LEN.pack(hlen))  # nothing follows
    with pytest.raises(protocol.ProtocolError, match=match):
        pipe_worker.reply(timeout=30)  # refused at once: it would otherwise wait for bytes that never come


def test_a_reply_that_never_completes_times_out(pipe_worker):
    os.write(pipe_worker.rep_w, _framed({"id": 1})[:-3])
    with pytest.raises(WorkerTimeout):
        pipe_worker.reply(timeout=0.2)
    assert pipe_worker.killed


def test_end_of_file_mid_frame_is_a_death(pipe_worker):
    os.write(pipe_worker.rep_w, _framed({"id": 1})[:-3])
    os.close(pipe_worker.rep_w)
    with pytest.raises(WorkerDied):
        pipe_worker.reply()


def test_the_worker_reads_a_request_frame_whole():
    r, w = os.pipe()
    try:
        message = {"op": "call", "args": [np.zeros((2, 2)), 1.5], "kwargs": {"a": (1, 2)}}
        os.write(w, _framed(message) + _framed({"op": "next"}))
        first = protocol.read_frame(r)
        assert first["op"] == "call" and first["kwargs"] == {"a": (1, 2)}
        assert np.array_equal(first["args"][0], np.zeros((2, 2))) and first["args"][1] == 1.5
        assert protocol.read_frame(r) == {"op": "next"}  # exactly one frame was taken
        os.write(w, protocol._LEN.pack(2**40) + protocol._LEN.pack(10))
        with pytest.raises(protocol.ProtocolError, match="a frame of"):
            protocol.read_frame(r)
    finally:
        os.close(r)
        os.close(w)
