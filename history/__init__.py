"""History: who created, changed or deleted a service, session, consultation or client, when,
through which door (API, admin, command) and what changed. Built on django-simple-history."""
