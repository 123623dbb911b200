"""Attachments in an S3-compatible bucket (django-storages), against a real S3 server started here:
moto's standalone server in a subprocess on a free loopback port (no mock of the storage class)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time

import pytest

from records.models import SessionAttachment
from tests.records.conftest import ALLOWED, PDF, post_file
from workspaces.roles import Role

pytestmark = pytest.mark.slow

BUCKET = "practice-records"
CREDENTIALS = {"aws_access_key_id": "test-key", "aws_secret_access_key": "test-secret"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def s3_server():
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("moto's S3 server did not start") from None
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def bucket(s3_server, settings):
    """The default storage switched to the bucket, exactly as AWS_STORAGE_BUCKET_NAME does."""
    import boto3

    client = boto3.client("s3", endpoint_url=s3_server, region_name="us-east-1", **CREDENTIALS)
    client.create_bucket(Bucket=BUCKET)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": s3_server,
                "region_name": "us-east-1",
                "access_key": CREDENTIALS["aws_access_key_id"],
                "secret_key": CREDENTIALS["aws_secret_access_key"],
                "location": "tests",
                "addressing_style": "path",
                "file_overwrite": True,
                "default_acl": None,
                "max_memory_size": 2_621_440,
            },
        },
    }
    yield client
    for obj in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=obj["Key"])


def keys(client) -> list[str]:
    return sorted(obj["Key"] for obj in client.list_objects_v2(Bucket=BUCKET).get("Contents", []))


@pytest.mark.django_db
def test_the_settings_switch_to_the_bucket_when_it_is_named():
    import json
    import os

    script = "import json, config.settings as s; print(json.dumps(s.STORAGES['default']))"
    env = {**os.environ, "DEBUG": "1", "AWS_STORAGE_BUCKET_NAME": "b", "AWS_S3_ENDPOINT_URL": "http://127.0.0.1:9000"}
    with_bucket = json.loads(subprocess.run([sys.executable, "-c", script], env=env, capture_output=True,
                                            text=True, check=True).stdout)  # fmt: skip
    assert with_bucket["BACKEND"] == "storages.backends.s3.S3Storage"
    assert with_bucket["OPTIONS"]["bucket_name"] == "b"
    assert with_bucket["OPTIONS"]["endpoint_url"] == "http://127.0.0.1:9000"
    env = {k: v for k, v in env.items() if not k.startswith("AWS_")} | {"MEDIA_ROOT": "/srv/media"}
    local = json.loads(subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True,
                                      check=True).stdout)  # fmt: skip
    assert local == {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": "/srv/media"}}


@pytest.mark.django_db(transaction=True)
def test_upload_download_and_delete_through_the_bucket(rw, bucket):
    data, name, content_type = ALLOWED["docx"]
    # when a file is uploaded
    response = post_file(rw.api(), rw.files_url(), data, name, visibility="shared")
    assert response.status_code == 201, response.content
    attachment = response.json()["attachment"]
    row = SessionAttachment.objects.get(pk=attachment["id"])

    # then it is one object of the bucket, under the random key, with its bytes and type
    assert keys(bucket) == [f"tests/{row.storage_key}"]
    stored = bucket.get_object(Bucket=BUCKET, Key=f"tests/{row.storage_key}")
    assert stored["Body"].read() == data and stored["ContentType"] == content_type

    # and it is downloaded through the API, streamed from the bucket
    download = rw.api(Role.VIEWER).get(attachment["url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == data
    assert download["Content-Type"] == content_type and download["X-Content-Type-Options"] == "nosniff"

    # a retried upload stores no second object
    retried = [post_file(rw.api(), rw.files_url(), PDF, "a.pdf", HTTP_IDEMPOTENCY_KEY="same") for _ in range(2)]
    assert retried[0].json() == retried[1].json() and len(keys(bucket)) == 2

    # deleting the attachment removes the object once committed
    assert rw.api().delete(f"{rw.files_url()}/{attachment['id']}").status_code == 204
    assert keys(bucket) == [f"tests/{SessionAttachment.objects.get().storage_key}"]

    # and deleting the session removes the rest
    assert rw.api().delete(f"{rw.root()}/sessions/{rw.session.pk}").status_code == 204
    assert keys(bucket) == []


@pytest.mark.django_db(transaction=True)
def test_an_object_missing_from_the_bucket_is_a_404_not_a_500(rw, bucket):
    attachment = post_file(rw.api(), rw.files_url(), PDF, "a.pdf").json()["attachment"]
    row = SessionAttachment.objects.get(pk=attachment["id"])
    bucket.delete_object(Bucket=BUCKET, Key=f"tests/{row.storage_key}")
    response = rw.api().get(attachment["url"])
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
