"""``kiosk import``: round trips, idempotence, merging, hostile and broken files, streaming."""
from __future__ import annotations

import csv
import dataclasses
import io
import json
import re
import subprocess
import sys
import tracemalloc
import uuid
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from kiosk.cli import main
from kiosk.data import importer
from kiosk.models import Response, new_response_id
from kiosk.store.response_store import ResponseStore

ROOT = Path(__file__).resolve().parents[2]
CONFIG = str(ROOT / "config.toml")
DAY1 = datetime(2026, 11, 20, 10, 0).astimezone()
LABELS = {1: "Very dissatisfied", 2: "Dissatisfied", 3: "Neutral", 4: "Satisfied",
          5: "Very satisfied"}
COLUMNS = ("id", "timestamp", "kiosk", "question", "score", "label", "language", "flagged")
HOSTILE = ["=cmd|' /C calc'!A0", "+1", "-2", "@x", "\t=leading tab", "\r+leading CR", "  leading spaces",
           "'already quoted", "'=quoted formula?", "semi;colon, comma \"quote\"\nnewline"]


# -- helpers -----------------------------------------------------------------------------

def kiosk(capsys, command: str, *argv: str) -> tuple[int, str, str]:
    code = main([command, "--config", CONFIG, *argv])
    out, err = capsys.readouterr()
    return code, out, err


def fill(data_dir: Path, count: int, kiosk_id: str = "counter-1", start: datetime = DAY1,
         texts: list[str] | None = None) -> list[Response]:
    """``count`` responses over three local days, recorded like the kiosk does."""
    store = ResponseStore(data_dir).open_writer()
    responses = []
    for i in range(count):
        score = i % 5 + 1
        text = texts[i % len(texts)] if texts else None
        response = Response(
            id=new_response_id(), timestamp=start + timedelta(days=i % 3, minutes=i),
            kiosk=text or kiosk_id, question=text or "visit-satisfaction", score=score,
            label=text or LABELS[score], language=text or "en", flagged=i % 7 == 0)
        store.record(response)
        responses.append(response)
    assert store.close() == []
    return responses


def export(capsys, data_dir: Path, out: Path, *extra: str) -> bytes:
    code, _, err = kiosk(capsys, "export", "--data-dir", str(data_dir), "--out", str(out), *extra)
    assert code == 0, err
    return out.read_bytes()


def stored(data_dir: Path) -> list[dict]:
    return list(ResponseStore(data_dir).iter_docs())


def day_files(data_dir: Path) -> dict[str, bytes]:
    folder = data_dir / "responses"
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*"))} if folder.is_dir() else {}


def row(**values: str) -> dict[str, str]:
    base = {"id": str(uuid.uuid4()), "timestamp": DAY1.isoformat(), "kiosk": "counter-1",
            "question": "visit-satisfaction", "score": "4", "label": "Satisfied",
            "language": "en", "flagged": "0"}
    base.update(values)
    return base


def write_rows(path: Path, rows: list[dict[str, str]], columns=COLUMNS, bom: bool = False) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        if bom:
            handle.write("\ufeff")
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(columns)
        for values in rows:
            writer.writerow([values.get(c, "") for c in columns])
    return path


def reasons(out: str) -> list[str]:
    return [line for line in out.splitlines() if re.search(r"\.csv:\d+: ", line)]


# -- round trips and idempotence -------------------------------------------------------------

@pytest.mark.parametrize("bom", [False, True], ids=["plain", "bom"])
def test_export_import_export_gives_identical_files(tmp_path, capsys, bom):
    source, target = tmp_path / "source", tmp_path / "target"
    fill(source, 60)
    flag = ("--bom",) if bom else ()
    first = export(capsys, source, tmp_path / "a.csv", *flag)
    assert first.startswith(b"\xef\xbb\xbf") == bom

    code, out, err = kiosk(capsys, "import", "--data-dir", str(target), str(tmp_path / "a.csv"))
    assert (code, err) == (0, "")
    assert f"{tmp_path / 'a.csv'}: 60 added, 0 already present, 0 rejected" in out.splitlines()
    assert "total (1 file): 60 added, 0 already present, 0 rejected" in out.splitlines()

    assert export(capsys, target, tmp_path / "b.csv", *flag) == first
    assert stored(target) == stored(source)


