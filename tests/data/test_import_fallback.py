"""Issue 22 item 8: a reason that lands in the fallback file (the disk full between a
low score and its reason, ENOSPC at os.write) is merged back by ``kiosk import`` onto
the record it annotates, instead of being refused as a conflict."""
from __future__ import annotations

import csv
import errno
import io
import json

from kiosk.store.fallback import save_unwritten
from kiosk.store.response_store import ResponseStore
from tests.data.test_import import export, kiosk
from tests.store.test_disk_failures import Disk
from tests.store.test_store import make


def _reason_in_fallback(tmp_path, monkeypatch, reason: str = "waited too long"):
    data = tmp_path / "data"
    disk = Disk(monkeypatch, errno.ENOSPC)
    store = ResponseStore(data, retry_seconds=0.05).open_writer()
    low = make(1)
    assert store.record(low).wait(5)  # the tap is durable...
    disk.broken.set()                 # ...then the disk fills up before its reason
    store.annotate(low, {"reason": reason})
    unwritten = store.close(timeout=0.3)
    assert [(r.id, r.reason) for r in unwritten] == [(low.id, reason)]
    saved = save_unwritten(unwritten, data)
    assert saved.startswith(str(data))
    disk.broken.clear()               # space again (staff freed some)
    before = [d for d in ResponseStore(data).iter_docs()]
    assert [(d["id"], d.get("reason")) for d in before] == [(low.id, None)]
    return data, low, saved


def test_a_reason_saved_on_a_full_disk_is_merged_onto_its_tap(tmp_path, monkeypatch, capsys):
    data, low, saved = _reason_in_fallback(tmp_path, monkeypatch)
    code, out, err = kiosk(capsys, "import", "--data-dir", str(data), saved)
    assert (code, err) == (0, "")
    assert "0 added, 0 already present, 0 rejected, 1 annotation(s) merged onto stored answers" in out
    docs = list(ResponseStore(data).iter_docs())
    assert [(d["id"], d["score"], d.get("reason")) for d in docs] == [(low.id, 1, "waited too long")]
    rows = list(csv.DictReader(io.StringIO(export(capsys, data, tmp_path / "a.csv").decode())))
    assert [(r["id"], r["reason"]) for r in rows] == [(low.id, "waited too long")]
    code, out, _ = kiosk(capsys, "stats", "--data-dir", str(data), "--json")
    assert code == 0 and json.loads(out)["responses"] == 1
    # A second import of the same file changes nothing more.
    code, out, _ = kiosk(capsys, "import", "--data-dir", str(data), saved)
    assert code == 0 and "0 added, 1 already present, 0 rejected" in out
    assert len(list(ResponseStore(data).iter_docs())) == 1


def test_a_different_stored_reason_is_still_a_conflict(tmp_path, monkeypatch, capsys):
    data, low, saved = _reason_in_fallback(tmp_path, monkeypatch)
    store = ResponseStore(data).open_writer()
    assert store.annotate(low, {"reason": "rude staff"}).wait(5)  # written meanwhile
    assert store.close() == []
    code, out, _ = kiosk(capsys, "import", "--data-dir", str(data), saved)
    assert code == 1 and "already stored in" in out and "different reason" in out
    assert [d.get("reason") for d in ResponseStore(data).iter_docs()] == ["rude staff"]
