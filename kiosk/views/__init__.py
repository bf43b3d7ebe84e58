"""What the manager's views show, whatever draws them (terminal, browser, report).

Owns the ``Dashboard`` (per-period figures from ``scoring``, updated per tap) and the
``AdminSource`` protocol: the one seam a view reads its answers through (the counter's own
store, or one site of the fleet).

May import: ``kiosk.models``, ``kiosk.store`` (the facade and its live tail) and ``scoring``.
Never Textual or a web framework.
"""
