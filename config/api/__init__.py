"""API plumbing shared by every endpoint, one concern a module.

- :mod:`config.api.errors`: the one error envelope and the exception handler (domain errors included);
- :mod:`config.api.rendering`: JSON in and out (orjson, bounded depth);
- :mod:`config.api.formats`: the wire formats of instants, dates and times, in Python and in SQL;
- :mod:`config.api.fields`: strict serializer fields for those formats and for JSON scalars;
- :mod:`config.api.serializers`: camelCase on the wire, snake_case in Python, and the serializer bases;
- :mod:`config.api.paging`: optional keyset paging on every list.
"""
