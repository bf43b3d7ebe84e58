"""The fleet: every kiosk pushes its responses to one PostgreSQL; head office reads it.

    schema.py      versioned migrations (migrations/*.sql) and kiosk/viewer roles
    connection.py  connection strings and passwords (never printed)
    journal.py     what of the local journal is not pushed yet, and the durable cursor
    sync.py        one push pass, and the background thread of a running kiosk
    status.py      the one-line sync status the admin view shows
    figures.py     per-site and chain figures from the tallies (the fleet view)

Only imported when [sync] is set or a `kiosk fleet` command runs: psycopg loads
lazily, so a single shop needs no database driver at start.
"""
