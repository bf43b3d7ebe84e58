"""Power-loss harness: the store runs with its file-system calls recorded, then the
power is "cut" at random points of the recorded sequence and the directory is rebuilt
keeping only what was made durable (the model of ALICE, CrashMonkey and LazyFS):

- a file's data as of its last ``fsync``/``fdatasync``; the writes after it are
  dropped, or kept in order up to one torn at a random byte or with a hole of
  zeros (a middle page that did not reach the disk);
- a new, renamed or removed *name* only once its directory was fsynced (the name
  operations after it are dropped, or kept in order up to a random one);
- after a *failed* fsync the writes it was meant to persist are lost for good, even
  if a later fsync succeeds ("fsyncgate"): the page cache dropped them.

The store is reopened on every rebuilt directory and checked: every tap the store
reported durable (its listener called, ``write_now``/``wait_idle`` returned) is there
exactly once, every acknowledged annotation is on its record, everything reads
without an exception (damage moved aside at most for unacknowledged tails), and the
kiosk starts again and records a new tap.

    python tests/store/powerloss.py              # 200 cuts
    python tests/store/powerloss.py --full       # 2,000 cuts (or POWERLOSS_FULL=1)
    python tests/store/powerloss.py --cuts 500 --seed 7

Calls are patched on the ``os`` module, below the store's own code, so what is
recorded is what the store really asks of the kernel.
"""
from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]

# --------------------------------------------------------------------------
# Recording

Event = tuple[Any, ...]
# ("create", dir, name, node, is_dir)   a name op of stream ("names", dir)
# ("rename", dir, old, new, node)       "
# ("unlink", dir, name)                 "
# ("dirsync", dir)                      barrier of ("names", dir)
# ("write", node, offset, bytes)        a data op of stream ("data", node)
# ("truncate", node, length)            "
# ("sync", node)                        barrier of ("data", node)
# ("syncfail", node)                    a failed fsync: its unsynced writes are gone

ROOT_NODE = 0


def stream_of(event: Event) -> tuple[str, int]:
    kind = event[0]
    if kind in ("create", "rename", "unlink", "dirsync"):
        return ("names", event[1])
    return ("data", event[1])


# A fault injector sees (call name, path or None, fd or None) before the real call
# and may raise an OSError instead of it, or return a byte count to shorten a write.
Fault = Callable[[str, "str | None", "int | None"], "int | None"]


