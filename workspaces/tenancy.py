"""The one mechanism that scopes every workspace endpoint.

Order of answers (contract, "Who may do what"):
1. no or bad credentials: 401;
2. unknown workspace, inactive workspace or caller not an active member: the same 404;
3. expired subscription: 403 ``subscription_expired``; a workspace requiring two-factor and a
   caller without it: 403 ``two_factor_required`` (read from the user row: no query);
4. role without the action's permission: 403;
5. only then the object in the path: unknown or another workspace's, 404.

The workspace and the caller's membership are loaded together in one query and kept on the view.
Viewsets declare ``permissions = {action: permission}`` and never override ``get_queryset``.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, permissions, status, viewsets
from rest_framework.response import Response

from config.api.errors import NOT_FOUND_MESSAGE, SubscriptionExpired, TwoFactorRequired
from config.api.paging import paginate
from workspaces.ids import is_object_id
from workspaces.models import Membership, Workspace

PERMISSION_DENIED_MESSAGE = _("Your role does not allow this action.")


def resolve_membership(user, workspace_id: str) -> Membership:
    """The caller's active membership in an active workspace, with the workspace, or 404."""
    if not is_object_id(workspace_id):
        raise exceptions.NotFound(NOT_FOUND_MESSAGE)
    membership = (
        Membership.objects.select_related("workspace")
        .filter(workspace_id=workspace_id, user=user, is_active=True, workspace__is_active=True)
        .first()
    )
    if membership is None:
        raise exceptions.NotFound(NOT_FOUND_MESSAGE)
    return membership


class WorkspacePermission(permissions.BasePermission):
    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            raise exceptions.NotAuthenticated()
        membership = resolve_membership(request.user, view.kwargs["workspace_id"])
        view.membership = membership
        view.workspace = membership.workspace
        if view.workspace.subscription_expired:
            raise SubscriptionExpired()
        if view.workspace.require_two_factor and not request.user.two_factor_enabled:
            raise TwoFactorRequired()
        required = view.required_permission()
        if required is not None and not membership.has_permission(required):
            raise exceptions.PermissionDenied(PERMISSION_DENIED_MESSAGE)
        return True


class WorkspaceScopedViewSet(viewsets.GenericViewSet):
    """Base of every workspace-scoped endpoint.

    Subclasses set ``queryset`` (refined with ``select_related`` etc. as their read serializer
    needs), ``permissions`` (action -> permission name), ``envelope`` (singular, plural), the
    serializers, and ``ordering`` for lists.
    """

    permission_classes = [WorkspacePermission]
    permissions: dict[str, str] = {}
    envelope: tuple[str, str] = ("item", "items")
    ordering: list[str] = ["id"]
    read_serializer_class = None
    write_serializer_class = None
    #: what the list reads instead of ``queryset``, if set (plain rows: see sessions.views.many)
    list_queryset: QuerySet | None = None
    lookup_url_kwarg = "pk"
    lookup_value_regex = "[^/]+"

    workspace: Workspace
    membership: Membership

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "get_queryset" in cls.__dict__:
            raise TypeError(f"{cls.__name__} must not override get_queryset: it would bypass workspace scoping.")

    # -- scoping --------------------------------------------------------------------------

    def required_permission(self) -> str | None:
        if self.action is None:  # OPTIONS, or a method no action serves: answered after auth
            return None
        try:
            return self.permissions[self.action]
        except KeyError:
            raise exceptions.MethodNotAllowed(self.request.method) from None

    def get_queryset(self) -> QuerySet:
        queryset = self.list_queryset if self.action == "list" and self.list_queryset is not None else self.queryset
        return queryset.filter(workspace=self.workspace)

    def get_object(self):
        pk = self.kwargs[self.lookup_url_kwarg]
        if not is_object_id(pk):
            raise exceptions.NotFound(NOT_FOUND_MESSAGE)
        obj = self.get_queryset().filter(pk=pk).first()
        if obj is None:
            raise exceptions.NotFound(NOT_FOUND_MESSAGE)
        return obj

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

    def one(self, obj, status_code: int = status.HTTP_200_OK) -> Response:
        return Response({self.envelope[0]: self.read(obj)}, status=status_code)

    def many(self, queryset) -> Response:
        rows, next_cursor, paged = paginate(self.request, queryset, self.ordering)
        data = self.read_serializer_class(rows, many=True, context=self.get_serializer_context()).data
        body = {self.envelope[1]: data}
        if paged:
            body["nextCursor"] = next_cursor
        return Response(body)

    def filter_queryset(self, queryset):
        filterset_class = getattr(self, "filterset_class", None)
        if filterset_class is None:
            return queryset
        filterset = filterset_class(self.request.query_params, queryset=queryset, request=self.request)
        if not filterset.is_valid():
            raise exceptions.ValidationError(_form_errors(filterset.errors))
        return filterset.qs

    def validated(self, data, instance=None, partial: bool = False) -> dict:
        serializer = self.write_serializer_class(
            instance, data=data, partial=partial, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


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
        return self.many(self.filter_queryset(self.get_queryset()))


class RetrieveMixin:
    def retrieve(self, request, *args, **kwargs):
        return self.one(self.get_object())


class CreateMixin:
    """POST: validate, ``perform_create`` (an action), answer 201 with the read shape.

    Runs in one transaction and honours ``Idempotency-Key``.
    """

    def create(self, request, *args, **kwargs):
        from workspaces.idempotency import idempotent_create

        def produce() -> Response:
            return self.one(self.perform_create(self.validated(request.data)), status.HTTP_201_CREATED)

        return idempotent_create(request, self.workspace, produce)

    def perform_create(self, data: dict):
        raise NotImplementedError


class UpdateMixin:
    """PATCH: validate (partial), ``perform_update`` (an action), answer 200 with the read shape."""

    def partial_update(self, request, *args, **kwargs):
        from django.db import transaction

        with transaction.atomic():
            instance = self.get_object()
            data = self.validated(request.data, instance=instance, partial=True)
            instance = self.perform_update(instance, data)
        return self.one(self.get_queryset().get(pk=instance.pk))

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
