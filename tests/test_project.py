"""The project as a whole: app layout, migrations, production settings, schema, docs, health, CORS."""

from __future__ import annotations

import importlib
import io
import json
import os
import re
import secrets
import shlex
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.db import OperationalError, connection
from django.test import override_settings
from drf_spectacular.validation import validate_schema

from workspaces.models import Membership, WorkspaceScopedModel

# every test touches the database, if only through the shared cache fixture
pytestmark = pytest.mark.django_db

BASE_DIR = Path(__file__).resolve().parent.parent
APPS = {
    "workspaces": "workspaces",
    "services": "services",
    "sessions": "appointments",
    "nutrition": "nutrition",
    "records": "records",
}


def manage(*args: str, env: dict[str, str], timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=timeout
    )


def base_env() -> dict[str, str]:
    """This process's environment without the test switch (pytest sets TESTING=1)."""
    env = {k: v for k, v in os.environ.items() if k not in {"TESTING", "DEBUG", "DJANGO_SETTINGS_MODULE"}}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    env["ENV_FILE"] = ""  # not this checkout's .env (scripts/serve's development settings)
    env["DATABASE_URL"] = settings.DATABASE_URL  # also when it was the embedded server's
    return env


# --- layout ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("package", "label"), APPS.items())
def test_each_app_imports_from_its_own_folder_not_from_tests(package, label):
    module = importlib.import_module(package)
    folder = Path(module.__file__).resolve().parent

    assert folder == BASE_DIR / package
    assert BASE_DIR / "tests" not in folder.parents
    assert Path(apps.get_app_config(label).path).resolve() == folder


def test_sessions_app_has_its_own_label_beside_django_sessions():
    assert apps.get_app_config("appointments").name == "sessions"
    assert apps.get_app_config("sessions").name == "django.contrib.sessions"


def test_every_test_folder_is_a_package():
    for folder in [BASE_DIR / "tests", *(p for p in (BASE_DIR / "tests").iterdir() if p.is_dir())]:
        if folder.name.startswith(("_", ".")) or folder.name == "artifacts":  # screenshots (git-ignored), no tests
            continue
        assert (folder / "__init__.py").exists(), folder


def test_models_and_migrations_agree():
    out = io.StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit as exc:  # --check exits 1 when a migration is missing
        pytest.fail(f"makemigrations would create migrations (exit {exc.code}):\n{out.getvalue()}")
    assert "No changes detected" in out.getvalue()


# --- tenant tables in the real database ------------------------------------------------------

#: The only indexes of tenant tables that may lead with something other than the workspace,
#: each with its reason. Anything else not led by workspace_id fails the test below.
CROSS_TENANT_INDEXES = {
    # "which workspaces is this user in": the one lookup that starts from the user, by nature
    # across tenants (also what deleting a user cascades through)
    ("workspaces_membership", ("user_id", "workspace_id")),
}


def tenant_models() -> list:
    return [
        model
        for model in apps.get_models()
        if (issubclass(model, WorkspaceScopedModel) or model is Membership) and not model._meta.abstract
    ]


def test_tenant_models_are_found():
    names = {model._meta.label for model in tenant_models()}
    assert {"workspaces.Membership", "workspaces.Client", "services.Service", "appointments.Session"} <= names


@pytest.mark.parametrize("model", tenant_models(), ids=lambda m: m._meta.label)
def test_tenant_table_has_workspace_fk_and_every_index_starts_with_it(model):
    table = model._meta.db_table
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
        columns = {info.name for info in connection.introspection.get_table_description(cursor, table)}

    assert "workspace_id" in columns
    foreign_keys = [info for info in constraints.values() if info["foreign_key"]]
    assert ("workspaces_workspace", "id") in [
        info["foreign_key"] for info in foreign_keys if info["columns"] == ["workspace_id"]
    ]

    offenders = []
    for name, info in constraints.items():
        if info["primary_key"] or info["foreign_key"] or info["check"]:
            continue
        if not (info["index"] or info["unique"]):
            continue
        leading = info["columns"][0] if info["columns"] else None
        if leading != "workspace_id" and (table, tuple(info["columns"])) not in CROSS_TENANT_INDEXES:
            offenders.append(f"{name} {info['columns']}")
    assert not offenders, f"{table}: indexes or unique constraints not led by workspace_id: {offenders}"


# --- production settings ---------------------------------------------------------------------


