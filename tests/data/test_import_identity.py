"""``kiosk import`` keeps one record per response id in the whole data dir, whatever
the importing process's time zone, and refuses implausible timestamps (issue 13, point 8)."""
from __future__ import annotations

import csv
import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from kiosk.cli import main
from kiosk.data import importer
from kiosk.data.importer import Importer
from kiosk.models import Response
from kiosk.store.response_store import ResponseStore

ROOT = Path(__file__).resolve().parents[2]
CONFIG = str(ROOT / "config.toml")
COLUMNS = ("id", "timestamp", "kiosk", "question", "score", "label", "language", "flagged")
PARIS = timezone(timedelta(hours=1))


@pytest.fixture
def in_zone(monkeypatch):
    """Switch the process's local time zone (TZ + tzset), restored afterwards."""
    def switch(name: str) -> None:
        monkeypatch.setenv("TZ", name)
        time.tzset()
    yield switch
    monkeypatch.undo()
    time.tzset()


def kiosk(capsys, *argv: str) -> tuple[int, str, str]:
    code = main([argv[0], "--config", CONFIG, *argv[1:]])
    out, err = capsys.readouterr()
    return code, out, err


def row(ident: str, stamp: str) -> list[str]:
    return [ident, stamp, "counter-1", "visit-satisfaction", "4", "Satisfied", "en", "0"]


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(COLUMNS)
        writer.writerows(rows)
    return path


def stored(data: Path) -> list[dict]:
    return list(ResponseStore(data).iter_docs())


# Around midnight in Paris: local days differ between Paris, UTC and New York.
NEAR_MIDNIGHT = [row(f"m{i}", (datetime(2026, 11, 20, 23, 0, tzinfo=PARIS)
                               + timedelta(minutes=20 * i)).isoformat()) for i in range(6)]


def test_reimporting_under_another_time_zone_adds_nothing(tmp_path, capsys, in_zone):
    path = write_csv(tmp_path / "a.csv", NEAR_MIDNIGHT)
    data = tmp_path / "d"
    in_zone("Europe/Paris")
    assert kiosk(capsys, "import", "--data-dir", str(data), str(path))[0] == 0
    for zone in ("UTC", "America/New_York", "Australia/Lord_Howe", "Pacific/Kiritimati"):
        in_zone(zone)
        code, out, _ = kiosk(capsys, "import", "--data-dir", str(data), str(path))
        assert code == 0
        assert "total (1 file): 0 added, 6 already present, 0 rejected" in out, (zone, out)
    assert sorted(doc["id"] for doc in stored(data)) == [f"m{i}" for i in range(6)]


def test_an_id_with_another_timestamp_is_a_conflict_not_a_second_record(tmp_path, capsys):
    data = tmp_path / "d"
    first = write_csv(tmp_path / "a.csv", [row("same-id", "2026-11-20T10:00:00+01:00")])
    assert kiosk(capsys, "import", "--data-dir", str(data), str(first))[0] == 0
    # Two days later: another day file than the stored record's.
    moved = write_csv(tmp_path / "b.csv", [row("same-id", "2026-11-22T10:00:00+01:00")])
    code, out, _ = kiosk(capsys, "import", "--data-dir", str(data), str(moved))
    assert code == 1  # nothing usable in it
    assert "total (1 file): 0 added, 0 already present, 1 rejected" in out
    assert (f"{moved}:2: id 'same-id' is already stored in 2026-11-20.jsonl with a different "
            "timestamp; the stored one is kept") in out.splitlines()
    assert [(d["id"], d["timestamp"]) for d in stored(data)] == [
        ("same-id", "2026-11-20T10:00:00+01:00")]


def test_an_id_twice_in_one_import_on_different_days_is_stored_once(tmp_path, capsys,
                                                                   monkeypatch):
    monkeypatch.setattr(importer, "CHUNK_ROWS", 1)  # the second one in another chunk, too
    path = write_csv(tmp_path / "a.csv", [row("x", "2026-11-20T10:00:00+01:00"),
                                          row("x", "2026-11-23T10:00:00+01:00"),
                                          row("x", "2026-11-20T10:00:00+01:00")])
    code, out, _ = kiosk(capsys, "import", "--data-dir", str(tmp_path / "d"), str(path))
    assert code == 0
    assert "total (1 file): 1 added, 1 already present, 1 rejected" in out
    assert len(stored(tmp_path / "d")) == 1


