"""Helpers of the history tests: reading the admin's history page as a person would."""

from __future__ import annotations

import html
import re

from django.test import Client as BrowserClient

ROW = re.compile(r'<tr class="history-row history-(?P<door>\w+)">(?P<cells>.*?)</tr>', re.S)
CELL = re.compile(r"<td[^>]*>(.*?)</td>", re.S)
TAG = re.compile(r"<[^>]+>")


def browser_for(user) -> BrowserClient:
    browser = BrowserClient()
    browser.force_login(user)
    return browser


def text(fragment: str) -> str:
    return " ".join(html.unescape(TAG.sub(" ", fragment)).split())


def history_rows(browser: BrowserClient, admin_path: str, pk: str) -> list[dict]:
    """The rows of ``/admin/<admin_path>/<pk>/history/``, newest first, as the page shows them."""
    response = browser.get(f"/admin/{admin_path}/{pk}/history/")
    assert response.status_code == 200, response.status_code
    page = response.content.decode()
    main = page.split('id="related-history-', 1)[0]
    rows = []
    for match in ROW.finditer(main):
        when, action, user, door, reason, changes, _version = (text(c) for c in CELL.findall(match["cells"]))
        rows.append({"when": when, "action": action, "user": user, "door": door, "reason": reason, "changes": changes})
    return rows


def history_html(browser: BrowserClient, admin_path: str, pk: str) -> str:
    response = browser.get(f"/admin/{admin_path}/{pk}/history/")
    assert response.status_code == 200, response.status_code
    return response.content.decode()