def test_importing_twice_adds_nothing(tmp_path, capsys):
    fill(tmp_path / "source", 40)
    csv_file = tmp_path / "a.csv"
    export(capsys, tmp_path / "source", csv_file)
    target = tmp_path / "target"
    assert kiosk(capsys, "import", "--data-dir", str(target), str(csv_file))[0] == 0
    before = day_files(target)

    code, out, _ = kiosk(capsys, "import", "--data-dir", str(target), str(csv_file), str(csv_file))
    assert code == 0
    assert out.splitlines() == [
        f"{csv_file}: 0 added, 40 already present, 0 rejected",
        f"{csv_file}: 0 added, 40 already present, 0 rejected",
        "total (2 files): 0 added, 80 already present, 0 rejected",
    ]
    assert day_files(target) == before  # not a byte appended
    assert len(stored(target)) == 40


def test_merging_exports_of_two_kiosks(tmp_path, capsys):
    a = fill(tmp_path / "k1", 30, kiosk_id="counter-1")
    b = fill(tmp_path / "k2", 45, kiosk_id="counter-2", start=DAY1 + timedelta(days=1))
    export(capsys, tmp_path / "k1", tmp_path / "k1.csv")
    export(capsys, tmp_path / "k2", tmp_path / "k2.csv")
    office = tmp_path / "office"

    code, out, _ = kiosk(capsys, "import", "--data-dir", str(office),
                         str(tmp_path / "k1.csv"), str(tmp_path / "k2.csv"))
    assert code == 0
    assert "total (2 files): 75 added, 0 already present, 0 rejected" in out
    docs = stored(office)
    assert sorted(d["id"] for d in docs) == sorted(r.id for r in a + b)
    assert {d["kiosk"] for d in docs} == {"counter-1", "counter-2"}
    merged = list(csv.DictReader(io.StringIO(
        export(capsys, office, tmp_path / "all.csv").decode("utf-8"))))
    assert len(merged) == 75
    # Stats read the merged store (summaries included) like any other.
    code, out, _ = kiosk(capsys, "stats", "--data-dir", str(office), "--json")
    assert code == 0 and json.loads(out)


# -- hostile content ----------------------------------------------------------------------------

def test_formula_injection_text_survives_and_is_neutralised_again(tmp_path, capsys):
    responses = fill(tmp_path / "source", len(HOSTILE), texts=HOSTILE)
    first = export(capsys, tmp_path / "source", tmp_path / "a.csv")
    cells = list(csv.DictReader(io.StringIO(first.decode("utf-8"), newline="")))
    assert {r["kiosk"] for r in cells} >= {"'=cmd|' /C calc'!A0", "'+1", "'-2", "'@x",
                                           "'\t=leading tab", "'\r+leading CR", "  leading spaces"}

    target = tmp_path / "target"
    assert kiosk(capsys, "import", "--data-dir", str(target), str(tmp_path / "a.csv"))[0] == 0
    by_id = {d["id"]: d for d in stored(target)}
    for response in responses:
        doc = by_id[response.id]
        assert (doc["kiosk"], doc["question"], doc["label"], doc["language"]) == (
                response.kiosk, response.question, response.label, response.language)
    assert export(capsys, target, tmp_path / "b.csv") == first


