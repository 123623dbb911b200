"""The benchmark that ships with the project: ``python -m bench`` (or ``--quick``).

It seeds a database of its own with ``seed_demo`` and the sessions' records, starts the
production server (gunicorn on 127.0.0.1, a free port) beside the floor and the best hand-tuned
DRF, and measures over loopback: the session list for date ranges of 50, 500 and 2000 sessions, a
create with two services, the 50-session list's throughput at concurrency 8, free slots, invoice
issues under contention, webhook deliveries, the SQL statements of each request, and the week
view as the database grows to a million sessions. Every figure is set against the floor: the
same answers by hand-written SQL through psycopg and orjson (:mod:`bench.floor`), and against
:mod:`bench.drf`. README, "Performance", shows a run; docs/scaling.md reads it.
"""
