"""Which pieces make which recording, and when a recording is ready."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

from argus.platform.recordings.assembly import Piece, ready_groups

T = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


def _pieces(*spans: tuple[float, float]) -> list[Piece]:
    return [Piece(Path(f"/rec/t__c-{i}.flv.closed"), T + timedelta(seconds=a),
                  T + timedelta(seconds=b), b - a, "h264", 320, 240)
            for i, (a, b) in enumerate(spans)]


def _names(groups):
    return [[p.path.name.split("-")[1].split(".")[0] for p in g] for g in groups]


def test_pieces_join_up_to_the_chunk_length():
    pieces = _pieces((0, 60), (60.2, 120.2), (120.3, 180.3), (180.4, 240.4))
    groups = ready_groups(pieces, 2 * MINUTE, MINUTE, T + timedelta(seconds=241),
                          stream_live=True)
    assert _names(groups) == [["0", "1"], ["2", "3"]]


def test_an_open_group_waits_while_its_stream_is_live():
    pieces = _pieces((0, 60), (60.1, 120.1), (120.2, 180.2))
    groups = ready_groups(pieces, 5 * MINUTE, MINUTE, T + timedelta(seconds=181),
                          stream_live=True)
    assert groups == []
    # ... and is finished when the stream ends (a short last piece) or goes quiet.
    ended = _pieces((0, 60), (60.1, 120.1), (120.2, 150))
    assert _names(ready_groups(ended, 5 * MINUTE, MINUTE, T + timedelta(seconds=151),
                               stream_live=False)) == [["0", "1", "2"]]
    assert _names(ready_groups(pieces, 5 * MINUTE, MINUTE, T + timedelta(minutes=10),
                               stream_live=False)) == [["0", "1", "2"]]
    assert _names(ready_groups(pieces, 5 * MINUTE, MINUTE, T + timedelta(seconds=181),
                               stream_live=True, flush=True)) == [["0", "1", "2"]]


def test_a_reconnect_starts_a_new_recording():
    pieces = _pieces((0, 60), (60.1, 75), (78, 138), (138.1, 198.1))
    groups = ready_groups(pieces, 60 * MINUTE, MINUTE, T + timedelta(seconds=199),
                          stream_live=True)
    assert _names(groups) == [["0", "1"]]  # the gap closed the first; the second goes on
