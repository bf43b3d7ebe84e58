"""benchmarks/run.py runs end to end on tiny sizes (no assert on speed)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

KEYS = ("tap_p50_ms", "tap_p99_ms", "floor_p50_ms", "sqlite_p50_ms", "tinydb_stock_100k_ms",
        "start_s", "admin_refresh_ms", "export_1m_s", "export_peak_rss_mb", "stats_1m_s",
        "listener_p50_ms", "live_update_ms", "kiosk_rss_mb", "stats_cold_s")


def test_smoke_run_writes_every_figure(tmp_path):
    out = tmp_path / "bench.json"
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--smoke", "--json", str(out),
         "--tmp", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    figures = json.loads(out.read_text())
    for key in KEYS:
        assert isinstance(figures[key], (int, float)) and figures[key] > 0, key
    assert figures["export_rows"] >= figures["headline_history"]  # + the measured taps
    assert "tap (sync)" in done.stdout