@pytest.mark.parametrize("text", ["'=x", "'", "''", "'plain", "'+1"])
def test_a_stored_text_starting_with_a_quote_round_trips_exactly(tmp_path, capsys, text):
    """``neutralise`` guards a leading ``'`` too, so the import takes exactly one off."""
    fill(tmp_path / "source", 1, texts=[text])
    first = export(capsys, tmp_path / "source", tmp_path / "a.csv")
    cell = next(csv.DictReader(io.StringIO(first.decode("utf-8"), newline="")))["label"]
    assert cell == "'" + text
    assert kiosk(capsys, "import", "--data-dir", str(tmp_path / "t"), str(tmp_path / "a.csv"))[0] == 0
    assert stored(tmp_path / "t")[0]["label"] == text
    assert export(capsys, tmp_path / "t", tmp_path / "b.csv") == first
    code, out, _ = kiosk(capsys, "import", "--data-dir", str(tmp_path / "source"),
                         str(tmp_path / "a.csv"))
    assert code == 0 and "0 added, 1 already present, 0 rejected" in out


def test_unguarded_formulas_from_other_tools_are_kept_and_guarded_on_export(tmp_path, capsys):
    rows = [row(label="=1+1", kiosk="@SUM(A1)", question="-3", language="+en", id="=id")]
    write_rows(tmp_path / "hand.csv", rows)
    target = tmp_path / "target"
    assert kiosk(capsys, "import", "--data-dir", str(target), str(tmp_path / "hand.csv"))[0] == 0
    doc = stored(target)[0]
    assert (doc["id"], doc["label"], doc["kiosk"], doc["question"], doc["language"]) == (
        "=id", "=1+1", "@SUM(A1)", "-3", "+en")
    again = next(csv.DictReader(io.StringIO(
        export(capsys, target, tmp_path / "out.csv").decode("utf-8"))))
    assert (again["id"], again["label"], again["kiosk"]) == ("'=id", "'=1+1", "'@SUM(A1)")


def test_huge_fields_are_rejected_with_a_reason(tmp_path, capsys):
    path = tmp_path / "huge.csv"
    huge = "x" * 2_000_000
    quoted_huge = ("line\n" * 400_000)  # 2 MB over 400,000 lines, quoted
    write_rows(path, [row(id="good-1"), row(label=huge), row(question=quoted_huge),
                      row(id="good-2"), row(kiosk="k" * 1001), row(id="i" * 201)])
    code, out, _ = kiosk(capsys, "import", "--data-dir", str(tmp_path / "d"), str(path))
    assert code == 0
    assert f"{path}: 2 added, 0 already present, 4 rejected" in out
    found = reasons(out)
    assert found[0].startswith(f"{path}:3: row is 2000")
    assert "characters long (at most 100000)" in found[0]
    assert found[1].startswith(f"{path}:4: row is 2000")
    assert found[2] == f"{path}:400006: kiosk is 1001 characters long (at most 1000)"
    assert found[3] == f"{path}:400007: id is 201 characters long (at most 200)"
    assert sorted(d["id"] for d in stored(tmp_path / "d")) == ["good-1", "good-2"]


def test_a_huge_field_does_not_blow_memory(tmp_path, capsys):
    path = tmp_path / "huge.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write(",".join(COLUMNS) + "\r\n")
        handle.write(f"big,{DAY1.isoformat()},k,q,4,")
        for _ in range(30):  # 30 MB in one unquoted field
            handle.write("y" * 1_000_000)
        handle.write(",en,0\r\n")
        handle.write(",".join(row(id="after").values()) + "\r\n")
    tracemalloc.start()
    try:
        code, out, _ = kiosk(capsys, "import", "--data-dir", str(tmp_path / "d"), str(path))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert code == 0 and "1 added, 0 already present, 1 rejected" in out
    assert peak < 5_000_000, f"peak {peak:,} bytes for a 30 MB field"


def test_an_unterminated_quote_is_one_rejected_row(tmp_path, capsys):
    path = tmp_path / "open.csv"
    write_rows(path, [row(id="ok")])
    with open(path, "a", encoding="utf-8", newline="") as handle:
        handle.write(f'oops,{DAY1.isoformat()},k,"never closed,4,L,en,0\r\nmore,lines\r\n')
    code, out, _ = kiosk(capsys, "import", "--data-dir", str(tmp_path / "d"), str(path))
    assert code == 0
    assert "1 added, 0 already present, 1 rejected" in out
    assert f"{path}:3: a quoted field is never closed (the file ends inside it)" in out