NOW = datetime(2026, 11, 23, 0, 5, tzinfo=UTC)


@pytest.mark.parametrize("stamp, accepted", [
    ("0001-01-01T00:00:00+00:00", False),
    ("0001-01-01T00:00:00+14:00", False),
    ("9999-12-31T23:59:59-12:00", False),
    ("1999-12-31T23:59:59+00:00", False),
    ("2000-01-01T00:59:59+01:00", False),  # 1999-12-31T23:59:59Z
    ("2000-01-01T00:00:00+00:00", True),
    ("2026-11-24T00:05:00+00:00", True),   # now + 1 day, exactly
    ("2026-11-24T00:05:01+00:00", False),
    ("2026-11-24T02:05:01+02:00", False),
])
def test_implausible_timestamps_are_rejected_with_a_reason(tmp_path, stamp, accepted):
    path = write_csv(tmp_path / "a.csv", [row("r", stamp)])
    store = ResponseStore(tmp_path / "d")
    job = Importer(store, now=lambda: NOW)
    store.lock_for_bulk()
    try:
        counts = job.import_file(str(path))
    finally:
        store.close()
    assert (counts.added, counts.rejected) == ((1, 0) if accepted else (0, 1)), job.reasons
    if not accepted:
        assert job.reasons == [f"{path}:2: timestamp {stamp!r} is outside 2000-01-01 .. "
                               "2026-11-24T00:05:00+00:00 (now + 1 day): check the clock of "
                               "the kiosk that wrote it"]
    assert len(stored(tmp_path / "d")) == (1 if accepted else 0)


def test_year_1_and_year_9999_rows_are_not_stored_by_the_cli(tmp_path, capsys):
    path = write_csv(tmp_path / "a.csv", [row("y1", "0001-01-01T00:00:00+00:00"),
                                          row("y9", "9999-12-31T23:00:00+00:00"),
                                          row("ok", "2026-11-20T10:00:00+01:00")])
    code, out, _ = kiosk(capsys, "import", "--data-dir", str(tmp_path / "d"), str(path))
    assert code == 0
    assert "total (1 file): 1 added, 0 already present, 2 rejected" in out
    assert [d["id"] for d in stored(tmp_path / "d")] == ["ok"]


def test_ids_already_in_the_data_dir_come_from_every_day_file(tmp_path):
    store = ResponseStore(tmp_path)
    store.write_now(Response(id=f"r{d}", timestamp=datetime(2026, 1, 1 + d, 12, tzinfo=PARIS),
                             kiosk="k", question="q", score=3, label="L", language="en")
                    for d in range(3))
    store.close()
    found = importer.stored_ids(ResponseStore(tmp_path))
    assert [[p.name for p in found.candidates(f"r{d}")] for d in range(3)] == [
        ["2026-01-01.jsonl"], ["2026-01-02.jsonl"], ["2026-01-03.jsonl"]]
    assert found.candidates("r9") == ()


def test_ids_sharing_a_hash_are_still_told_apart(tmp_path, capsys, monkeypatch):
    """Every id hashes alike here: identity must still be exact (confirmed by reading)."""
    real = importer.StoredIds
    monkeypatch.setattr(importer, "StoredIds", lambda: real(key=len))
    data = tmp_path / "d"
    first = write_csv(tmp_path / "a.csv", [row("aa", "2026-11-20T10:00:00+01:00"),
                                           row("bb", "2026-11-21T10:00:00+01:00")])
    assert kiosk(capsys, "import", "--data-dir", str(data), str(first))[0] == 0
    second = write_csv(tmp_path / "b.csv", [row("cc", "2026-11-22T10:00:00+01:00"),
                                            row("bb", "2026-11-21T10:00:00+01:00"),
                                            row("aa", "2026-11-23T10:00:00+01:00")])
    code, out, _ = kiosk(capsys, "import", "--data-dir", str(data), str(second))
    assert "total (1 file): 1 added, 1 already present, 1 rejected" in out
    assert sorted(d["id"] for d in stored(data)) == ["aa", "bb", "cc"]