def test_deploy_check_with_production_settings_is_clean():
    env = base_env() | {
        "DEBUG": "0",
        "SECRET_KEY": "".join(secrets.choice("abcdefghijklmnopqrstuvwxyz0123456789!@#%^&*(-_=+)") for _ in range(50)),
        "ALLOWED_HOSTS": "api.example.com",
    }

    completed = manage("check", "--deploy", "--fail-level", "WARNING", env=env)

    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output
    assert "WARNING" not in output.upper().replace("0 SILENCED", "")
    assert "no issues" in output


def test_production_refuses_to_start_without_a_secret_key():
    env = base_env() | {"DEBUG": "0", "SECRET_KEY": "", "ALLOWED_HOSTS": "api.example.com"}
    completed = manage("check", env=env, timeout=120)
    assert completed.returncode != 0
    assert "SECRET_KEY" in completed.stderr


@pytest.mark.django_db(transaction=True)  # the commands commit: the tables are emptied afterwards
def test_readme_ops_commands_work_as_written_in_a_checkout_scripts_serve_set_up(tmp_path):
    """The README's ops-command examples, run as written (no DEBUG, no SECRET_KEY in the shell),
    in a checkout whose scripts/serve wrote its .env: the development settings they need."""
    # given the .env scripts/serve writes on its first start, and no development variable in the shell
    written = re.search(r"printf '([^']*)' > \.env", (BASE_DIR / "scripts" / "serve").read_text())[1]
    env_file = tmp_path / ".env"
    env_file.write_text(written.replace("\\n", "\n"))
    env = base_env() | {"ENV_FILE": str(env_file), "DATABASE_URL": _test_database_url()}
    env.pop("SECRET_KEY", None)
    section = (BASE_DIR / "README.md").read_text().split("## Ops commands", 1)[1].split("```sh", 1)[1]
    commands = [line for line in section.split("```", 1)[0].splitlines() if line.startswith(".venv/bin/python")]
    assert len(commands) >= 4

    # when each is run as written (a workspace id where the README says <id>)
    workspace_id = None
    for command in commands:
        args = shlex.split(command)[2:]  # after ".venv/bin/python manage.py"
        if workspace_id:
            args = [workspace_id if arg == "<id>" else arg for arg in args]
        completed = manage(*args, env=env)

        # then it succeeds, and the JSON it prints names what it made
        assert completed.returncode == 0, (command, completed.stderr)
        if "create_workspace" in command:
            workspace_id = json.loads(completed.stdout)["id"]
    assert Membership.objects.filter(workspace_id=workspace_id, user__email="dr@example.com").exists()


def _test_database_url() -> str:
    """This test run's own database (the configured server's test database), for a subprocess."""
    parts = urlsplit(settings.DATABASE_URL)
    return urlunsplit(parts._replace(path="/" + connection.settings_dict["NAME"]))


def test_the_app_connects_without_jit():
    # a list's query with per-row subqueries passes jit_above_cost at a few thousand estimated
    # rows, and compiling it costs more than running it (the benchmark's week view at scale)
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"


# --- OpenAPI schema and docs -----------------------------------------------------------------


def test_schema_generation_is_valid_and_warning_free(tmp_path):
    env = base_env() | {"DEBUG": "1"}
    completed = manage("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"), env=env)
    assert completed.returncode == 0, completed.stderr
    assert (tmp_path / "schema.yaml").stat().st_size > 0


@pytest.mark.parametrize("path", ["/api/v1/schema", "/api/v1/schema/"])
def test_schema_endpoint_serves_valid_openapi_3(api_client, path):
    response = api_client.get(path, {"format": "json"})

    assert response.status_code == 200
    schema = response.json()
    validate_schema(schema)  # raises on an invalid OpenAPI 3 document
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/auth/token" in schema["paths"]
    assert "/api/v1/workspace/{workspace_id}/clients" in schema["paths"]
    assert "/api/v1/workspace/{workspace_id}/members" in schema["paths"]


def _project_docstrings() -> set[str]:
    """Every docstring of a class or function in the project's own modules (not tests, not libraries)."""
    import importlib
    import inspect
    import pkgutil

    found = set()
    for app in ("config", "workspaces", "services", "sessions", "nutrition", "backoffice", "history"):
        package = importlib.import_module(app)
        for info in pkgutil.walk_packages(package.__path__, f"{app}."):
            if ".migrations" in info.name or ".management" in info.name:
                continue
            module = importlib.import_module(info.name)
            for _name, obj in vars(module).items():
                if (inspect.isclass(obj) or inspect.isfunction(obj)) and getattr(obj, "__module__", "") == info.name:
                    doc = inspect.getdoc(obj)
                    if doc and len(doc) > 20:
                        found.add(doc.splitlines()[0])
    return found


