"""The storage layer: everything that puts a tap on disk and reads it back.

Owns the data dir: the crash-safe TinyDB ``Storage`` (one journal per day), the one writer
thread, the data-dir reader, the per-day summaries, the one-writer lock, the fallback file,
the kiosk's calendar, the live tail of today's file, and the ``ResponseStore`` facade that
the rest of the kiosk talks to.

May import: the standard library, TinyDB, orjson, ``kiosk.models`` and ``scoring``.
Never Textual, never the UI, the web or the fleet: a store must run headless.
"""
