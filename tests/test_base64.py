"""scenevis._base64: the vectorized codec and the standard library's give the same text and
refuse the same malformed input."""
import base64
import binascii

import numpy as np
import pytest

from scenevis import _base64

pybase64 = pytest.importorskip("pybase64", reason="the fast extra's codec; the test extras install it")


@pytest.fixture(params=["pybase64", "binascii"])
def codec(request, monkeypatch):
    monkeypatch.setattr(_base64, "pybase64", pybase64 if request.param == "pybase64" else None)
    return request.param


@pytest.mark.parametrize("size", [0, 1, 2, 3, 4, 5, 1000, 1_500_001])
def test_round_trip_matches_the_standard_library(codec, size):
    data = np.random.default_rng(size).integers(0, 256, size, np.uint8).tobytes()
    text = _base64.encode(data)
    assert text == base64.b64encode(data)
    assert _base64.encode_text(memoryview(data)) == text.decode("ascii")
    assert _base64.decode(text) == data
    assert _base64.decode(text.decode("ascii")) == data


@pytest.mark.parametrize("text", ["QUJ", "QUI==", "QU I=", "QUJD\n", "Q===", "=QUJ", "QU=I", "QUJDé", "QUJ*"])
def test_malformed_text_is_a_value_error(codec, text):
    with pytest.raises(ValueError):
        _base64.decode(text)


def test_the_fallback_is_strict_where_the_lenient_decoder_is_not(monkeypatch):
    monkeypatch.setattr(_base64, "pybase64", None)
    assert binascii.a2b_base64("QU\nJD") == b"ABC"  # what a lenient decoder would take
    with pytest.raises(binascii.Error):
        _base64.decode("QU\nJD")
