"""The access walk's mentor roles (issue 13): every URL of the site, plain and as htmx, and every
page and write of the mentor's mount over alice's record, tried as

- alice's mentor (an active mentorship, scope "only those I mark"),
- a mentor of someone else (carol's),
- an ended mentor of alice's,
- a pending invitee of alice's (an account with the invited address, not accepted),
- an anonymous visitor.

A leak is a private text of alice's in an answer (a note, run, failure, session's words, token,
config she didn't share), an owner's row changed, anything but a 404 where the role has no
business (a login redirect for the visitor), or a 500. alice's mentor must be able to read what
she shares (a 200), and gets a 404 for each row she doesn't. The walk prints its counts and
asserts 0 leaks.
"""

from __future__ import annotations

from collections import Counter

import pytest
from django.test import Client
from django.urls import reverse

from learners.mentors import relationship, threads
from learners.mentors.models import Mentorship, Share
from learners.record.models import Failure
from learners.urls import MENTOR_READS
from tests.access_experiments import make_run
from tests.factories import make_learner
from tests.test_access import CASES, is_login_redirect, owners_record, request
from tests.test_access import world as access_world  # noqa: F401 (a fixture)
from tests.test_security_access import Walk, leaked_markers, undone
from tests.test_security_access import world as security_world  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

MENTOR, ELSEWHERE, ENDED, PENDING, ANONYMOUS = (
    "alice's mentor",
    "a mentor of someone else",
    "an ended mentor",
    "a pending invitee",
    "anonymous",
)
# What alice's mentor may read of hers: her plan (its goal), her name and address, and the
# failure she asked them about (asking is sharing). Never the rest.
SHOWN_TO_HER_MENTOR = {"alice@example.com", "alice-secret-goal", "alice's private failure",
                       "alice's private lesson"}  # fmt: skip


@pytest.fixture
def world(security_world):  # noqa: F811
    """tests/test_security_access.py's world: alice's texts unmistakable."""
    return security_world


def _roles(world) -> dict[str, tuple[Client, Mentorship | None]]:
    alice = world["alice"]
    mia = Mentorship.objects.get(pk=world["active_mentorship"])
    otto = make_learner("otto@example.com", display_name="Otto")
    carol = Mentorship.objects.get(pk=world["mentored"]).learner
    relationship.accept(relationship.invite(carol, otto.email), otto)
    ed = make_learner("ed@example.com", display_name="Ed")
    ended = relationship.accept(relationship.invite(alice, ed.email), ed)
    relationship.end(ended)
    pia = make_learner("pending-mentor@example.com", display_name="Pia")
    pending = Mentorship.objects.get(pk=world["pending_mentorship"])
    users = {MENTOR: (mia.mentor, mia), ELSEWHERE: (otto, None), ENDED: (ed, ended)}
    users[PENDING] = (pia, pending)
    roles = {}
    for role, (user, own) in users.items():
        client = Client()
        client.force_login(user)
        roles[role] = (client, own)
    roles[ANONYMOUS] = (Client(), None)
    return roles


def _mount(world, shared: dict, private: dict) -> list[tuple[str, str, bool]]:
    """(name, URL, whether alice's mentor may read it) for every mounted page over alice's
    record, each row-taking page with a shared row and with a private one."""
    m = world["active_mentorship"]
    args = {
        "plan_detail": [(world["plan"], True)],
        "module_detail": [(world["module"], True)],
        "module_runs": [(world["module"], True)],
        "failure_detail": [(shared["failure"], True), (private["failure"], False)],
        "run_detail": [(shared["run"], True), (private["run"], False)],
        "run_vs_last_week": [(shared["run"], True), (private["run"], False)],
    }
    urls = []
    for name in sorted(MENTOR_READS):
        for arg, readable in args.get(name, [(None, True)]):
            extra = [] if arg is None else [arg]
            urls.append((name, reverse(f"mentor_{name}", args=[m, *extra]), readable))
    return urls


def _mentor_writes(world, shared: dict, private: dict, comment: int) -> list:
    """(name, URL, data, whether alice's mentor may) for the mentor's writes over her record."""
    m, review = world["active_mentorship"], world["alice_request"]
    return [
        ("comment on a shared failure", reverse("mentor_comment_create", args=[m]),
         {"on": f"failure:{shared['failure']}", "body": "ok"}, True),
        ("comment on a private failure", reverse("mentor_comment_create", args=[m]),
         {"on": f"failure:{private['failure']}", "body": "ok"}, False),
        ("comment on a private run", reverse("mentor_comment_create", args=[m]),
         {"on": f"run:{private['run']}", "body": "ok"}, False),
        ("edit own comment", reverse("mentor_comment_edit", args=[m, comment]),
         {"body": "edited"}, True),
        ("delete own comment", reverse("mentor_comment_delete", args=[m, comment]), {}, True),
        ("read the request", reverse("mentor_request_detail", args=[m, review]), None, True),
        ("answer the request", reverse("mentor_request_reply", args=[m, review]),
         {"body": "answer"}, True),
        ("mark it answered", reverse("mentor_request_answered", args=[m, review]), {}, True),
    ]  # fmt: skip