def test_malformed_csv_row_is_rejected(tmp_path, capsys):
    path = tmp_path / "bad.csv"
    write_rows(path, [row(id="ok")])
    with open(path, "a", encoding="utf-8", newline="") as handle:
        handle.write(f'"x"y,{DAY1.isoformat()},k,q,4,L,en,0\r\n')
    code, out, _ = kiosk(capsys, "import", "--data-dir", str(tmp_path / "d"), str(path))
    assert code == 0
    assert f"{path}:3: not valid CSV (',' expected after '\"')" in out


# -- bad values ------------------------------------------------------------------------------------

BAD_ROWS = [
    (dict(timestamp="2026-13-45T10:00:00+01:00"), "timestamp '2026-13-45T10:00:00+01:00' is not an ISO 8601"),
    (dict(timestamp="yesterday"), "timestamp 'yesterday' is not an ISO 8601 date and time"),
    (dict(timestamp=""), "timestamp '' is not an ISO 8601"),
    (dict(timestamp="2026-11-20T10:00:00"), "timestamp '2026-11-20T10:00:00' has no UTC offset"),
    (dict(timestamp="2026-11-20"), "timestamp '2026-11-20' has no UTC offset"),
    (dict(score="0"), "score '0' is not a whole number from 1 to 5"),
    (dict(score="6"), "score '6' is not a whole number from 1 to 5"),
    (dict(score="five"), "score 'five' is not a whole number from 1 to 5"),
    (dict(score="4.5"), "score '4.5' is not a whole number from 1 to 5"),
    (dict(score=""), "score '' is not a whole number from 1 to 5"),
    (dict(score="-1"), "score '-1' is not a whole number from 1 to 5"),
    (dict(id=""), "id is empty"),
    (dict(label="  "), "label is empty"),
    (dict(kiosk=""), "kiosk is empty"),
    (dict(question=""), "question is empty"),
    (dict(language=""), "language is empty"),
    (dict(flagged="maybe"), "flagged 'maybe' is not 0 or 1"),
]


def test_rows_with_bad_values_are_rejected_with_reasons(tmp_path, capsys):
    path = tmp_path / "mixed.csv"
    rows = [row(id="good-first")] + [row(**values) for values, _ in BAD_ROWS] + [row(id="good-last")]
    write_rows(path, rows)
    with open(path, "a", encoding="utf-8", newline="") as handle:
        handle.write("short,row\r\n")
        handle.write("\r\n,,,,,,,\r\n")  # blank rows (spreadsheets add them): skipped
    code, out, _ = kiosk(capsys, "import", "--data-dir", str(tmp_path / "d"), str(path))
    assert code == 0
    assert f"{path}: 2 added, 0 already present, {len(BAD_ROWS) + 1} rejected" in out
    found = reasons(out)
    for line, (_, why) in enumerate(BAD_ROWS, start=3):
        assert any(r.startswith(f"{path}:{line}: {why}") for r in found), (line, why, found)
    assert f"{path}:{len(BAD_ROWS) + 4}: has 2 fields, the header has 8" in found
    assert sorted(d["id"] for d in stored(tmp_path / "d")) == ["good-first", "good-last"]


def test_every_row_rejected_exits_1(tmp_path, capsys):
    path = write_rows(tmp_path / "bad.csv", [row(score="9"), row(timestamp="2026-11-20T10:00")])
    code, out, _ = kiosk(capsys, "import", "--data-dir", str(tmp_path / "d"), str(path))
    assert code == 1
    assert "total (1 file): 0 added, 0 already present, 2 rejected" in out
    assert stored(tmp_path / "d") == []


def test_header_only_export_is_fine(tmp_path, capsys):
    path = write_rows(tmp_path / "empty-export.csv", [])
    code, out, _ = kiosk(capsys, "import", "--data-dir", str(tmp_path / "d"), str(path))
    assert code == 0 and "0 added, 0 already present, 0 rejected" in out


