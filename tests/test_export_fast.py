"""The column fast path of export writes exactly what csv.writer over the docs writes."""
from __future__ import annotations

import csv
import io
import random

import pytest

from kiosk.export import COLUMNS, csv_row, neutralise, write_csv, _cell
from kiosk.storage import JournalStorage, iter_documents, journal_columns, read_table, Columns

TRICKY = ["", "plain", "a,b", 'say "hi"', "=1+1", "+x", "-3", "@a", "'", "''x", "'=x",
          " lead", "tail ", "é ü 非常", "line\nbreak", "tab\there", "\tlead", "\rcr", "x\\y"]


def reference(docs) -> str:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerows(csv_row(doc) for doc in docs)
    return out.getvalue()


def doc(i: int, rng: random.Random, **extra) -> dict:
    base = {"id": f"id-{i}", "timestamp": f"2026-11-20T10:{i % 60:02d}:00+01:00",
            "kiosk": rng.choice(TRICKY), "question": "q", "score": 1 + i % 5,
            "label": rng.choice(TRICKY), "language": "en", "flagged": bool(i % 7 == 0)}
    base.update(extra)
    return base


@pytest.mark.parametrize("extra", [{}, {"reason": "slow", "nps": 9},
                                   {"comment": "a, b", "nps": None}])
def test_fast_path_matches_the_docs_path(tmp_path, extra):
    rng = random.Random(1)
    path = tmp_path / "d.jsonl"
    storage = JournalStorage(path, sync=False)
    docs = [doc(i, rng, **extra) for i in range(300)]
    storage.append_documents("responses", docs)
    storage.close()
    table = read_table(path, "responses")
    expected = list(iter_documents(path, "responses"))
    if isinstance(table, Columns):
        assert table.docs() == expected
    out = io.StringIO(newline="")

    class Stream:
        def tables(self):
            yield table

    assert write_csv(Stream(), out) == 300
    assert out.getvalue() == reference(expected)


def test_updates_deletes_and_torn_tails_take_the_careful_path(tmp_path):
    path = tmp_path / "d.jsonl"
    storage = JournalStorage(path, sync=False)
    plain = [{**doc(i, random.Random(i)), "kiosk": "k", "label": "l"} for i in range(5)]
    storage.append_documents("responses", plain)
    storage.close()
    blob = path.read_bytes()
    assert journal_columns(blob, "responses") is not None
    assert journal_columns(blob + b'{"op":"del","table":"responses","id":"2"}\n', "responses") is None
    first = blob.split(b"\n")[0] + b"\n"
    assert journal_columns(blob + first, "responses") is None  # same id twice
    torn = journal_columns(blob + first[:40], "responses")
    assert torn is not None and torn.rows == 5


def test_cells_are_what_csv_writer_writes():
    rng = random.Random(3)
    alphabet = list("ab ,\"'=+-@\t\r\n;é")
    for _ in range(2000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 6)))
        out = io.StringIO(newline="")
        csv.writer(out, lineterminator="\r\n").writerow(["x", neutralise(text)])
        assert out.getvalue() == "x," + _cell("label", text) + "\r\n"


def test_neutralise_guards_a_leading_quote_too():
    assert neutralise("'x") == "''x" and neutralise("x'") == "x'" and neutralise("=a") == "'=a"
