"""Three practices for the back office's scoping tests: A (where the callers work), B (another
practice, whose data must never show), X (whose subscription expired)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import Client as BrowserClient

from tests import factories
from tests.admin_scope.objects import Tenant, make_tenant

A_MARKER, B_MARKER, X_MARKER = "ALFAMARK", "BETAMARK", "XRAYMARK"


@dataclass
class World:
    a: Tenant
    b: Tenant
    x: Tenant  # expired


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Django's default storage (the attachments' files) in a folder of this test's own."""
    root = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(root)}},
    }
    return root


@pytest.fixture
def world(db) -> World:
    return World(
        a=make_tenant("Alpha", A_MARKER),
        b=make_tenant("Beta", B_MARKER),
        x=make_tenant("Xray", X_MARKER, expired=True),
    )


def browser_for(user) -> BrowserClient:
    browser = BrowserClient()
    browser.force_login(user)
    return browser


@pytest.fixture
def root(db):
    return factories.UserFactory(is_superuser=True, name="Root", email="root@platform.example")