def test_reasons_are_capped_at_twenty(tmp_path, capsys):
    path = write_rows(tmp_path / "bad.csv", [row(score="0") for _ in range(25)] + [row()])
    code, out, _ = kiosk(capsys, "import", "--data-dir", str(tmp_path / "d"), str(path))
    assert code == 0
    lines = out.splitlines()
    assert len(reasons(out)) == 20
    assert lines[-1] == "… and 5 more"
    assert reasons(out)[-1].startswith(f"{path}:21: ")


def test_older_exports_and_extra_columns(tmp_path, capsys):
    """No flagged column (older exports), columns in another order, unknown ones ignored."""
    columns = ("note", "score", "language", "label", "question", "kiosk", "timestamp", "id",
               "source")
    path = write_rows(tmp_path / "old.csv",
                      [row(id="a", note="free text " * 500, source="=SUM(A1)"),
                       row(id="b", score="2", label="Dissatisfied")], columns=columns)
    code, out, _ = kiosk(capsys, "import", "--data-dir", str(tmp_path / "d"), str(path))
    assert code == 0 and "2 added" in out
    docs = {d["id"]: d for d in stored(tmp_path / "d")}
    assert docs["a"]["flagged"] is False and docs["b"]["score"] == 2
    assert set(docs["a"]) == set(COLUMNS)


def test_duplicate_ids_within_an_import_and_across_chunks(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(importer, "CHUNK_ROWS", 2)
    same = row(id="same")
    path = write_rows(tmp_path / "dups.csv", [
        same, row(id="other"), dict(same), row(id="x"), row(id="x"),
        row(id="other", score="1"), dict(same)])
    code, out, _ = kiosk(capsys, "import", "--data-dir", str(tmp_path / "d"), str(path))
    assert code == 0
    assert f"{path}: 3 added, 3 already present, 1 rejected" in out
    assert (f"{path}:7: id 'other' is already stored in 2026-11-20.jsonl with a different "
            "score; the stored one is kept") in reasons(out)
    assert sorted(d["id"] for d in stored(tmp_path / "d")) == ["other", "same", "x"]

    # The same within one chunk.
    monkeypatch.setattr(importer, "CHUNK_ROWS", 1000)
    path2 = write_rows(tmp_path / "dups2.csv", [row(id="y"), row(id="y", flagged="1")])
    code, out, _ = kiosk(capsys, "import", "--data-dir", str(tmp_path / "d"), str(path2))
    assert (f"{path2}:3: id 'y' is also on {path2}:2 with a different flagged; "
            "the first one is kept") in out
    assert "1 added, 0 already present, 1 rejected" in out


def test_an_edited_export_does_not_overwrite_stored_responses(tmp_path, capsys):
    first = write_rows(tmp_path / "a.csv", [row(id="r1", score="5", label="Very satisfied")])
    assert kiosk(capsys, "import", "--data-dir", str(tmp_path / "d"), str(first))[0] == 0
    edited = write_rows(tmp_path / "b.csv", [row(id="r1", score="1", label="Very dissatisfied")])
    code, out, _ = kiosk(capsys, "import", "--data-dir", str(tmp_path / "d"), str(edited))
    assert code == 1
    assert ("id 'r1' is already stored in 2026-11-20.jsonl with a different score, label; "
            "the stored one is kept") in out
    assert stored(tmp_path / "d")[0]["score"] == 5


# -- files that are not exports -------------------------------------------------------------------

def _latin1(path: Path) -> None:
    path.write_bytes(",".join(COLUMNS).encode() + b"\r\nx,2026-11-20T10:00:00+01:00,caf\xe9,q,4,L,en,0\r\n")


def _binary(path: Path) -> None:
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))


def _nul(path: Path) -> None:
    path.write_bytes(",".join(COLUMNS).encode() + b"\r\n\x00\x00\r\n")


def _late_bad_byte(path: Path) -> None:  # valid for 2 MB, then one bad byte: nothing imported
    write_rows(path, [row() for _ in range(15_000)])
    with open(path, "ab") as handle:
        handle.write(b"x,2026-11-20T10:00:00+01:00,k,q,4,\xff,en,0\r\n")