# About 700 requests: a minute of CPU, more on a shared machine than the suite's usual limit.
@pytest.mark.timeout(600)
def test_no_mentor_role_reaches_what_is_not_theirs(world, capsys):
    alice = world["alice"]
    module = world["modules"][0]
    relationship.set_scope(
        Mentorship.objects.get(pk=world["active_mentorship"]),
        all_plans=True,
        plans=[],
        notes=Share.MARKED,
        failures=Share.MARKED,
        runs=Share.MARKED,
    )
    shared = {
        "failure": Failure.objects.create(
            learner=alice,
            module=module,
            title="shared failure",
            happened_on=alice.local_today(),
            shared_with_mentors=True,
        ).pk,
        "run": make_run(alice, module, name="shared run", shared_with_mentors=True).pk,
    }
    private = {"failure": world["failure"], "run": world["experiments_run"]}
    # The world's failure was asked about (so shared); one she keeps to herself:
    private["failure"] = Failure.objects.create(
        learner=alice,
        module=module,
        title="alice's private failure, never asked about",
        happened_on=alice.local_today(),
    ).pk
    mia = Mentorship.objects.get(pk=world["active_mentorship"])
    comment = threads.comment(mia, mia.mentor, Failure.objects.get(pk=shared["failure"]), "hi").pk
    roles = _roles(world)
    walk, counts = Walk(), Counter()

    def check(role: str, where: str, response, before, after, *, allowed: bool | None) -> None:
        counts[role] += 1
        if response.status_code >= 500:
            walk.leak(f"{role} {where}: {response.status_code}")
        hidden = [
            m for m in leaked_markers(response) if role != MENTOR or m not in SHOWN_TO_HER_MENTOR
        ]
        if hidden:
            walk.leak(f"{role} {where}: shows {hidden}")
        if role == ANONYMOUS:
            if not is_login_redirect(response):
                walk.leak(f"{role} {where}: {response.status_code}, not a login redirect")
            return
        if allowed is True and response.status_code not in {200, 302}:
            walk.leak(f"{role} {where}: {response.status_code}, not allowed to its mentor")
        if allowed is False and response.status_code != 404:
            walk.leak(f"{role} {where}: {response.status_code}, not 404")
        if allowed is not True and after != before:
            walk.leak(f"{role} {where}: changed alice's rows")

    # 1. Every URL of the site, as each mentor role: outside the mount, nobody is alice. (The
    # visitor and the htmx variants of these are the main walk's, tests/test_security_access.py;
    # a GET's writes too: the same views answer "another learner" there.)
    for name, case in sorted(CASES.items()):
        if case.kind == "api" or name in {"logout"}:
            continue
        for role, (client, _own) in roles.items():
            if role == ANONYMOUS:
                continue
            # Deleting one's own account ends its mentorships on both sides and deletes what it
            # wrote (alice's mentor's comments on her record): by design, tested in
            # tests/test_record_account.py; here it is only checked for leaks and 500s.
            writes = case.method == "POST" and name != "account_delete"
            with undone(client):
                before = owners_record(world) if writes else None
                response = request(client, name, case, world)
                after = owners_record(world) if writes else None
            check(role, f"{case.method} {name}", response, before, after,
                  allowed=False if case.kind == "object" else None)  # fmt: skip

    # 2. The mount over alice's record, each role; her mentor reads what she shares only.
    for _name, url, readable in _mount(world, shared, private):
        for role, (client, own) in roles.items():
            for htmx in (False, True):
                headers = {"HX-Request": "true"} if htmx else {}
                with undone(client):
                    before = owners_record(world)
                    response = client.get(url, headers=headers)
                    after = owners_record(world)
                allowed = readable if role == MENTOR else False
                check(role, f"GET {url}{' (htmx)' if htmx else ''}", response, before, after,
                      allowed=allowed)  # fmt: skip
            # A role's own (ended, pending) mentorship of alice is no way in either.
            if own is not None and role != MENTOR:
                with undone(client):
                    response = client.get(url.replace(f"/{mia.pk}/", f"/{own.pk}/", 1))
                check(role, f"GET {url} through their own", response, None, None, allowed=False)

    # 3. The mentor's writes over alice's record.
    for name, url, data, permitted in _mentor_writes(world, shared, private, comment):
        for role, (client, _own) in roles.items():
            with undone(client):
                before = owners_record(world)
                response = client.get(url) if data is None else client.post(url, data)
                after = owners_record(world)
            allowed = permitted if role == MENTOR else False
            check(role, name, response, before, after, allowed=allowed)

    lines = ["", "Mentor roles: requests tried, by role:"]
    lines += [f"  {role:<26}{counts[role]:>6}" for role in roles]
    lines += [f"  {'all':<26}{sum(counts.values()):>6}", f"  leaks: {len(walk.leaks)}"]
    with capsys.disabled():
        print("\n".join(lines))
    assert walk.leaks == [], "\n".join(walk.leaks)
    assert counts[MENTOR] > len(CASES)
