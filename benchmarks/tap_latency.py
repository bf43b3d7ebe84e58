"""Key press -> tap on disk, measured from the key, through a real pseudo-terminal.

    python benchmarks/tap_latency.py [--taps 100] [--strace] [--trace] [--json FILE]

`kiosk run` (on a temp data dir, thank-you 0.3 s) and `benchmarks/minimal_tap_app.py` (a
Textual app that appends one line and fdatasyncs on every key) run side by side, each in its
own pty of 80x24.  Taps alternate between them (so a slow moment of the machine hits both):
the byte "4" is written to the pty master, and the time runs until the tap's line is in the
file (inotify on the directory, then the file's size), and until the first screen output
after the key.  p50/p90/p99 over --taps taps each, after 3 warm-up taps.

--strace  also times key -> fdatasync returned, in a third run of the kiosk under
          `strace -f --seccomp-bpf -e trace=fdatasync` (strace slows the traced calls a little).
--profile FILE  a pyinstrument profile of the kiosk's main thread from each key to the
          thank-you's paint (pip install pyinstrument).
--trace   also runs the kiosk with timestamps at each stage of the tap path (pty read by the
          driver thread, key binding, RatingChosen handled, queued, writer thread wakes,
          journal write, fdatasync done, thank-you mounted, its first paint), all on the
          monotonic clock the parent uses, and prints the median time of each stage from the key.
"""
from __future__ import annotations

import argparse
import ctypes
import fcntl
import json
import os
import pty
import select
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
THANK_YOU_SECONDS = 0.3
WARMUP = 3

# -- inotify (stdlib only) ---------------------------------------------------------------------
_IN_MODIFY, _IN_CREATE, _IN_CLOEXEC, _IN_NONBLOCK = 0x2, 0x100, 0o2000000, 0o4000
_libc = ctypes.CDLL(None, use_errno=True)


class DirWatch:
    """Wakes when a file in ``directory`` is created or written."""

    def __init__(self, directory: Path) -> None:
        self.fd = _libc.inotify_init1(_IN_CLOEXEC | _IN_NONBLOCK)
        if self.fd < 0 or _libc.inotify_add_watch(self.fd, os.fsencode(directory),
                                                  _IN_MODIFY | _IN_CREATE) < 0:
            raise OSError(ctypes.get_errno(), f"inotify on {directory}")

    def drain(self) -> None:
        try:
            while os.read(self.fd, 65536):
                pass
        except BlockingIOError:
            pass

    def wait(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.fd], [], [], timeout)
        self.drain()
        return bool(ready)


def _sizes(directory: Path, suffix: str) -> dict[str, int]:
    return {p.name: p.stat().st_size for p in directory.glob(f"*{suffix}")}


