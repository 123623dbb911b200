from __future__ import annotations

import unicodedata

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workspaces.ids import ObjectIdField
from workspaces.roles import Role, role_has_permission
from workspaces.search import client_search_text
from workspaces.timezones import is_valid_timezone


class TimestampedModel(models.Model):
    """24-hex time-ordered primary key and UTC creation/update times."""

    id = ObjectIdField(primary_key=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class WorkspaceScopedModel(TimestampedModel):
    """A tenant table: a direct workspace foreign key, which every index starts with."""

    workspace = models.ForeignKey(
        "workspaces.Workspace",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("workspace"),
        db_index=False,  # every table's composite indexes lead with the workspace; a lone one is redundant
    )

    class Meta:
        abstract = True


def validate_timezone(value: str) -> None:
    if not is_valid_timezone(value):
        raise ValidationError(_("%(value)s is not a known IANA time zone."), params={"value": value})


#: what a name may not hold: control characters (newlines, tabs, NUL, ...) and the Unicode line
#: and paragraph separators. A name is one line of text wherever it is shown (lists, emails,
#: calendar feeds, PDFs).
_NOT_IN_A_NAME = frozenset({"Cc", "Zl", "Zp"})
CONTROL_CHARACTERS_IN_NAME = _("A name cannot contain line breaks, tabs or other control characters.")


def validate_no_control_characters(value: str) -> None:
    if any(unicodedata.category(ch) in _NOT_IN_A_NAME for ch in value or ""):
        raise ValidationError(CONTROL_CHARACTERS_IN_NAME, code="control_characters")


class Language(models.TextChoices):
    """The languages the product speaks: of a user's emails and pages, of a workspace's default."""

    ENGLISH = "en", _("English")
    ARABIC = "ar", _("Arabic")


#: reminders before a session, in whole hours: at most this many, each from 1 to MAX_REMINDER_HOURS
MAX_REMINDERS = 3
MAX_REMINDER_HOURS = 168


def default_reminder_hours() -> list[int]:
    return [24]


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, username: str):
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in with an email address: staff of one or more workspaces."""

    id = ObjectIdField(primary_key=True)
    email = models.EmailField(_("email address"), max_length=254, unique=True)
    name = models.CharField(_("name"), max_length=200, blank=True, validators=[validate_no_control_characters])
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("staff status"), default=False, help_text=_("Can log into the admin site."))
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    language = models.CharField(
        _("language"), max_length=2, choices=Language.choices, default=Language.ENGLISH, db_default=Language.ENGLISH
    )
    # Whether a confirmed TOTP device exists: kept in step with the devices by signals
    # (workspaces.accounts.two_factor), so that the workspace check reads it from the user row
    # every request loads anyway, with no query of its own.
    two_factor_enabled = models.BooleanField(_("two-factor enabled"), default=False, db_default=False, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.name or self.email

    def clean(self) -> None:
        super().clean()
        self.email = self.email.strip().lower()

    def save(self, *args, **kwargs):
        # emails are compared case-insensitively: stored lower-case, unique
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)

    def get_full_name(self) -> str:
        return self.name or self.email

    def get_short_name(self) -> str:
        return self.name or self.email


class Workspace(TimestampedModel):
    """A practice: a clinic or a nutritionist's office. The tenant."""

    name = models.CharField(_("name"), max_length=200, validators=[validate_no_control_characters])
    timezone = models.CharField(_("time zone"), max_length=64, default="UTC", validators=[validate_timezone])
    subscription_expires_at = models.DateTimeField(
        _("subscription expires at"), null=True, blank=True, help_text=_("Empty means it never expires.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    language = models.CharField(
        _("language"),
        max_length=2,
        choices=Language.choices,
        default=Language.ENGLISH,
        db_default=Language.ENGLISH,
        help_text=_("The default language of the workspace's clients."),
    )
    reminder_hours = ArrayField(
        models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(MAX_REMINDER_HOURS)]),
        verbose_name=_("reminder hours"),
        size=MAX_REMINDERS,
        default=default_reminder_hours,
        db_default=models.Value([24], output_field=ArrayField(models.PositiveSmallIntegerField())),
        blank=True,
        help_text=_("Hours before a session at which its client is reminded (up to 3, each 1 to 168)."),
    )
    require_two_factor = models.BooleanField(
        _("require two-factor"),
        default=False,
        db_default=False,
        help_text=_("Members without two-factor authentication cannot open this workspace until they enrol."),
    )
    #: the event types at least one of the workspace's active webhook endpoints subscribes to, kept
    #: by the database (a trigger on the endpoints: notifications migration 0003), read with the
    #: caller's membership: a write in a request with nobody listening asks no more (notifications.hooks)
    listened_events = ArrayField(
        models.CharField(max_length=50),
        verbose_name=_("events listened to"),
        default=list,
        db_default=models.Value([], output_field=ArrayField(models.CharField(max_length=50))),
        editable=False,
        blank=True,
    )

    class Meta:
        verbose_name = _("workspace")
        verbose_name_plural = _("workspaces")
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(reminder_hours__len__lte=MAX_REMINDERS)
                & Q(reminder_hours__contained_by=list(range(1, MAX_REMINDER_HOURS + 1))),
                name="workspace_reminder_hours_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def subscription_expired(self) -> bool:
        return self.subscription_expires_at is not None and self.subscription_expires_at <= timezone.now()


