"""The CSV writer: identical to csv.writer cell for cell, guarded, the same in parallel."""
from __future__ import annotations

import csv
import io
import itertools
from datetime import datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.data import export
from kiosk.data.export import COLUMNS, _line, csv_row, write_csv
from kiosk.models import Response
from kiosk.store.response_store import ResponseStore

BASE = datetime(2026, 1, 1, 9, 0).astimezone()


def reference_line(doc) -> str:
    """What the stdlib csv module writes for the same row."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(csv_row(doc))
    return buffer.getvalue().removesuffix("\r\n")


text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=12)


@settings(max_examples=300, deadline=None)
@given(ident=text, kiosk=text, label=text, language=text, reason=st.none() | text,
       comment=st.none() | text, score=st.integers(1, 5), nps=st.none() | st.integers(0, 10),
       flagged=st.booleans())
def test_every_cell_as_csv_writer_writes_it(ident, kiosk, label, language, reason, comment,
                                            score, nps, flagged):
    doc = {"id": ident, "timestamp": BASE.isoformat(), "kiosk": kiosk, "question": "q",
           "score": score, "label": label, "language": language, "flagged": flagged,
           "reason": reason, "comment": comment, "nps": nps}
    assert _line(doc, {}) == reference_line(doc)


def test_formula_text_is_guarded_in_every_text_column():
    hostile = {"id": "=1+1", "timestamp": BASE.isoformat(), "kiosk": "+cmd", "question": "-q",
               "score": 4, "label": "@SUM(A1)", "language": "\t=x", "flagged": False,
               "reason": "\r+r", "comment": "'quoted"}
    row = next(csv.DictReader(io.StringIO(",".join(COLUMNS) + "\r\n" + _line(hostile, {}))))
    for column in ("id", "kiosk", "question", "label", "language", "reason", "comment"):
        # exactly one quote in front of the text as written: "'quoted" already starts
        # with one, so a startswith check could not see its guard missing
        assert row[column] == "'" + hostile[column], column


def test_wrong_shape_records_are_skipped_and_counted():
    good = {"id": "a", "timestamp": BASE.isoformat(), "kiosk": "k", "question": "q", "score": 5,
            "label": "l", "language": "en", "flagged": False}
    for bad in ({**good, "score": 9}, {**good, "timestamp": "yesterday"}, {"foo": 1},
                {**good, "label": ["x"]}, {**good, "comment": 3}, [1, 2]):
        assert _line(bad, {}) is None, bad
    assert _line(good, {}) is not None


def fill_days(tmp_path, days: int):
    store = ResponseStore(tmp_path)
    store.write_now(Response(id=f"r{d}-{i}", timestamp=BASE + timedelta(days=d, minutes=i),
                             kiosk="k", question="q", score=i % 5 + 1, label=f"L{i % 5}",
                             language="fr" if i % 3 else "en", reason="staff" if i % 7 == 0 else None)
                    for d in range(days) for i in range(5))
    store.close()
    return ResponseStore(tmp_path)


def test_parallel_rendering_writes_the_same_file(tmp_path, monkeypatch):
    store = fill_days(tmp_path, 70)
    files = store.day_files()
    assert len(files) == 70 >= export.PARALLEL_FROM
    parallel = io.StringIO()
    assert write_csv(files, parallel) == 350
    monkeypatch.setattr(export, "PARALLEL_FROM", 10_000)
    serial = io.StringIO()
    assert write_csv(files, serial) == 350
    assert parallel.getvalue() == serial.getvalue()
    rows = list(csv.DictReader(io.StringIO(serial.getvalue())))
    assert [r["id"] for r in rows[:3]] == ["r0-0", "r0-1", "r0-2"]


def test_damaged_lines_are_reported_per_file(tmp_path):
    store = fill_days(tmp_path, 2)
    first = store.day_files()[0]
    with open(first, "ab") as handle:
        handle.write(b'{"op":"put","table":"responses","id":"x","doc":{"score":7}}\n')
    reported = []
    out = io.StringIO()
    assert write_csv(store.day_files(), out, on_bad=lambda path, n: reported.append((path, n))) == 10
    assert reported == [(first, 1)]


# -- the per-combination cache never mixes types (issue 13, point 6) ------------------------

_DOC_IDS = itertools.count(1)


def _journal_line(doc) -> bytes:
    """A put line as the store writes it (TinyDB doc ids: "1", "2", ...)."""
    import json
    return (json.dumps({"op": "put", "table": "responses", "id": str(next(_DOC_IDS)),
                        "doc": doc}) + "\n").encode()


def test_a_wrong_typed_record_never_hides_good_ones(tmp_path):
    """4.0 == 4 and 0 == False hash alike: one bad record seen first must not
    make the export skip every good record of the same shape, in any day file."""
    good = {"timestamp": BASE.isoformat(), "kiosk": "k-typed", "question": "q", "score": 4,
            "label": "L", "language": "en", "flagged": False}
    folder = tmp_path / "responses"
    folder.mkdir()
    first, second = folder / "2026-01-01.jsonl", folder / "2026-01-02.jsonl"
    with open(first, "wb") as handle:
        handle.write(_journal_line({**good, "id": "bad-score", "score": 4.0}))
        handle.write(_journal_line({**good, "id": "bad-flag", "flagged": 0}))
        handle.write(_journal_line({**good, "id": "bad-nps", "nps": 5.0}))
        handle.write(_journal_line({**good, "id": "bad-null-flag", "flagged": None}))
        for i in range(5):
            handle.write(_journal_line({**good, "id": f"a{i}"}))
    with open(second, "wb") as handle:
        for i in range(5):
            doc = {**good, "id": f"b{i}", "nps": 5}
            del doc["flagged"]  # older records have no flagged: valid, "0"
            handle.write(_journal_line(doc))
    reported = []
    out = io.StringIO()
    count = write_csv([first, second], out, on_bad=lambda path, n: reported.append((path, n)))
    ids = [row["id"] for row in csv.DictReader(io.StringIO(out.getvalue()))]
    assert ids == [f"a{i}" for i in range(5)] + [f"b{i}" for i in range(5)]
    assert count == 10
    assert reported == [(first, 4)]


MISSING = object()
shape = st.fixed_dictionaries({
    "score": st.sampled_from([4, 4.0, 1, True, "4"]),
    "flagged": st.sampled_from([False, 0, 0.0, True, 1, None, MISSING]),
    "nps": st.sampled_from([None, 5, 5.0, 0, False, MISSING])})


@settings(max_examples=300, deadline=None)
@given(st.lists(shape, min_size=2, max_size=8))
def test_a_shared_cache_gives_what_a_fresh_one_gives(shapes):
    shared: dict = {}
    for i, values in enumerate(shapes):
        doc = {"id": f"r{i}", "timestamp": BASE.isoformat(), "kiosk": "k", "question": "q",
               "label": "l", "language": "en",
               **{name: value for name, value in values.items() if value is not MISSING}}
        assert _line(doc, shared) == _line(doc, {}), doc