class Recorder:
    """Patches the os calls that change files under ``root`` and records them as
    events on a model of inodes (real inode numbers mapped to model nodes, renewed
    whenever a file is created, since the kernel reuses inode numbers)."""

    PATCHED = ("open", "write", "pwrite", "fsync", "fdatasync", "rename", "replace",
               "ftruncate", "mkdir", "unlink", "remove", "close")

    def __init__(self, root: Path, fault: Fault | None = None) -> None:
        self.root = Path(os.path.realpath(root))
        self.fault = fault
        self.events: list[Event] = []
        self.lock = threading.RLock()
        self._real: dict[str, Callable[..., Any]] = {}
        self._nodes: dict[int, int] = {}  # real st_ino -> model node
        self._is_dir: dict[int, bool] = {ROOT_NODE: True}
        self._fds: dict[int, int] = {}  # open fd -> model node
        self._next = 1
        self._nodes[os.stat(self.root).st_ino] = ROOT_NODE
        if os.listdir(self.root):
            raise ValueError(f"{self.root}: the harness needs an empty directory")

    # -- helpers -------------------------------------------------------------
    def _inside(self, path: Any) -> tuple[int, str] | None:
        """(model node of the parent directory, name) for a path under root."""
        if not isinstance(path, (str, bytes, os.PathLike)):
            return None
        full = os.path.abspath(os.fsdecode(path))
        if full != str(self.root) and not full.startswith(str(self.root) + os.sep):
            return None
        if full == str(self.root):
            return None
        parent, name = os.path.split(full)
        node = self._nodes.get(os.stat(parent).st_ino)
        return None if node is None else (node, name)

    def _new_node(self, path: str, is_dir: bool) -> int:
        node = self._next
        self._next += 1
        self._nodes[os.stat(path).st_ino] = node
        self._is_dir[node] = is_dir
        return node

    def _node_of_path(self, path: str) -> int | None:
        try:
            return self._nodes.get(os.stat(path).st_ino)
        except OSError:
            return None

    def _inject(self, call: str, path: Any = None, fd: int | None = None) -> int | None:
        if self.fault is None:
            return None
        return self.fault(call, None if path is None else os.fsdecode(path), fd)

    def _path_of_fd(self, fd: int) -> str | None:
        try:
            return os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            return None

    # -- the patched calls ---------------------------------------------------
    def _open(self, path, flags, mode=0o777, *, dir_fd=None):
        real = self._real["open"]
        if dir_fd is not None:
            return real(path, flags, mode, dir_fd=dir_fd)
        with self.lock:
            where = self._inside(path)
            if where is None:
                if os.path.abspath(os.fsdecode(path)) == str(self.root):
                    fd = real(path, flags, mode)
                    self._fds[fd] = ROOT_NODE
                    return fd
                return real(path, flags, mode)
            self._inject("open", path)
            existed = os.path.lexists(path)
            fd = real(path, flags, mode)
            full = os.path.abspath(os.fsdecode(path))
            if not existed:
                node = self._new_node(full, is_dir=False)
                self.events.append(("create", where[0], where[1], node, False))
            else:
                node = self._node_of_path(full)
                if node is None:  # a file the harness did not see made: refuse to guess
                    os.close(fd)
                    raise AssertionError(f"powerloss: {full} was made behind the harness")
                if flags & os.O_TRUNC:
                    self.events.append(("truncate", node, 0))
            self._fds[fd] = node
            return fd

    def _write(self, fd, data):
        return self._write_at(fd, data, None)

    def _pwrite(self, fd, data, offset):
        return self._write_at(fd, data, offset)

    def _write_at(self, fd, data, offset):
        with self.lock:
            node = self._fds.get(fd)
            if node is None:
                return (self._real["write"](fd, data) if offset is None
                        else self._real["pwrite"](fd, data, offset))
            data = bytes(data)
            short = self._inject("write", self._path_of_fd(fd), fd)
            if short is not None:
                data = data[:short]
            if offset is None:
                if _appends(fd):
                    at = os.fstat(fd).st_size
                else:
                    at = os.lseek(fd, 0, os.SEEK_CUR)
                written = self._real["write"](fd, data)
            else:
                at = offset
                written = self._real["pwrite"](fd, data, offset)
            self.events.append(("write", node, at, data[:written]))
            return written

    def _sync(self, call, fd):
        with self.lock:
            node = self._fds.get(fd)
            if node is None:
                return self._real[call](fd)
            try:
                self._inject(call, self._path_of_fd(fd), fd)
                result = self._real[call](fd)
            except OSError:
                if not self._is_dir[node]:
                    self.events.append(("syncfail", node))
                raise
            self.events.append(("dirsync", node) if self._is_dir[node] else ("sync", node))
            return result

    def _fsync(self, fd):
        return self._sync("fsync", fd)

    def _fdatasync(self, fd):
        return self._sync("fdatasync", fd)

    def _rename(self, call, src, dst, **kwargs):
        real = self._real[call]
        with self.lock:
            a, b = self._inside(src), self._inside(dst)
            if kwargs or a is None or b is None:
                return real(src, dst, **kwargs)
            if a[0] != b[0]:
                raise AssertionError("powerloss: renames across directories are not modelled")
            self._inject(call, src)
            node = self._node_of_path(os.fsdecode(src))
            real(src, dst)
            self.events.append(("rename", a[0], a[1], b[1], node))

    def _replace(self, src, dst, **kwargs):
        return self._rename("replace", src, dst, **kwargs)

    def _rename_call(self, src, dst, **kwargs):
        return self._rename("rename", src, dst, **kwargs)

    def _ftruncate(self, fd, length):
        with self.lock:
            node = self._fds.get(fd)
            if node is not None:
                self._inject("ftruncate", self._path_of_fd(fd), fd)
            result = self._real["ftruncate"](fd, length)
            if node is not None:
                self.events.append(("truncate", node, length))
            return result

    def _mkdir(self, path, mode=0o777, *, dir_fd=None):
        real = self._real["mkdir"]
        with self.lock:
            where = None if dir_fd is not None else self._inside(path)
            if where is None:
                return real(path, mode) if dir_fd is None else real(path, mode, dir_fd=dir_fd)
            self._inject("mkdir", path)
            real(path, mode)
            node = self._new_node(os.path.abspath(os.fsdecode(path)), is_dir=True)
            self.events.append(("create", where[0], where[1], node, True))

    def _unlink_call(self, call, path, *, dir_fd=None):
        real = self._real[call]
        with self.lock:
            where = None if dir_fd is not None else self._inside(path)
            if where is None:
                return real(path) if dir_fd is None else real(path, dir_fd=dir_fd)
            self._inject(call, path)
            real(path)
            self.events.append(("unlink", where[0], where[1]))

    def _unlink(self, path, *, dir_fd=None):
        return self._unlink_call("unlink", path, dir_fd=dir_fd)

    def _remove(self, path, *, dir_fd=None):
        return self._unlink_call("remove", path, dir_fd=dir_fd)

    def _close(self, fd):
        with self.lock:
            self._fds.pop(fd, None)
            return self._real["close"](fd)

    # -- install -------------------------------------------------------------
    @contextmanager
    def installed(self) -> Iterator[Recorder]:
        patches = {"open": self._open, "write": self._write, "pwrite": self._pwrite,
                   "fsync": self._fsync, "fdatasync": self._fdatasync,
                   "rename": self._rename_call, "replace": self._replace,
                   "ftruncate": self._ftruncate, "mkdir": self._mkdir,
                   "unlink": self._unlink, "remove": self._remove, "close": self._close}
        for name, patch in patches.items():
            self._real[name] = getattr(os, name)
            setattr(os, name, patch)
        try:
            yield self
        finally:
            for name, real in self._real.items():
                setattr(os, name, real)

    def mark(self) -> int:
        """The position in the event sequence now (an acknowledgement's place)."""
        with self.lock:
            return len(self.events)


