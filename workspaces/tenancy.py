"""The one mechanism that scopes every workspace endpoint.

Order of answers (contract, "Who may do what"):
1. no or bad credentials: 401;
2. unknown workspace, inactive workspace or caller not an active member: the same 404;
3. expired subscription: 403 ``subscription_expired``; a workspace requiring two-factor and a
   caller without it: 403 ``two_factor_required`` (read from the user row: no query);
4. role without the action's permission: 403;
5. only then the object in the path: unknown or another workspace's, 404.

The workspace and the caller's membership are loaded together in one query and kept on the view.
Viewsets declare ``permissions = {action: permission}`` and never override ``get_queryset``. A
permission may be :class:`OwnOr`: needed unless the member the path is nested under is the caller
(a member edits their own working hours; owners and admins anyone's).
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from functools import cached_property

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters.constants import EMPTY_VALUES
from rest_framework import exceptions, permissions, status, viewsets
from rest_framework.response import Response

from config.api.errors import NOT_FOUND_MESSAGE, SubscriptionExpired, TwoFactorRequired
from config.api.paging import after_condition, page, paginate
from config.api.serializers import RowReadSerializer
from config.api.shapes import Slot, fetch_objects, fetch_rows
from workspaces.accounts.authentication import TokenUser
from workspaces.current import set_request_workspace
from workspaces.ids import is_object_id
from workspaces.models import Membership, Workspace

PERMISSION_DENIED_MESSAGE = _("Your role does not allow this action.")


@dataclass(frozen=True)
class OwnOr:
    """A permission needed unless the member the path names is the caller: ``OwnOr("availability.manage")``
    on an endpoint nested under a member (``parent = (Membership, "member_id", ...)``) lets every
    member act on their own and holders of the permission on anyone's.

    Decided with the role check (step 4), from the path alone: another member's path is a 403
    for a caller without the permission whether or not that member exists.
    """

    permission: str


def resolve_membership(user, workspace_id: str) -> Membership:
    """The caller's active membership in an active workspace, with the workspace and the user, or
    the contract's first answers: 401 for credentials that name nobody valid, else the same 404 for
    an unknown workspace and one the caller is not an active member of.

    One query: the membership joined with its workspace and its user. A bearer token's user is
    not loaded before (:class:`workspaces.accounts.authentication.TokenUser`): this query hands it
    over, checked (active, the password the token was issued under); only when there is no such
    membership is the user read alone, to tell a 401 from a 404.
    """
    if isinstance(user, TokenUser) and not user.loaded:
        membership = _membership(workspace_id, user_id=user.user_id)
        if membership is None:
            user._setup()  # 401 for a user that is gone, inactive or has changed password
            raise exceptions.NotFound(NOT_FOUND_MESSAGE)
        user.hand_over(membership.user)
        return membership
    if not (user and user.is_authenticated):
        raise exceptions.NotAuthenticated()
    membership = _membership(workspace_id, user_id=user.pk)
    if membership is None:
        raise exceptions.NotFound(NOT_FOUND_MESSAGE)
    return membership


def _membership(workspace_id: str, *, user_id: str) -> Membership | None:
    if not is_object_id(workspace_id):
        return None
    found = fetch_objects(("membership",), _membership_query, {"workspace": workspace_id, "user": user_id})
    return found[0] if found else None


def _membership_query() -> QuerySet:
    """The caller's membership with its workspace and user, compiled once (``config.api.shapes``)."""
    return (
        Membership.objects.select_related("workspace", "user")
        .filter(workspace_id=Slot("workspace"), user_id=Slot("user"), is_active=True, workspace__is_active=True)
        .order_by("id")[:1]
    )


class WorkspacePermission(permissions.BasePermission):
    def has_permission(self, request, view) -> bool:
        membership = resolve_membership(request.user, view.kwargs["workspace_id"])
        view.membership = membership
        view.workspace = membership.workspace
        set_request_workspace(view.workspace)
        if view.workspace.subscription_expired:
            raise SubscriptionExpired()
        if view.workspace.require_two_factor and not request.user.two_factor_enabled:
            raise TwoFactorRequired()
        required = view.required_permission()
        if required is not None and not view.permits(membership, required):
            raise exceptions.PermissionDenied(PERMISSION_DENIED_MESSAGE)
        return True


#: what a workspace-scoped viewset may not define for itself: the scoping, the checks and the
#: doors in are the base's, so a subclass cannot weaken them
GUARDED = frozenset(
    {
        "get_queryset",
        "get_object",
        "permission_classes",
        "get_permissions",
        "authentication_classes",
        "get_authenticators",
        "check_permissions",
        "initial",
        "permits",
    }
)


