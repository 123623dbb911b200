"""A large upload streams: the production server (gunicorn, one sync worker, production settings)
takes a file far larger than any in-memory threshold while its worker's peak resident memory
(``VmHWM`` in /proc) grows by a small bounded amount, not by the file's size; the download
streams too. Measured on a real process, over loopback."""

from __future__ import annotations

import os
import time
from pathlib import Path

import psutil
import pytest
import requests
from django.conf import settings
from rest_framework_simplejwt.tokens import RefreshToken

from records.models import SessionAttachment
from tests.reliability import live
from tests.reliability.test_throttle_processes import this_database_url
from workspaces.roles import Role

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

FILE_BYTES = 48 * 1024 * 1024
#: what the worker's peak memory may grow by while the 48 MB file goes through (a chunk of 64 KB
#: at a time, plus Python's own churn); held whole, it would grow by 48 MB or more
GROWTH_BOUND = 12 * 1024 * 1024


def peak_rss(pid: int) -> int:
    """The process's peak resident set size so far (VmHWM), in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmHWM")


def multipart(data: bytes, name: str) -> tuple[bytes, str]:
    boundary = "----records-test-boundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="visibility"\r\n\r\nshared\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode()
    return head + data + f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


@pytest.fixture
def server(tmp_path, django_db_setup):
    env = live.server_env(
        this_database_url(),
        MEDIA_ROOT=str(tmp_path / "media"),
        MAX_UPLOAD_BYTES=str(64 * 1024 * 1024),
        JWT_SIGNING_KEY=settings.SIMPLE_JWT["SIGNING_KEY"],
    )
    gunicorn = live.Gunicorn(env, workers=1)
    gunicorn.start()
    try:
        yield gunicorn
    finally:
        gunicorn.stop()


def test_a_large_upload_and_its_download_stream_through_a_real_server(rw, server, tmp_path):
    (worker,) = psutil.Process(server.process.pid).children()
    headers = {"Authorization": f"Bearer {RefreshToken.for_user(rw.members[Role.OWNER].user).access_token}"}
    url = server.url + rw.files_url()

    # given a worker that has served an upload already (everything imported, connections open)
    small, kind = multipart(b"%PDF-1.4\n" + b"0" * 100_000 + b"\n%%EOF\n", "small.pdf")
    assert requests.post(url, data=small, headers=headers | {"Content-Type": kind}, timeout=60).status_code == 201
    before = peak_rss(worker.pid)

    # when a 48 MB file is uploaded (its Content-Length known, as browsers send it)
    data = b"%PDF-1.4\n" + os.urandom(FILE_BYTES - 16) + b"\n%%EOF\n"
    body, kind = multipart(data, "scan.pdf")
    started = time.monotonic()
    response = requests.post(url, data=body, headers=headers | {"Content-Type": kind}, timeout=120)
    took = time.monotonic() - started
    del body

    # then it is stored whole, and the worker's peak memory grew by far less than the file
    assert response.status_code == 201, response.text
    attachment = response.json()["attachment"]
    assert attachment["size"] == len(data)
    row = SessionAttachment.objects.get(pk=attachment["id"])
    assert (tmp_path / "media" / row.storage_key).stat().st_size == len(data)
    after_upload = peak_rss(worker.pid)
    growth = after_upload - before
    print(f"upload of {len(data) / 2**20:.0f} MiB in {took:.2f} s; worker peak RSS {before / 2**20:.1f} -> "
          f"{after_upload / 2**20:.1f} MiB (+{growth / 2**20:.1f})")  # fmt: skip
    assert growth < GROWTH_BOUND, growth

    # and the download streams too
    with requests.get(server.url + attachment["url"], headers=headers, stream=True, timeout=120) as download:
        assert download.status_code == 200
        received = b"".join(download.iter_content(1024 * 1024))
    assert received == data
    after_download = peak_rss(worker.pid)
    print(f"download: worker peak RSS +{(after_download - after_upload) / 2**20:.1f} MiB")
    assert after_download - before < GROWTH_BOUND
