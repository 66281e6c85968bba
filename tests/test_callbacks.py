"""Callback data: the literal wire format, the 64-byte limit, and robustness to forged data."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.callbacks import MAX_BYTES, AskExample, Feedback, FiguresPage, More, decode, encode

FP = "a9804cb4"


@pytest.mark.parametrize(
    ("callback", "data"),
    [
        (More(FP, (27,)), "m:a9804cb4:27"),
        (More(FP, (12, 27, 28, 29, 30)), "m:a9804cb4:12,27-30"),
        (More(FP, (5, 3, 4)), "m:a9804cb4:5,3-4"),
        (Feedback(FP, 20, True), "f:a9804cb4:+:20"),
        (Feedback(FP, 0, False), "f:a9804cb4:-:0"),
        (AskExample(FP, 3), "a:a9804cb4:3"),
        (FiguresPage(2), "g:2"),
    ],
)
def test_wire_format(callback: object, data: str) -> None:
    assert encode(callback) == data  # type: ignore[arg-type]
    assert decode(data) == callback


@pytest.mark.parametrize(
    "data",
    [
        "",
        "m",
        "m:a9804cb4",
        "m:a9804cb4:",
        "m:a9804cb4:3-1",  # a run backwards
        "m:a9804cb4:01",  # we never write leading zeros
        "m:a9804cb4:+1",
        "m:a9804cb4:1,,2",
        "m:a9804cb4:0-999999999",  # a tiny string that would expand to a billion positions
        "m:not-hex!:1",
        "m:a9804cb4:1:2",
        "f:a9804cb4:*:1",
        "f:a9804cb4:+",
        "a:a9804cb4",
        "g:-1",
        "g:1:2",
        "x:a9804cb4:1",
    ],
)
def test_malformed_data_decodes_to_none(data: str) -> None:
    assert decode(data) is None


def test_more_keeps_the_leading_passages_that_fit() -> None:
    scattered = tuple(range(100, 400, 3))  # no runs: "m:a9804cb4:" + 13 × "100," − 1 = 62 bytes
    data = encode(More(FP, scattered))
    assert len(data.encode()) <= MAX_BYTES
    decoded = decode(data)
    assert isinstance(decoded, More)
    assert decoded.indexes == scattered[: len(decoded.indexes)] and len(decoded.indexes) == 13


def test_a_whole_section_fits_as_one_run() -> None:
    assert encode(More(FP, tuple(range(100, 1100)))) == "m:a9804cb4:100-1099"


@pytest.mark.parametrize(
    "callback",
    [More(FP, ()), More(FP, (-1,)), More("", (1,)), More("a:b", (1,)), Feedback(FP, 10**9, True), FiguresPage(-1)],
)
def test_what_cannot_be_decoded_is_not_encoded(callback: object) -> None:
    with pytest.raises(ValueError):
        encode(callback)  # type: ignore[arg-type]


fingerprints = st.from_regex(r"[0-9a-f]{8}", fullmatch=True)
positions = st.integers(min_value=0, max_value=10**9 - 1)
callbacks = st.one_of(
    st.builds(More, fingerprints, st.lists(positions, min_size=1, max_size=30).map(tuple)),
    st.builds(Feedback, fingerprints, positions, st.booleans()),
    st.builds(AskExample, fingerprints, positions),
    st.builds(FiguresPage, positions),
)


@given(callbacks)
def test_round_trip_within_64_bytes(callback: object) -> None:
    data = encode(callback)  # type: ignore[arg-type]
    assert 1 <= len(data.encode()) <= MAX_BYTES
    decoded = decode(data)
    if isinstance(callback, More):
        assert isinstance(decoded, More) and decoded.fingerprint == callback.fingerprint
        assert decoded.indexes and decoded.indexes == callback.indexes[: len(decoded.indexes)]
    else:
        assert decoded == callback


@given(st.text(max_size=64))
def test_decode_never_raises(data: str) -> None:
    decode(data)
