"""Every link the demo mentor can follow from the read-only view leads somewhere: the view
shows the learner's pages minus their controls, so a link to a page the mentor may not open
(a form, an edit page, the learner's settings) is a control that was left in."""

from __future__ import annotations

import re
from collections import deque
from urllib.parse import urldefrag, urlsplit

import pytest

pytestmark = pytest.mark.django_db

HREF = re.compile(r'\bhref="([^"]*)"')


def walk(client, start: str, limit: int = 3000) -> tuple[dict[str, int], dict[str, str]]:
    """Breadth-first over the links on this site's pages under `start`: each URL's status
    (after redirects), and the page each was first found on. A page outside `start` is opened
    but its links are not followed: the mentor's own account is not what is walked."""
    seen: dict[str, int] = {}
    found_on: dict[str, str] = {start: "(start)"}
    queue = deque([start])
    while queue and len(seen) < limit:
        url = queue.popleft()
        response = client.get(url, follow=True)  # "vs last week" redirects to a compare
        seen[url] = response.status_code
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        if not url.startswith(start):
            continue
        for href in HREF.findall(response.content.decode()):
            href = urldefrag(href.replace("&amp;", "&"))[0]
            parts = urlsplit(href)
            if not href or parts.scheme or parts.netloc or not href.startswith("/"):
                continue
            if href.startswith("/static/") or href in found_on:
                continue
            found_on[href] = url
            queue.append(href)
    assert not queue, f"the walk stopped at {limit} pages"
    return seen, found_on


def test_every_link_in_the_demo_mentors_view_opens(client, demo_mentorship):
    mentorship = demo_mentorship
    client.force_login(mentorship.mentor)
    mount = f"/mentoring/{mentorship.pk}/"
    seen, found_on = walk(client, mount)
    dead = {url: (status, found_on[url]) for url, status in seen.items() if status != 200}
    assert len(seen) > 90, len(seen)  # the walk went deep: 103 URLs on 2026-12-03
    assert f"/mentoring/{mentorship.pk}/failures/" in seen
    assert not dead, dead
    # Outside the mount the pages link only to the mentor's own pages and the public curriculum.
    outside = {url.split("?")[0] for url in seen if not url.startswith(mount)}
    assert outside == {"/mentoring/", "/modules/", "/lists/nlp-practitioner-12-weeks/"}, outside
