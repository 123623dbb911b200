"""A kind of booking's lifecycle, declared once: its statuses, the moves between them, and which
statuses free the staff member's time (a cancelled session holds no slot)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from workspaces.errors import ConflictError

INVALID_STATUS_TRANSITION = _("A %(kind)s cannot move from %(current)s to %(target)s.")


@dataclass(frozen=True)
class Lifecycle:
    """``statuses``: the kind's choices (the first is the initial one); ``moves``: status -> the
    statuses it may move to (a status not listed is final); ``frees_staff``: statuses in which the
    booking holds no slot of its staff member."""

    statuses: type[models.TextChoices]
    moves: Mapping[str, Iterable[str]]
    frees_staff: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self):
        known = set(self.statuses.values)
        named = set(self.moves) | {t for targets in self.moves.values() for t in targets} | set(self.frees_staff)
        if not named <= known:
            raise ValueError(f"unknown statuses in the lifecycle: {sorted(named - known)}")
        object.__setattr__(self, "moves", {str(k): frozenset(map(str, v)) for k, v in self.moves.items()})
        object.__setattr__(self, "frees_staff", frozenset(map(str, self.frees_staff)))

    @property
    def initial(self) -> str:
        return self.statuses.values[0]

    @property
    def targets(self) -> list[str]:
        """Every status some move leads to, in the order of the choices (the admin's bulk actions)."""
        reachable = {t for targets in self.moves.values() for t in targets}
        return [status for status in self.statuses.values if status in reachable]

    def holds_staff(self, status: str) -> bool:
        return status not in self.frees_staff

    def allows(self, current: str, target: str) -> bool:
        """Staying put is always allowed (a no-op); otherwise the move must be declared."""
        return current == target or target in self.moves.get(current, frozenset())

    def ensure_move(self, *, current: str, target: str, kind) -> None:
        """409 ``invalid_status_transition`` on the status for a move the lifecycle does not allow."""
        if not self.allows(current, target):
            raise ConflictError(
                INVALID_STATUS_TRANSITION % {"kind": kind, "current": current, "target": target},
                code="invalid_status_transition",
                field="status",
            )

    # -- the model's side ----------------------------------------------------------------------

    def status_field(self) -> models.CharField:
        return models.CharField(_("status"), max_length=20, choices=self.statuses.choices, default=self.initial)

    def status_constraint(self, name: str) -> models.CheckConstraint:
        return models.CheckConstraint(condition=Q(status__in=self.statuses.values), name=name)