# -- an app in a pty ---------------------------------------------------------------------------
@dataclass
class PtyApp:
    name: str
    argv: list[str]
    watch_dir: Path
    suffix: str
    pause: float              # after a tap, until the app takes the next one
    env: dict[str, str]
    proc: subprocess.Popen[bytes] | None = None
    master: int = -1
    last_output: float = 0.0
    output_bytes: int = 0
    first_output_after: float = 0.0  # set by the reader: first output after this instant
    first_output_at: float = 0.0
    key_to_line: list[float] = field(default_factory=list)
    key_to_paint: list[float] = field(default_factory=list)
    key_wall: list[float] = field(default_factory=list)
    retries: int = 0

    def start(self) -> None:
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        self.proc = subprocess.Popen(self.argv, stdin=slave, stdout=slave, stderr=slave,
                                     env=self.env, cwd=ROOT, start_new_session=True)
        os.close(slave)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        # Keep the pty drained (a full pty buffer would stall the app's output).
        while True:
            try:
                chunk = os.read(self.master, 65536)
            except OSError:
                return
            if not chunk:
                return
            now = time.perf_counter()
            self.last_output = now
            self.output_bytes += len(chunk)
            if self.first_output_after and not self.first_output_at:
                self.first_output_at = now

    def wait_ready(self, timeout: float = 30.0) -> None:
        """Started once the screen has been drawn and the output is quiet for 0.7 s."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise SystemExit(f"{self.name} exited with {self.proc.returncode} while starting")
            if self.output_bytes > 500 and time.perf_counter() - self.last_output > 0.7:
                self.watch_dir.mkdir(parents=True, exist_ok=True)
                self.watch = DirWatch(self.watch_dir)
                return
            time.sleep(0.05)
        raise SystemExit(f"{self.name} did not draw a screen within {timeout} s")

    def tap(self, timeout: float = 5.0) -> bool:
        """One key "4"; records key -> line in the file and key -> first output."""
        before = _sizes(self.watch_dir, self.suffix)
        self.watch.drain()
        self.first_output_at = 0.0
        wall = time.time()
        start = self.first_output_after = time.perf_counter()
        os.write(self.master, b"4")
        deadline = start + timeout
        while True:
            now_sizes = _sizes(self.watch_dir, self.suffix)
            grown = [n for n, s in now_sizes.items() if s > before.get(n, 0)]
            if grown and _ends_with_newline(self.watch_dir / grown[0]):
                done = time.perf_counter()
                break
            left = deadline - time.perf_counter()
            if left <= 0:
                return False
            self.watch.wait(left)
        self.key_to_line.append((done - start) * 1000)
        self.key_wall.append(wall)
        paint_deadline = time.perf_counter() + 1.0
        while not self.first_output_at and time.perf_counter() < paint_deadline:
            time.sleep(0.001)
        if self.first_output_at:
            self.key_to_paint.append((self.first_output_at - start) * 1000)
        self.first_output_after = 0.0
        return True

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(60)  # a profiled kiosk writes its profile on the way out
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def _ends_with_newline(path: Path) -> bool:
    with open(path, "rb") as handle:
        handle.seek(-1, os.SEEK_END)
        return handle.read(1) == b"\n"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def summary(values: list[float]) -> dict[str, float]:
    return {"p50": pct(values, 50), "p90": pct(values, 90), "p99": pct(values, 99),
            "mean": statistics.fmean(values), "n": len(values)}


# -- the kiosk and the minimal app ------------------------------------------------------------
def kiosk_config(tmp: Path, name: str) -> Path:
    """The shipped config on a fresh data dir: short thank-you, no misuse flagging."""
    text = (ROOT / "config.toml").read_text()
    data = tmp / name
    text = text.replace('data_dir = "data"', f'data_dir = "{data}"', 1)
    text = text.replace("thank_you_seconds = 4", f"thank_you_seconds = {THANK_YOU_SECONDS}", 1)
    text = text.replace("max_taps = 3", "max_taps = 100000", 1)
    config = tmp / f"{name}.toml"
    config.write_text(text)
    return config


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEXTUAL", "PYTEST"))}
    env.update(TERM="xterm-256color", COLORTERM="truecolor", PYTHONPATH=str(ROOT))
    return env


def kiosk_app(tmp: Path, name: str, prefix: list[str] | None = None) -> PtyApp:
    config = kiosk_config(tmp, name)
    argv = [*(prefix or []), sys.executable, "-m", "kiosk", "run", "--config", str(config)]
    return PtyApp(name, argv, tmp / name / "responses", ".jsonl",
                  THANK_YOU_SECONDS + 0.35, _env())


def minimal_app(tmp: Path) -> PtyApp:
    out = tmp / "minimal" / "taps.jsonl"
    out.parent.mkdir(parents=True)
    argv = [sys.executable, str(ROOT / "benchmarks" / "minimal_tap_app.py"), str(out)]
    return PtyApp("minimal app", argv, out.parent, ".jsonl", 0.05, _env())


def run_series(apps: list[PtyApp], taps: int) -> None:
    for app in apps:
        app.start()
    try:
        for app in apps:
            app.wait_ready()
        for i in range(WARMUP + taps):
            for app in apps:
                # A key that lands while the thank-you still shows is ignored by design
                # (a slow machine): try again, up to 5 times; only a recorded tap is timed.
                for _attempt in range(5):
                    if app.tap(timeout=2.0):
                        break
                    app.retries += 1
                else:
                    raise SystemExit(f"{app.name}: tap {i} never reached the file")
                if i == WARMUP - 1:
                    app.key_to_line.clear()
                    app.key_to_paint.clear()
                    app.key_wall.clear()
            time.sleep(max(app.pause for app in apps))
    finally:
        for app in apps:
            app.stop()


# -- key -> fdatasync returned, under strace ---------------------------------------------------
def strace_series(tmp: Path, taps: int) -> list[float] | None:
    strace = shutil.which("strace")
    if strace is None:
        print("(strace not installed: no key -> fdatasync figure)")
        return None
    log = tmp / "strace.log"
    app = kiosk_app(tmp, "kiosk-strace", [strace, "-f", "--seccomp-bpf", "-e", "trace=fdatasync",
                                          "-ttt", "-T", "-o", str(log)])
    run_series([app], taps)
    ends = []
    for line in log.read_text().splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[2].startswith("fdatasync(") and parts[-1].startswith("<"):
            ends.append(float(parts[1]) + float(parts[-1].strip("<>")))
    ends.sort()
    latencies = []
    for wall in app.key_wall:
        after = [e for e in ends if e >= wall]
        if after:
            latencies.append((after[0] - wall) * 1000)
    return latencies


# -- stage timestamps inside the kiosk ---------------------------------------------------------
STAGES = ("pty read by the driver thread", "SurveyScreen.on_key", "action_choose (binding)",
          "App.on_rating_chosen", "store._queue", "writer thread: _write_durably",
          "os.write of the journal line", "os.fdatasync returned", "ThanksScreen.on_mount",
          "first screen write after the thank-you mounted")


def traced_child(trace_path: str, argv: list[str]) -> int:
    """Runs `kiosk` with a perf_counter timestamp written at each stage (benchmark only)."""
    import functools

    sys.path.insert(0, str(ROOT))
    from textual.drivers.linux_driver import LinuxDriver

    from kiosk import cli, store
    from kiosk.ui.app import KioskApp
    from kiosk.ui.screens.survey import SurveyScreen
    from kiosk.ui.screens.thanks import ThanksScreen

    out = os.open(trace_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    real_write, real_read, real_sync = os.write, os.read, os.fdatasync
    state = {"thanks": False}

    def mark(stage: str) -> None:
        real_write(out, f"{time.perf_counter():.7f}\t{stage}\n".encode())

    def wrap(owner: Any, name: str, stage: str) -> None:
        original = getattr(owner, name)

        @functools.wraps(original)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            mark(stage)
            return original(*args, **kwargs)
        setattr(owner, name, wrapper)

    def read(fd: int, n: int) -> bytes:
        data = real_read(fd, n)
        if fd == 0 or (data == b"4"):
            mark(STAGES[0])
        return data

    def write(fd: int, data: Any) -> int:
        if fd > 2 and fd != out and len(data) > 40 and b'"op"' in bytes(data[:40]):
            mark(STAGES[6])
        return real_write(fd, data)

    def fdatasync(fd: int) -> None:
        real_sync(fd)
        mark(STAGES[7])

    profile_path = os.environ.get("TAP_LATENCY_PROFILE")
    profiler = None
    if profile_path:
        from pyinstrument import Profiler  # benchmark-only: pip install pyinstrument
        profiler = Profiler(interval=0.0001, async_mode="disabled")

    def driver_write(self: Any, data: str) -> None:
        if state["thanks"]:
            state["thanks"] = False
            mark(STAGES[9])
            if profiler is not None and profiler.is_running:
                profiler.stop()  # the main thread, from the key to the thank-you's paint
        original_driver_write(self, data)

    def survey_key(self: Any, event: Any) -> None:
        if profiler is not None and not profiler.is_running:
            profiler.start()
        mark(STAGES[1])
        original_survey_key(self, event)

    def thanks_mount(self: Any) -> None:
        mark(STAGES[8])
        state["thanks"] = True
        original_thanks_mount(self)

    os.read, os.write, os.fdatasync = read, write, fdatasync  # type: ignore[assignment]
    experiment = os.environ.get("TAP_LATENCY_EXPERIMENT", "")
    if experiment == "switch-interval":
        sys.setswitchinterval(0.0002)  # the writer thread gets the GIL within 0.2 ms, not 5 ms
    elif experiment == "write-in-handler":
        # The tap made durable on the event loop, before the thank-you is pushed.
        store.ResponseStore.record = lambda self, response: self._write_durably(response)  # type: ignore[method-assign]
    original_survey_key = SurveyScreen.on_key
    SurveyScreen.on_key = functools.wraps(original_survey_key)(survey_key)  # type: ignore[method-assign]
    wrap(SurveyScreen, "action_choose", STAGES[2])
    wrap(KioskApp, "on_rating_chosen", STAGES[3])
    wrap(store.ResponseStore, "_queue", STAGES[4])
    wrap(store.ResponseStore, "_write_durably", STAGES[5])
    original_driver_write = LinuxDriver.write
    LinuxDriver.write = driver_write  # type: ignore[method-assign]
    original_thanks_mount = ThanksScreen.on_mount
    ThanksScreen.on_mount = functools.wraps(original_thanks_mount)(thanks_mount)  # type: ignore[method-assign]
    try:
        return cli.main(argv)
    finally:
        if profiler is not None and profile_path:
            if profiler.is_running:
                profiler.stop()
            try:
                text = (profiler.output_text(show_all=False) + "\n\nSelf time, top frames:\n"
                        + "\n".join(profiler.output_text(flat=True).splitlines()[:40]))
            except Exception as exc:  # say why in the file the parent reads
                text = f"no profile: {exc!r}"
            Path(profile_path).write_text(text)


EXPERIMENTS = {
    "": "as shipped",
    "switch-interval": "sys.setswitchinterval(0.0002) in the kiosk",
    "write-in-handler": "store.record() writes + fdatasyncs on the event loop",
}


def trace_series(tmp: Path, taps: int, experiment: str = "",
                 profile: Path | None = None) -> tuple[PtyApp, dict[str, dict[str, float]]]:
    name = f"kiosk-traced{'-' + experiment if experiment else ''}"
    trace = tmp / f"{name}.tsv"
    config = kiosk_config(tmp, name)
    argv = [sys.executable, str(Path(__file__).resolve()), "--traced-child", str(trace), "--",
            "run", "--config", str(config)]
    env = {**_env(), "TAP_LATENCY_EXPERIMENT": experiment}
    if profile is not None:
        env["TAP_LATENCY_PROFILE"] = str(profile)
    app = PtyApp(f"kiosk ({EXPERIMENTS[experiment]})", argv, tmp / name / "responses", ".jsonl",
                 THANK_YOU_SECONDS + 0.35, env)
    starts: list[float] = []
    original_tap = app.tap

    def tap(timeout: float = 5.0) -> bool:
        start = time.perf_counter()
        recorded = original_tap(timeout)
        if recorded:
            starts.append(start)
        return recorded
    app.tap = tap  # type: ignore[method-assign]
    run_series([app], taps)
    events = []
    for line in trace.read_text().splitlines():
        stamp, stage = line.split("\t")
        events.append((float(stamp), stage))
    offsets: dict[str, list[float]] = {stage: [] for stage in STAGES}
    for start in starts[WARMUP:]:
        seen: set[str] = set()
        for stamp, stage in events:
            if start <= stamp <= start + 1.0 and stage not in seen:
                seen.add(stage)
                offsets[stage].append((stamp - start) * 1000)
    return app, {stage: summary(values) for stage, values in offsets.items() if values}


# -- main --------------------------------------------------------------------------------------
def main() -> int:
    if len(sys.argv) > 2 and sys.argv[1] == "--traced-child":
        return traced_child(sys.argv[2], sys.argv[4:])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--taps", type=int, default=100)
    parser.add_argument("--strace", action="store_true")
    parser.add_argument("--trace", action="store_true")
    parser.add_argument("--profile", type=Path, metavar="FILE",
                        help="pyinstrument profile of the kiosk's main thread from each key to "
                             "the thank-you's paint, written to FILE (needs pyinstrument)")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--tmp", type=Path)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="tap-latency-", dir=args.tmp))
    figures: dict[str, Any] = {"taps": args.taps, "load_before": os.getloadavg()[0]}

    kiosk, minimal = kiosk_app(tmp, "kiosk"), minimal_app(tmp)
    run_series([kiosk, minimal], args.taps)
    print(f"key -> tap's line in the file, {args.taps} taps each, 80x24 pty "
          f"(load {figures['load_before']:.2f}):")
    print(f"{'':34} {'p50':>7} {'p90':>7} {'p99':>7}  ms")
    for app in (kiosk, minimal):
        line, paint = summary(app.key_to_line), summary(app.key_to_paint)
        figures[app.name] = {"key_to_line": line, "key_to_first_output": paint,
                             "keys_ignored_and_retried": app.retries}
        print(f"{app.name + ': key -> line':34} {line['p50']:7.2f} {line['p90']:7.2f} {line['p99']:7.2f}")
        print(f"{app.name + ': key -> first output':34} {paint['p50']:7.2f} {paint['p90']:7.2f} "
              f"{paint['p99']:7.2f}")
    k, m = figures["kiosk"]["key_to_line"], figures["minimal app"]["key_to_line"]
    figures["ratio"] = {q: k[q] / m[q] for q in ("p50", "p90", "p99")}
    print("kiosk / minimal app: p50 {p50:.2f}x  p90 {p90:.2f}x  p99 {p99:.2f}x  (target <= 1.5x)"
          .format(**figures["ratio"]))

    if args.strace:
        latencies = strace_series(tmp, args.taps)
        if latencies:
            figures["kiosk_key_to_fdatasync_strace"] = s = summary(latencies)
            print(f"{'kiosk under strace: key -> fdatasync returned':48} p50 {s['p50']:.2f}  "
                  f"p90 {s['p90']:.2f}  p99 {s['p99']:.2f} ms")
    if args.trace:
        runs = {exp: trace_series(tmp, args.taps, exp) for exp in EXPERIMENTS}
        print("kiosk tap path, time from the key, traced runs (p50 / p90 ms):")
        print(f"  {'stage':48}" + "".join(f" {exp or 'shipped':>17}" for exp in runs))
        for stage in STAGES:
            cells = [runs[exp][1].get(stage) for exp in runs]
            print(f"  {stage:48}" + "".join(
                f" {c['p50']:7.2f} / {c['p90']:6.2f}" if c else f" {'-':>17}" for c in cells))
        for exp, (app, stages) in runs.items():
            line = summary(app.key_to_line)
            figures[f"kiosk_traced_{exp or 'shipped'}"] = {"key_to_line": line, "stages": stages}
            print(f"  key -> line, {EXPERIMENTS[exp]:44} p50 {line['p50']:6.2f}  p90 {line['p90']:6.2f}")
    if args.profile:
        app, stages = trace_series(tmp, args.taps, "", args.profile.resolve())
        print(f"pyinstrument profile of the main thread, key -> thank-you painted: {args.profile}")
    figures["load_after"] = os.getloadavg()[0]
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1))
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