def _appends(fd: int) -> bool:
    import fcntl

    return bool(fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_APPEND)


# --------------------------------------------------------------------------
# Cutting the power

@dataclass
class Node:
    is_dir: bool
    data: bytearray = field(default_factory=bytearray)
    names: dict[str, int] = field(default_factory=dict)


def durable_state(events: list[Event], cut: int, rng: random.Random) -> dict[int, Node]:
    """The nodes as a disk would hold them after losing power before ``events[cut]``."""
    events = events[:cut]
    by_stream: dict[tuple[str, int], list[int]] = {}
    for index, event in enumerate(events):
        by_stream.setdefault(stream_of(event), []).append(index)
    kept: set[int] = set()
    torn: dict[int, bytes] = {}  # event -> the bytes of it that reached the disk
    for stream, indices in by_stream.items():
        barrier_kinds = ("sync",) if stream[0] == "data" else ("dirsync",)
        last = max((p for p, i in enumerate(indices) if events[i][0] in barrier_kinds),
                   default=-1)
        lost: set[int] = set()  # writes a failed fsync dropped from the page cache
        pending: list[int] = []
        for i in indices[:last + 1]:
            kind = events[i][0]
            if kind == "syncfail":
                lost.update(pending)
                pending = []
            elif kind == "sync":
                pending = []
            elif kind in ("write", "truncate"):
                pending.append(i)
        kept.update(i for i in indices[:last + 1] if i not in lost)
        tail = [i for i in indices[last + 1:] if events[i][0] != "syncfail"]
        # the unsynced tail: nothing, or an in-order prefix of it, the last write torn
        if tail and rng.random() < 0.6:
            upto = rng.randint(1, len(tail))
            kept.update(tail[:upto])
            end = tail[upto - 1]
            blob = events[end][3] if events[end][0] == "write" else b""
            if len(blob) > 1 and rng.random() < 0.6:
                if rng.random() < 0.7:  # torn: only a prefix reached the disk
                    torn[end] = blob[:rng.randint(1, len(blob) - 1)]
                else:  # a middle page did not: a hole of zeros, later bytes written
                    a = rng.randrange(len(blob) - 1)
                    b = rng.randint(a + 1, len(blob))
                    torn[end] = blob[:a] + b"\0" * (b - a) + blob[b:]
    nodes: dict[int, Node] = {ROOT_NODE: Node(is_dir=True)}
    for index, event in enumerate(events):
        kind = event[0]
        if kind == "create":
            nodes.setdefault(event[3], Node(is_dir=event[4]))
        if index not in kept:
            continue
        if kind == "create":
            nodes.setdefault(event[1], Node(is_dir=True)).names[event[2]] = event[3]
        elif kind == "rename":
            names = nodes.setdefault(event[1], Node(is_dir=True)).names
            names.pop(event[2], None)
            names[event[3]] = event[4]
        elif kind == "unlink":
            nodes.setdefault(event[1], Node(is_dir=True)).names.pop(event[2], None)
        elif kind == "write":
            data = nodes.setdefault(event[1], Node(is_dir=False)).data
            blob = torn.get(index, event[3])
            at = event[2]
            if len(data) < at:
                data.extend(b"\0" * (at - len(data)))
            data[at:at + len(blob)] = blob
        elif kind == "truncate":
            data = nodes.setdefault(event[1], Node(is_dir=False)).data
            del data[event[2]:]
            if len(data) < event[2]:
                data.extend(b"\0" * (event[2] - len(data)))
    return nodes


