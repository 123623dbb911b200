"""Domain errors: what a rule of the product refuses, in the domain's own terms.

Actions raise these, naming the model field concerned (``start_time``, ``staff``, ``name``) and a
stable machine code (``staff_conflict``, ``invalid_status_transition``). They know nothing of HTTP
or of wire names: the API's exception handler (:mod:`config.api.errors`) turns them into the one
error envelope with camelCase field names, and the admin puts them on the form field
(:func:`workspaces.admin_base.add_domain_error`).
"""

from __future__ import annotations


class DomainError(Exception):
    """A refused write: ``code`` (stable), ``message`` (translatable) and the model ``field``, if one."""

    code = "invalid"

    def __init__(self, message, *, code: str | None = None, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        if code is not None:
            self.code = code
        self.field = field

    def __str__(self) -> str:
        return str(self.message)


class InvalidError(DomainError):
    """The values themselves break a rule (the API answers 400)."""


class NotFoundError(DomainError):
    """Something the write refers to is not there, or not in this workspace (the API answers 404)."""

    code = "not_found"


class ConflictError(DomainError):
    """The values are fine but the current state refuses them (the API answers 409)."""

    code = "conflict"


class TooLargeError(DomainError):
    """What was sent is larger than the product takes (the API answers 413)."""

    code = "payload_too_large"


class UnsupportedError(DomainError):
    """What was sent is of a kind the product does not take, judged by its content (the API answers 415)."""

    code = "unsupported_media_type"


def refuse_unknown_changes(action: str, changes, changeable) -> None:
    """A programming error, never a user's: ``action`` was given fields it does not change (the
    API and the admin pass only the fields they declare, so this fails loudly in tests)."""
    unknown = set(changes).difference(changeable)
    if unknown:
        raise TypeError(f"{action}() got unexpected fields {sorted(unknown)}")
