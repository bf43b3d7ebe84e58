"""The manager's side in a web browser (``kiosk serve``).

May import: ``kiosk.store`` (through ``ResponseStore``), ``kiosk.views``, ``kiosk.data``
(export), ``kiosk.fleet``, the top-level modules and ``scoring``.  It never opens a day file
itself.
"""
