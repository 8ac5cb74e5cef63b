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
