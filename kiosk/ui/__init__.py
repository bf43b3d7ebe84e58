"""The terminal user interface: the customer's survey and the staff's admin view (Textual).

Owns the apps (``KioskApp``, ``AdminApp``), the screens, the widgets, the one stylesheet
(``kiosk.tcss``), the colour palettes, the locked-down keys, the screens' messages and the
crash screen.

May import: Textual, ``kiosk.store`` (through ``ResponseStore`` only: never the day files),
``kiosk.views``, ``kiosk.data`` (export), ``kiosk.fleet``, the top-level modules and ``scoring``.
"""
