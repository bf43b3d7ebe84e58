"""Data in and out: CSV import, CSV export, demo data and the figures of ``kiosk stats``.

May import: ``kiosk.store`` (through ``ResponseStore`` and the data-dir reader),
``kiosk.models``, ``kiosk.config`` and ``scoring``.  Never Textual: the CLI commands that use
this package must start fast and run headless.
"""
