"""The benchmark that ships with the project: ``python -m bench`` (or ``--quick``).

It seeds a database of its own with ``seed_demo``, starts the production server (gunicorn on
127.0.0.1, a free port), and measures over loopback: the session list for date ranges of 50,
500 and 2000 sessions, a create with two services, the 50-session list's throughput at
concurrency 8, the SQL queries of each request, and the week view as the database grows to a
million sessions. Every figure is set against the floor: the same rows fetched by one
hand-written SQL query through psycopg and encoded to the same JSON with orjson
(:mod:`bench.floor`). README, "Performance", shows a run; docs/scaling.md reads it.
"""