NOT_EXPORTS = {
    "wrong-columns": (lambda p: p.write_text("when,who,what\r\n1,2,3\r\n"),
                      "not a kiosk export (no column id, timestamp, kiosk, question, score, "
                      "label, language in line 1; expected "
                      "id,timestamp,kiosk,question,score,label,language[,flagged])"),
    "missing-score": (lambda p: write_rows(p, [row()], columns=[c for c in COLUMNS if c != "score"]),
                      "not a kiosk export (no column score in line 1"),
    "twice": (lambda p: write_rows(p, [], columns=[*COLUMNS, "score"]),
              "not a kiosk export (column score appears twice)"),
    "latin-1": (_latin1, "not UTF-8 text (byte 0xe9 at offset 89); save it as 'CSV UTF-8'"),
    "late-bad-byte": (_late_bad_byte, "not UTF-8 text (byte 0xff at offset"),
    "binary": (_binary, "binary data (a NUL byte at offset 8), not a CSV export"),
    "nul": (_nul, "binary data (a NUL byte at offset 58), not a CSV export"),
    "empty": (lambda p: p.write_bytes(b""), "empty file, not a kiosk export"),
    "bom-only": (lambda p: p.write_bytes(b"\xef\xbb\xbf"), "empty file, not a kiosk export"),
    "blank-line": (lambda p: p.write_bytes(b"\r\n" + ",".join(COLUMNS).encode()),
                   "not a kiosk export (line 1 is blank"),
    "directory": (lambda p: p.mkdir(), "is a directory, not a CSV export"),
    "missing": (lambda p: None, "no such file"),
}


@pytest.mark.parametrize("case", NOT_EXPORTS)
def test_a_file_that_is_not_an_export_refuses_the_whole_run(tmp_path, capsys, case):
    make, why = NOT_EXPORTS[case]
    good = write_rows(tmp_path / "good.csv", [row()])
    bad = tmp_path / "bad.csv"
    make(bad)
    data = tmp_path / "d"
    code, out, err = kiosk(capsys, "import", "--data-dir", str(data), str(good), str(bad))
    assert code == 2
    assert out == ""
    assert err.startswith(f"kiosk: {bad}: {why}"), err
    assert err.count("\n") == 1
    assert day_files(data) == {}  # the good file was not imported either


def test_every_bad_file_gets_its_line(tmp_path, capsys):
    code, _, err = kiosk(capsys, "import", "--data-dir", str(tmp_path / "d"),
                         str(tmp_path / "a.csv"), str(tmp_path))
    assert code == 2
    assert err.splitlines() == [f"kiosk: {tmp_path / 'a.csv'}: no such file",
                                f"kiosk: {tmp_path}: is a directory, not a CSV export"]


def test_a_recording_kiosk_refuses_the_import(tmp_path, capsys):
    data = tmp_path / "d"
    path = write_rows(tmp_path / "a.csv", [row()])
    store = ResponseStore(data).open_writer()
    try:
        code, out, err = kiosk(capsys, "import", "--data-dir", str(data), str(path))
    finally:
        store.close()
    assert code == 2 and out == ""
    assert err.startswith("kiosk: ") and "recording" in err and err.count("\n") == 1
    assert stored(data) == []


# -- volume -------------------------------------------------------------------------------------------