def materialize(nodes: dict[int, Node], target: Path) -> None:
    """Write the durable tree under ``target`` (plain writes: not recorded)."""
    def build(node_id: int, path: Path, seen: frozenset[int]) -> None:
        for name, child in nodes[node_id].names.items():
            node = nodes.get(child, Node(is_dir=False))
            if node.is_dir:
                if child in seen:
                    continue
                (path / name).mkdir()
                build(child, path / name, seen | {child})
            else:
                (path / name).write_bytes(bytes(node.data))
    target.mkdir(parents=True, exist_ok=True)
    build(ROOT_NODE, target, frozenset({ROOT_NODE}))


def model_of_disk(root: Path) -> dict[str, bytes | None]:
    """relative path -> content (None for directories): to check the recorder saw all."""
    found: dict[str, bytes | None] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames:
            found[os.path.relpath(os.path.join(dirpath, name), root)] = None
        for name in filenames:
            full = os.path.join(dirpath, name)
            found[os.path.relpath(full, root)] = Path(full).read_bytes()
    return found


def volatile_tree(events: list[Event]) -> dict[str, bytes | None]:
    """What the page cache holds after every event: must equal the real disk."""
    nodes = durable_state(_every_op_synced(events), len(events) * 2 + 2, random.Random(0))
    found: dict[str, bytes | None] = {}

    def walk(node_id: int, prefix: str) -> None:
        for name, child in nodes[node_id].names.items():
            path = os.path.join(prefix, name) if prefix else name
            node = nodes[child]
            found[path] = None if node.is_dir else bytes(node.data)
            if node.is_dir:
                walk(child, path)
    walk(ROOT_NODE, "")
    return found


def _every_op_synced(events: list[Event]) -> list[Event]:
    synced: list[Event] = []
    for event in events:
        if event[0] in ("syncfail", "sync", "dirsync"):
            continue
        synced.append(event)
        if event[0] in ("write", "truncate"):
            synced.append(("sync", event[1]))
        else:
            synced.append(("dirsync", event[1]))
    return synced


# --------------------------------------------------------------------------
# The scenario and the checks

@dataclass
class Ack:
    at: int  # position in the event sequence when the store reported it durable
    response_id: str
    extra: dict[str, Any] = field(default_factory=dict)  # acknowledged annotation fields


@dataclass
class Trace:
    events: list[Event]
    acks: list[Ack]
    data_dir: str  # relative to the recorded root


def _response(day: datetime, n: int, rng: random.Random) -> Any:
    from kiosk.models import Response, new_response_id

    when = day + timedelta(minutes=n)
    return Response(id=new_response_id(), timestamp=when.astimezone(), kiosk="power",
                    question="q", score=rng.randint(1, 5), label="x", language="en")


# Three past days at 09:00 local: the scenario's taps (up to 5 h later) stay on their
# day in every zone (noon UTC is 23:00 at Lord Howe, and +100 min was the next day).
DAYS = [datetime(2025, 3, d, 9, 0).astimezone() for d in (10, 11, 12)]