class WorkspaceScopedViewSet(viewsets.GenericViewSet):
    """Base of every workspace-scoped endpoint.

    Subclasses set ``queryset`` (the objects, for writes), ``permissions`` (action -> permission
    name), ``envelope`` (singular, plural), ``read_serializer_class`` (the one read shape: a
    :class:`config.api.serializers.RowReadSerializer`, or a model serializer of small objects),
    ``write_serializer_class`` and ``ordering`` for lists. An endpoint nested under an object of
    the workspace (``.../sessions/{session_id}/notes``) also sets ``parent`` (model, URL keyword,
    field): that object is looked up in the workspace after the permission check (404 when it is
    not there) and kept on ``self.parent``, and every queryset is narrowed to it.
    """

    permission_classes = [WorkspacePermission]
    permissions: dict[str, str | OwnOr] = {}
    envelope: tuple[str, str] = ("item", "items")
    ordering: list[str] = ["id"]
    read_serializer_class = None
    write_serializer_class = None
    #: (model, URL keyword, field of this viewset's model) of the object this endpoint is nested under
    parent: tuple[type, str, str] | None = None
    lookup_url_kwarg = "pk"
    lookup_value_regex = "[^/]+"

    workspace: Workspace
    membership: Membership

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        overridden = sorted(GUARDED & set(cls.__dict__))
        if overridden:
            raise TypeError(
                f"{cls.__name__} must not define {', '.join(overridden)}: workspace scoping and the access "
                "checks belong to WorkspaceScopedViewSet."
            )
        if "visible" in cls.__dict__ and "visibility_key" not in cls.__dict__:
            raise TypeError(
                f"{cls.__name__} narrows what is visible: it must say what that depends on (visibility_key), "
                "which the compiled reads are kept by."
            )
        own = any(isinstance(required, OwnOr) for required in cls.permissions.values())
        if own and (cls.parent is None or cls.parent[0] is not Membership):
            raise TypeError(
                f"{cls.__name__}: OwnOr needs an endpoint nested under a member (parent = (Membership, ...))"
            )

    # -- scoping --------------------------------------------------------------------------

    def required_permission(self) -> str | OwnOr | None:
        if self.action is None:  # OPTIONS, or a method no action serves: answered after auth
            return None
        try:
            return self.permissions[self.action]
        except KeyError:
            raise exceptions.MethodNotAllowed(self.request.method) from None

    def permits(self, membership: Membership, required: str | OwnOr) -> bool:
        """Whether the caller's ``membership`` may take this action (the contract's step 4)."""
        if isinstance(required, OwnOr):
            _model, kwarg, _field = self.parent
            return self.kwargs.get(kwarg) == membership.pk or membership.has_permission(required.permission)
        return membership.has_permission(required)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # 401, 404 for the workspace, 403s (WorkspacePermission)
        if self.parent is not None and self.action is not None:
            model, kwarg, _field = self.parent
            if model is Membership and self.kwargs[kwarg] == self.membership.pk:
                self.parent_object = self.membership  # the caller's own, already loaded
            else:
                self.parent_object = _found(model.objects.filter(workspace=self.workspace), self.kwargs[kwarg])

    def visible(self, queryset: QuerySet) -> QuerySet:
        """Rows of the workspace this caller may see (a subclass narrows: private notes); every read,
        write and lookup goes through it, before the workspace's own filter."""
        return queryset

    def visibility_key(self) -> Hashable:
        """What :meth:`visible` depends on for this request (part of the key compiled reads are kept by)."""
        return None

    def scoped(self, queryset: QuerySet, *, shaped: bool = False) -> QuerySet:
        """``queryset`` narrowed to this workspace (and to the parent object, when nested);
        ``shaped``: with placeholders for both (:meth:`shape_values` fills them in)."""
        queryset = self.visible(queryset).filter(workspace=Slot("workspace") if shaped else self.workspace)
        if self.parent is not None:
            queryset = queryset.filter(**{self.parent[2]: Slot("parent") if shaped else self.parent_object})
        return queryset

    def get_queryset(self) -> QuerySet:
        return self.scoped(self.queryset)

    def get_object(self):
        obj = _found(self.get_queryset(), self.kwargs[self.lookup_url_kwarg], self.lookup_field)
        obj.workspace = self.workspace  # already loaded: its time zone costs no query
        return obj

    def read_queryset(self, *, shaped: bool = False) -> QuerySet:
        """What reads go through: the read shape's rows, or the objects themselves."""
        shape = self.read_serializer_class
        if issubclass(shape, RowReadSerializer):
            options = shape.row_options(getattr(self, "membership", None))
            return self.scoped(shape.row_queryset(**options), shaped=shaped)
        return self.get_queryset()

    # -- reads of a row shape, compiled once (config.api.shapes) ------------------------------

    @property
    def shaped(self) -> bool:
        """Reads go through query shapes: a row read shape."""
        return issubclass(self.read_serializer_class, RowReadSerializer)

    def shape_key(self, *parts) -> tuple:
        """What a shape's SQL depends on besides ``parts``: the endpoint and the caller's view (the
        read shape's options, and what :meth:`visible` depends on)."""
        options = self.read_serializer_class.row_options(getattr(self, "membership", None))
        return (type(self), tuple(sorted(options.items())), self.visibility_key(), *parts)

    def shape_values(self) -> dict:
        values = {"workspace": self.workspace.pk}
        if self.parent is not None:
            values["parent"] = self.parent_object.pk
        return values

    def found(self, pk: str) -> dict:
        """The row of ``pk`` in the read shape, or the same 404 as an unknown workspace."""
        if not self.shaped:
            return _found(self.read_queryset(), pk, self.lookup_field)
        if self.lookup_field == "pk" and not is_object_id(pk):
            raise exceptions.NotFound(NOT_FOUND_MESSAGE)
        field = self.lookup_field

        def build() -> QuerySet:
            return self.read_queryset(shaped=True).filter(**{field: Slot("pk")})[:1]

        rows = fetch_rows(self.shape_key("one", field), build, self.shape_values() | {"pk": pk})
        if not rows:
            raise exceptions.NotFound(NOT_FOUND_MESSAGE)
        return rows[0]

    def page_of_rows(self) -> tuple[list, str | None, bool]:
        """The list's page of rows in the read shape: filtered, ordered, paged, one query."""
        filterset, given = self.filters()
        values = self.shape_values() | {name: filterset.form.cleaned_data[name] for name in given}

        def build(count: int, after: list | None) -> QuerySet:
            queryset = self.read_queryset(shaped=True)
            for name in given:
                queryset = filterset.filters[name].filter(queryset, Slot(name))
            queryset = queryset.order_by(*self.ordering)
            if after is not None:
                slots = [Slot(f"after{i}") for i in range(len(self.ordering))]
                queryset = queryset.filter(after_condition(self.ordering, slots))
            return queryset[:count]

        def fetch(count: int, after: list | None) -> list[dict]:
            key = self.shape_key("list", given, count, after is not None)
            after_values = {f"after{i}": value for i, value in enumerate(after or ())}
            return fetch_rows(key, lambda: build(count, after), values | after_values)

        return page(self.request, self.ordering, self.queryset.model, fetch)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["workspace"] = getattr(self, "workspace", None)
        context["membership"] = getattr(self, "membership", None)
        return context

    def get_serializer_class(self):
        if self.action in {"create", "partial_update", "update"} and self.write_serializer_class:
            return self.write_serializer_class
        return self.read_serializer_class

    # -- answers --------------------------------------------------------------------------

    def read(self, obj) -> dict:
        return self.read_serializer_class(obj, context=self.get_serializer_context()).data

    def one(self, obj, status_code: int = status.HTTP_200_OK, *, fresh: bool = False) -> Response:
        """``obj`` in its read shape; ``fresh``: read anew, as the reads read it (a row shape always is)."""
        if fresh or issubclass(self.read_serializer_class, RowReadSerializer):
            obj = self.found(getattr(obj, self.lookup_field))
        return Response({self.envelope[0]: self.read(obj)}, status=status_code)

    def many(self, queryset=None) -> Response:
        """The list's answer: the page of ``queryset``, or of the read shape's rows when it is shaped."""
        if queryset is None:
            rows, next_cursor, paged = self.page_of_rows()
        else:
            rows, next_cursor, paged = paginate(self.request, queryset, self.ordering)
        data = self.read_serializer_class(rows, many=True, context=self.get_serializer_context()).data
        body = {self.envelope[1]: data}
        if paged:
            body["nextCursor"] = next_cursor
        return Response(body)

    def filters(self) -> tuple[GivenFilters | None, tuple[str, ...]]:
        """The list's filters, validated (a 400 naming each malformed one), and the names of those given."""
        filterset_class = getattr(self, "filterset_class", None)
        if filterset_class is None:
            return None, ()
        given_filters = GivenFilters(filterset_class, self.request)
        form = given_filters.form
        if not form.is_valid():
            raise exceptions.ValidationError(_form_errors(form.errors))
        given = tuple(name for name, value in form.cleaned_data.items() if value not in EMPTY_VALUES)
        return given_filters, given

    def filter_queryset(self, queryset):
        given_filters, given = self.filters()
        for name in given:
            queryset = given_filters.filters[name].filter(queryset, given_filters.form.cleaned_data[name])
        return queryset

    def validated(self, data, instance=None, partial: bool = False) -> dict:
        serializer = self.write_serializer_class(
            instance, data=data, partial=partial, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


def _found(queryset: QuerySet, pk: str, field: str = "pk"):
    """The object ``pk`` of ``queryset`` (already scoped), or the same 404 as an unknown workspace.

    ``field``: what the path names it by (its id, unless the viewset's ``lookup_field`` says otherwise)."""
    if field == "pk" and not is_object_id(pk):
        raise exceptions.NotFound(NOT_FOUND_MESSAGE)
    obj = queryset.filter(**{field: pk}).first()
    if obj is None:
        raise exceptions.NotFound(NOT_FOUND_MESSAGE)
    return obj


#: a filter set's form class, made once: django-filter makes it (and deep-copies every filter) per request
_form_classes: dict[type, type] = {}


class GivenFilters:
    """A list's filters as the request gives them: the filter set's form, validated per request, and
    the filter set itself (what applies each filter to a queryset) made only when asked for, which
    a compiled list does once per shape (``config.api.shapes``). The fields of these filter sets do
    not depend on the request (no request-bound choices), so their form class is made once."""

    def __init__(self, filterset_class, request):
        self.filterset_class, self.request = filterset_class, request
        form_class = _form_classes.get(filterset_class)
        if form_class is None:
            form_class = _form_classes[filterset_class] = filterset_class().get_form_class()
        self.form = form_class(request.query_params)

    @cached_property
    def filters(self) -> dict:
        """Each filter, bound to a filter set of its own (a ``method=`` filter calls it); it filters
        whatever queryset it is given, so the set's own queryset is never read."""
        return self.filterset_class(self.request.query_params, request=self.request).filters


def _form_errors(errors: dict) -> dict:
    """A filter form's errors as the API's ``fields`` (filters are declared under their wire names)."""
    return {name: [str(m) for m in messages] for name, messages in errors.items()}


def crud_permissions(view: str, manage: str, **extra: str) -> dict[str, str]:
    """``view`` to read, ``manage`` to create, update and delete; ``extra`` adds actions."""
    return {
        "list": view,
        "retrieve": view,
        "create": manage,
        "partial_update": manage,
        "destroy": manage,
        **extra,
    }


class ListMixin:
    def list(self, request, *args, **kwargs):
        if self.shaped:
            return self.many()
        return self.many(self.filter_queryset(self.read_queryset()))


class RetrieveMixin:
    def retrieve(self, request, *args, **kwargs):
        return Response({self.envelope[0]: self.read(self.found(self.kwargs[self.lookup_url_kwarg]))})


class CreateMixin:
    """POST: validate, ``perform_create`` (an action), answer 201 with the read shape.

    Runs in one transaction and honours ``Idempotency-Key``.
    """

    def create(self, request, *args, **kwargs):
        from workspaces.idempotency import idempotent_create

        def produce() -> Response:
            data = self.validated(request.data)
            return self.created(self.perform_create(data), data)

        return idempotent_create(request, self.workspace, produce)

    def perform_create(self, data: dict):
        raise NotImplementedError

    def created(self, obj, data: dict) -> Response:
        """The 201: ``obj`` in its read shape (read back, as reads read it, unless a viewset knows
        the row already: ``data`` is what it was created from)."""
        return self.one(obj, status.HTTP_201_CREATED)


class UpdateMixin:
    """PATCH: validate (partial), ``perform_update`` (an action), answer 200 with the read shape."""

    def partial_update(self, request, *args, **kwargs):
        from django.db import transaction

        with transaction.atomic():
            instance = self.get_object()
            data = self.validated(request.data, instance=instance, partial=True)
            instance = self.perform_update(instance, data)
        return self.one(instance, fresh=True)

    def perform_update(self, instance, data: dict):
        raise NotImplementedError


class DestroyMixin:
    def destroy(self, request, *args, **kwargs):
        from django.db import transaction

        with transaction.atomic():
            self.perform_destroy(self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    def perform_destroy(self, instance) -> None:
        instance.delete()