def _big_csv(path: Path, rows: int, days: int = 100) -> None:
    """``rows`` rows over the ``days`` days before DAY1 (in the past: plausible)."""
    per_day = rows // days
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write(",".join(COLUMNS) + "\r\n")
        for i in range(rows):
            stamp = (DAY1 - timedelta(days=days - i // per_day, seconds=-(i % per_day))).isoformat()
            score = i % 5 + 1
            handle.write(f"{uuid.UUID(int=i + 1)},{stamp},counter-1,visit-satisfaction,{score},"
                         f"{LABELS[score]},en,{int(i % 11 == 0)}\r\n")


_MEASURE = """
import resource, sys
from kiosk.data import importer
from kiosk.cli import main
importer.CHUNK_ROWS = 5000
code = main(["import", "--config", sys.argv[1], "--data-dir", sys.argv[2], sys.argv[3]])
print("maxrss", code, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def _import_in_child(tmp_path: Path, name: str, rows: int) -> tuple[str, int]:
    path = tmp_path / f"{name}.csv"
    _big_csv(path, rows)
    done = subprocess.run([sys.executable, "-c", _MEASURE, CONFIG, str(tmp_path / name), str(path)],
                          capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    last = done.stdout.splitlines()[-1].split()
    assert last[:2] == ["maxrss", "0"], done.stdout
    return done.stdout, int(last[2])  # KiB on Linux


def test_a_hundred_thousand_rows_import_with_flat_memory(tmp_path):
    small_out, small_rss = _import_in_child(tmp_path, "small", 10_000)
    big_out, big_rss = _import_in_child(tmp_path, "big", 100_000)
    assert "total (1 file): 10000 added, 0 already present, 0 rejected" in small_out
    assert "total (1 file): 100000 added, 0 already present, 0 rejected" in big_out
    # Ten times the rows (a 12 MB file) in chunks of 5,000: memory does not grow with
    # the file (holding every row would cost well over 50 MB more).
    assert big_rss - small_rss < 25_000, (small_rss, big_rss)
    store = ResponseStore(tmp_path / "big")
    assert len(store.days()) == 100
    assert sum(1 for _ in store.iter_docs()) == 100_000


def test_a_full_disk_ends_in_one_line_after_the_report(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(importer, "CHUNK_ROWS", 2)
    real = ResponseStore.write_now
    calls = []

    def write_now(self, responses):
        responses = list(responses)
        if responses:
            calls.append(len(responses))
            if len(calls) == 2:
                raise OSError(28, "No space left on device")
        return real(self, responses)

    monkeypatch.setattr(ResponseStore, "write_now", write_now)
    path = write_rows(tmp_path / "a.csv", [row() for _ in range(5)])
    data = tmp_path / "d"
    code, out, err = kiosk(capsys, "import", "--data-dir", str(data), str(path))
    assert code == 2
    assert f"{path}: 2 added, 0 already present, 0 rejected" in out
    assert err == f"kiosk: {data}: cannot store the rows (No space left on device)\n"
    assert len(stored(data)) == 2


ANNOTATED = {"reason", "comment", "nps"} <= {f.name for f in dataclasses.fields(Response)}


@pytest.mark.skipif(not ANNOTATED, reason="the model has no reason/comment/nps yet")
def test_annotations_round_trip(tmp_path, capsys):
    source = tmp_path / "source"
    store = ResponseStore(source).open_writer()
    extras = [{}, {"reason": "=queue", "comment": "slow\nservice, \"really\"", "nps": 0},
              {"nps": 10}, {"comment": "@ok"}]
    for i, extra in enumerate(extras):
        store.record(Response(id=f"r{i}", timestamp=DAY1 + timedelta(minutes=i), kiosk="k",
                              question="q", score=3, label="Neutral", language="en", **extra))
    assert store.close() == []
    first = export(capsys, source, tmp_path / "a.csv")
    code, out, _ = kiosk(capsys, "import", "--data-dir", str(tmp_path / "t"), str(tmp_path / "a.csv"))
    assert code == 0 and "4 added" in out
    assert export(capsys, tmp_path / "t", tmp_path / "b.csv") == first
    assert stored(tmp_path / "t") == stored(source)

    bad = write_rows(tmp_path / "bad.csv", [row(nps="11"), row(nps="x"), row(comment="c" * 1001)],
                     columns=[*COLUMNS, "nps", "comment"])
    code, out, _ = kiosk(capsys, "import", "--data-dir", str(tmp_path / "t"), str(bad))
    assert code == 1
    assert [r.split(": ", 1)[1] for r in reasons(out)] == [
        "nps '11' is not a whole number from 0 to 10", "nps 'x' is not a whole number from 0 to 10",
        "comment is 1001 characters long (at most 1000)"]