def record_scenario(root: Path, seed: int, fault: Fault | None = None,
                    store_options: dict[str, Any] | None = None) -> Trace:
    """Run a store through a day of work with its calls recorded: bulk loads
    (imports), taps, annotations, a torn tail left by an earlier crash and
    repaired, a day rollover (a new day file), summaries.json written, restarts."""
    from kiosk.store.response_store import ResponseStore

    rng = random.Random(seed)
    options = {"retry_seconds": 0.001, **(store_options or {})}
    recorder = Recorder(root, fault)
    acks: list[Ack] = []
    data = root / "data"
    with recorder.installed():
        # 1. an import (bulk write, no writer thread)
        bulk = ResponseStore(data, **options)
        loaded = [_response(DAYS[0], n, rng) for n in range(4)]
        bulk.write_now(loaded)
        at = recorder.mark()
        acks += [Ack(at, r.id) for r in loaded]
        bulk.close()

        # 2. a kiosk session: taps and follow-up reasons on day 1
        def session(day: datetime, taps: int, start: int) -> None:
            store = ResponseStore(data, **options).open_writer()
            store.add_listener(lambda r: acks.append(Ack(recorder.mark(), r.id)))
            made = []
            for n in range(taps):
                response = _response(day, start + n, rng)
                made.append(response)
                store.record(response)
                if rng.random() < 0.3:
                    store.wait_idle()
            for response in rng.sample(made, 2):
                store.annotate(response, {"reason": "Price"})
                if store.wait_idle():
                    acks.append(Ack(recorder.mark(), response.id, {"reason": "Price"}))
            assert store.close() == []

        session(DAYS[1], 6, 0)

        # 3. an earlier crash left a torn tail (durable garbage without a newline)
        days = ResponseStore(data)
        day_file = days.day_path(days.day_of(_response(DAYS[1], 0, rng)))
        fd = os.open(day_file, os.O_WRONLY | os.O_APPEND)
        os.write(fd, b'{"op":"put","table":"responses","id":"99","doc":{"id":"torn')
        os.fsync(fd)
        os.close(fd)

        # 4. a restart: the repair moves the tail aside, then a day rollover
        store = ResponseStore(data, **options).open_writer()
        store.add_listener(lambda r: acks.append(Ack(recorder.mark(), r.id)))
        for n in range(3):
            store.record(_response(DAYS[1], 100 + n, rng))
        store.wait_idle()
        for n in range(4):
            response = _response(DAYS[2], n, rng)
            store.record(response)
        store.annotate(response, {"reason": "Wait", "comment": "slow"})
        if store.wait_idle():
            acks.append(Ack(recorder.mark(), response.id, {"reason": "Wait", "comment": "slow"}))
        assert store.close() == []

        # 5. staff look at the figures: summaries.json is written
        ResponseStore(data, **options).summaries()

        # 6. one more session on the last day
        session(DAYS[2], 3, 200)

        # 7. a second import: into an existing day file and a new one
        bulk = ResponseStore(data, **options)
        loaded = [_response(DAYS[1], 300 + n, rng) for n in range(2)]
        loaded += [_response(DAYS[0] - timedelta(days=1), n, rng) for n in range(2)]
        bulk.write_now(loaded)
        at = recorder.mark()
        acks += [Ack(at, r.id) for r in loaded]
        bulk.close()
    trace = Trace(recorder.events, acks, "data")
    on_disk = model_of_disk(root)
    modelled = volatile_tree(trace.events)
    if on_disk != modelled:
        differ = sorted(k for k in on_disk.keys() | modelled.keys()
                        if on_disk.get(k, b"?") != modelled.get(k, b"?"))
        raise AssertionError(f"powerloss: the recorder missed calls that changed {differ}")
    return trace


@dataclass
class Report:
    cuts: int = 0
    acknowledged: int = 0  # acknowledged taps checked, summed over cuts
    lost: int = 0
    duplicated: int = 0
    repairs: int = 0
    failures: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (f"{self.cuts} cuts, {self.acknowledged} acknowledged taps checked, "
                f"{self.lost} lost, {self.duplicated} duplicated, {self.repairs} repair(s), "
                f"{len(self.failures)} failure(s)")