class MembershipQuerySet(models.QuerySet):
    def workspaces_of(self, user) -> models.QuerySet:
        """``user``'s active memberships in active workspaces (live or expired: the caller tells),
        with their workspace, by the workspace's name."""
        return (
            self.filter(user=user, is_active=True, workspace__is_active=True)
            .select_related("workspace")
            .order_by("workspace__name", "workspace_id")
        )


class Membership(TimestampedModel):
    """A user's place in a workspace. Its id is what ``staffId`` and ``specialistId`` refer to."""

    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("workspace")
    )
    # no index of its own: membership_user_ws_idx (user, workspace) serves lookups by user
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="memberships", db_index=False, verbose_name=_("user")
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.VIEWER)
    is_active = models.BooleanField(_("active"), default=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [models.UniqueConstraint(fields=["workspace", "user"], name="membership_workspace_user_unique")]
        indexes = [models.Index(fields=["user", "workspace"], name="membership_user_ws_idx")]

    def __str__(self) -> str:
        return f"{self.user} · {self.workspace} ({self.get_role_display()})"

    def has_permission(self, permission: str) -> bool:
        return self.is_active and role_has_permission(self.role, permission)


#: what a client's emails may be written in (the codes of settings.LANGUAGES)
CLIENT_LANGUAGES = [("en", _("English (en)")), ("ar", _("Arabic (ar)"))]

#: the fields whose folded form ``Client.search_text`` holds
CLIENT_SEARCHED_FIELDS = ("name", "email", "phone")


class ClientQuerySet(models.QuerySet):
    """Keeps ``search_text`` right on bulk writes too (``save()`` does it one by one)."""

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        for obj in objs:
            obj.refresh_search_text()
            obj.fill_language()
        return super().bulk_create(objs, *args, **kwargs)

    def bulk_update(self, objs, fields, *args, **kwargs):
        objs = list(objs)
        if set(fields) & set(CLIENT_SEARCHED_FIELDS):
            for obj in objs:
                obj.refresh_search_text()
            fields = [*fields, "search_text"]
        return super().bulk_update(objs, fields, *args, **kwargs)


class Client(WorkspaceScopedModel):
    """A person the practice serves."""

    name = models.CharField(_("name"), max_length=200, validators=[validate_no_control_characters])
    email = models.EmailField(_("email"), max_length=254, blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    notes = models.TextField(_("notes"), max_length=5000, blank=True)
    # what emails to the client are written in; empty when saved: the workspace's language
    language = models.CharField(
        _("language"), max_length=2, choices=CLIENT_LANGUAGES, default="", db_default="en", blank=True
    )
    # Name, email and phone folded for Arabic-aware search (workspaces/search.py), name first:
    # what ?search= and the admin search match, and what lists sort by (alphabetical in Arabic
    # under the C collation). Written on every save; never edited by hand.
    search_text = models.TextField(_("search text"), default="", db_default="", blank=True, editable=False)

    objects = ClientQuerySet.as_manager()

    class Meta:
        verbose_name = _("client")
        verbose_name_plural = _("clients")
        ordering = ["search_text", "id"]
        indexes = [models.Index(fields=["workspace", "search_text", "id"], name="client_ws_search_idx")]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.refresh_search_text()
        self.fill_language()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and set(update_fields) & set(CLIENT_SEARCHED_FIELDS):
            kwargs["update_fields"] = {*update_fields, "search_text"}
        super().save(*args, **kwargs)

    def fill_language(self) -> None:
        if not self.language:
            self.language = self.workspace.language

    def refresh_search_text(self) -> None:
        self.search_text = client_search_text(name=self.name, email=self.email, phone=self.phone)


class IdempotencyRecord(WorkspaceScopedModel):
    """The first response to a create sent with an ``Idempotency-Key``, replayed for 24 hours."""

    # no index of its own: every lookup goes through idempotency_key_unique (workspace, user, ...)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+", db_index=False, verbose_name=_("user"))
    key = models.CharField(_("key"), max_length=255)
    path = models.CharField(_("path"), max_length=255)
    request_hash = models.CharField(_("request hash"), max_length=64)
    response_status = models.PositiveSmallIntegerField(_("response status"), null=True)
    response_body = models.JSONField(_("response body"), null=True)

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        constraints = [
            models.UniqueConstraint(fields=["workspace", "user", "path", "key"], name="idempotency_key_unique")
        ]

    def __str__(self) -> str:
        return f"{self.key} {self.path}"


class UsedRefreshToken(models.Model):
    """A refresh token that was spent (rotated) or revoked (logout): never accepted again.

    Only the refresh and logout endpoints read or write it (one INSERT, whose unique ``jti`` makes
    two concurrent uses of one token end with exactly one winner); access tokens never look here.
    Rows are dropped once their token would have expired anyway.
    """

    id = ObjectIdField(primary_key=True)
    jti = models.CharField(_("token id"), max_length=64, unique=True)
    expires_at = models.DateTimeField(_("expires at"), db_index=True)

    class Meta:
        verbose_name = _("used refresh token")
        verbose_name_plural = _("used refresh tokens")

    def __str__(self) -> str:
        return self.jti