def test_the_public_schema_carries_no_internal_docstring(api_client):
    text = api_client.get("/api/v1/schema", {"format": "json"}).content.decode()

    leaked = sorted(doc for doc in _project_docstrings() if doc in text)

    assert not leaked
    assert "snake_case" not in text


def test_every_operation_documents_the_common_answers_without_its_view_declaring_them(api_client):
    schema = api_client.get("/api/v1/schema", {"format": "json"}).json()

    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            statuses = set(operation["responses"])
            assert {"400", "406", "503"} <= statuses, (method, path)
            if "/auth/" not in path:
                assert "401" in statuses, (method, path)
            if "{workspace_id}" in path:
                assert {"403", "404"} <= statuses, (method, path)
                assert operation["responses"]["403"]["content"]["application/json"]["schema"] == {
                    "$ref": "#/components/schemas/Error"
                }


def test_docs_page_uses_only_local_assets(api_client):
    response = api_client.get("/api/docs")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assets = re.findall(r"<(?:script|link)\b[^>]*?\b(?:src|href)=[\"']([^\"']+)[\"']", html)
    assert assets, "no script or stylesheet found"
    for asset in assets:
        assert not re.match(r"^(https?:)?//", asset), f"CDN asset {asset}"
    static = [a.split("/static/", 1)[1].split("?")[0] for a in assets if "/static/" in a]
    assert static, assets
    for path in static:
        assert finders.find(path), f"static file {path} is not shipped"


# --- health ----------------------------------------------------------------------------------


def test_healthz_answers_ok(api_client):
    response = api_client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_healthz_is_503_when_the_database_does_not_answer(api_client, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = api_client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] != "ok"


# --- CORS ------------------------------------------------------------------------------------

APP_ORIGIN = "https://app.example.com"


@override_settings(CORS_ALLOWED_ORIGINS=[APP_ORIGIN])
@pytest.mark.parametrize("path", ["/api/v1/auth/token", "/v1/workspace/0123456789abcdef01234567/clients"])
def test_cors_preflight_from_an_allowed_origin(api_client, path):
    response = api_client.options(
        path,
        HTTP_ORIGIN=APP_ORIGIN,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization, content-type, idempotency-key",
    )

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == APP_ORIGIN
    allowed_headers = response["Access-Control-Allow-Headers"].lower()
    assert "authorization" in allowed_headers and "idempotency-key" in allowed_headers


@override_settings(CORS_ALLOWED_ORIGINS=[APP_ORIGIN])
def test_cors_preflight_from_an_unknown_origin_gets_no_allow_origin(api_client):
    response = api_client.options(
        "/api/v1/auth/token", HTTP_ORIGIN="https://evil.example.net", HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST"
    )
    assert "Access-Control-Allow-Origin" not in response


@override_settings(CORS_ALLOWED_ORIGINS=[APP_ORIGIN])
def test_cors_headers_on_an_actual_response(api_client):
    response = api_client.get("/healthz", HTTP_ORIGIN=APP_ORIGIN)  # not an API path: no CORS
    assert "Access-Control-Allow-Origin" not in response
    response = api_client.post("/api/v1/auth/token", {}, format="json", HTTP_ORIGIN=APP_ORIGIN)
    assert response["Access-Control-Allow-Origin"] == APP_ORIGIN


# --- the database connection's health check ---------------------------------------------------


def _backend_query(pid: int) -> str:
    """What another session sees the backend ``pid`` last ran (pg_stat_activity)."""
    with psycopg.connect(_test_database_url(), autocommit=True) as other:
        return other.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone()[0]


def test_a_healthy_idle_connection_is_checked_without_a_query():
    # given a persistent connection that last ran a query of its own
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid() AS marker_query")
        pid = cursor.fetchone()[0]

    # when its health is checked, as at the start of every request
    assert connection.is_usable()

    # then the server saw nothing new: no SELECT 1 each request
    assert "marker_query" in _backend_query(pid)


@pytest.mark.django_db(transaction=True)
def test_a_connection_the_server_ended_is_found_dead_and_replaced():
    # given a persistent connection whose server session was ended (as a restart ends them all)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    with psycopg.connect(_test_database_url(), autocommit=True) as other:
        assert other.execute("SELECT pg_terminate_backend(%s)", [pid]).fetchone()[0]
    time.sleep(0.2)  # the server's goodbye reaches the socket

    # when the health is checked, then it is dead, and the next request's connection is a new one
    assert not connection.is_usable()
    connection.close()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != pid