def check_cut(trace: Trace, cut: int, rng: random.Random, scratch: Path, report: Report) -> None:
    """Rebuild the disk as a power cut before ``events[cut]`` leaves it, reopen, check."""
    from kiosk.store.response_store import ResponseStore, valid_doc
    from kiosk.store.storage import JournalStorage

    target = scratch / f"cut-{report.cuts}"
    materialize(durable_state(trace.events, cut, rng), target)
    report.cuts += 1
    data = target / trace.data_dir
    due = [ack for ack in trace.acks if ack.at <= cut]
    taps = {ack.response_id for ack in due}
    report.acknowledged += len(taps)
    problems: list[str] = []
    try:
        # what staff see first: a reader (no repair), then the writer's reopen
        reader = ResponseStore(data)
        list(reader.iter_docs())
        reader.summaries()
        for path in reader.day_files():
            storage = JournalStorage(path, valid_doc=valid_doc)  # repairs, like a restart
            report.repairs += storage.damage is not None
            storage.close()
        # and the kiosk starts again and records (a stale kiosk.lock, a repaired day)
        writer = ResponseStore(data, retry_seconds=0.001).open_writer()
        after = _response(DAYS[2], 999, rng)
        writer.record(after)
        if not writer.wait_idle() or writer.close() != []:
            problems.append(f"the restarted kiosk could not record: {writer.last_error}")
        taps.add(after.id)
        store = ResponseStore(data)
        docs = list(store.iter_docs())
        store.summaries()
        if store.damage:
            problems.append(f"damage left after the repair: {store.damage}")
    except Exception as exc:  # noqa: BLE001 - any exception is the finding
        problems.append(f"reopening raised {type(exc).__name__}: {exc}")
        docs = []
    count: dict[str, int] = {}
    by_id: dict[str, dict[str, Any]] = {}
    for doc in docs:
        count[doc["id"]] = count.get(doc["id"], 0) + 1
        by_id[doc["id"]] = doc
    lost = sorted(t for t in taps if t not in count)
    twice = sorted(t for t, n in count.items() if n > 1)
    report.lost += len(lost)
    report.duplicated += len(twice)
    if lost:
        problems.append(f"{len(lost)} acknowledged tap(s) lost, e.g. {lost[0]}")
    if twice:
        problems.append(f"{len(twice)} tap(s) stored twice, e.g. {twice[0]}")
    for ack in due:
        doc = by_id.get(ack.response_id)
        if doc is not None and any(doc.get(k) != v for k, v in ack.extra.items()):
            problems.append(f"acknowledged annotation {ack.extra} missing on {ack.response_id}")
            report.lost += 1
    if problems:
        report.failures.append(f"cut at event {cut}/{len(trace.events)} "
                               f"({_describe(trace.events, cut)}): " + "; ".join(problems))
    else:
        shutil.rmtree(target)


def _describe(events: list[Event], cut: int) -> str:
    if cut >= len(events):
        return "after the last call"
    event = events[cut]
    return "before " + " ".join(str(part)[:40] for part in event)


def cut_points(trace: Trace, cuts: int, rng: random.Random) -> list[int]:
    """Random cut points, plus every point right after an acknowledgement and the end."""
    total = len(trace.events)
    points = sorted({ack.at for ack in trace.acks} | {total})
    if len(points) > cuts:
        return sorted(rng.sample(points, cuts))
    return points + [rng.randint(0, total) for _ in range(cuts - len(points))]


def run(cuts: int, seed: int = 1, fault: Fault | None = None,
        store_options: dict[str, Any] | None = None, traces: int | None = None) -> Report:
    """Record the scenario (one trace per ~100 cuts, each with its own seed) and cut."""
    report = Report()
    traces = traces or max(1, cuts // 100)
    rng = random.Random(seed)
    # The harness models durability itself: a RAM disk only makes it faster.
    shm = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
    with tempfile.TemporaryDirectory(prefix="powerloss-", dir=shm) as scratch_dir:
        scratch = Path(scratch_dir)
        for t in range(traces):
            root = scratch / f"run-{t}"
            root.mkdir()
            trace = record_scenario(root, seed * 1000 + t, fault, store_options)
            share = cuts // traces + (1 if t < cuts % traces else 0)
            for cut in cut_points(trace, share, rng):
                check_cut(trace, cut, rng, scratch / f"cuts-{t}", report)
            shutil.rmtree(root)
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="2,000 cuts")
    parser.add_argument("--cuts", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    cuts = 2000 if args.full or os.environ.get("POWERLOSS_FULL") else args.cuts
    started = time.monotonic()
    report = run(cuts, args.seed)
    print(f"{report.line()} ({time.monotonic() - started:.1f} s)")
    for failure in report.failures[:10]:
        print("  " + failure)
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
