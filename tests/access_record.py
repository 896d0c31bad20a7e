"""Access cases for the record's URLs (see tests/access_cases.py): the failure log, the
timeline, and "Your data"."""

from __future__ import annotations

import json

from learners.models import User
from learners.record.models import Failure
from tests.access_cases import Case


class ReusableUpload:
    """A file for the test client that every request can read in full (a real file object is
    read once, and the cases are tried three times)."""

    name = "trajectory-export.json"

    def __init__(self, content: bytes) -> None:
        self.content = content

    def read(self, *args) -> bytes:
        return self.content


# A well-formed export with no rows: the import is refused only because the account has data.
EMPTY_EXPORT = ReusableUpload(
    json.dumps({"format": "trajectory-export", "version": 1, "account": {}, "data": {}}).encode()
)
PASSWORD = "a-long-password-123"  # tests/factories.make_learner's

CASES: dict = {
    "failure_list": Case("own"),
    "failure_lessons": Case("own"),
    "failure_new": Case("own"),
    "failure_capture": Case(
        "own",
        method="POST",
        data=(
            ("capture-module", "m-0000"),
            ("capture-title", "It broke"),
            ("capture-category", "bug"),
            ("page", "module"),
        ),
    ),
    "failure_detail": Case("object", args=("failure",)),
    "failure_edit": Case("object", args=("failure",)),
    "failure_delete": Case("object", method="POST", args=("failure",)),
    "failure_resolve": Case("object", method="POST", args=("failure",), data=(("resolved", "on"),)),
    "timeline": Case("own"),
    "your_data": Case("own"),
    "export_json": Case("own"),
    "export_journal": Case("own"),
    # Everyone here has data, so the import is refused: the owner is sent back to the page.
    "import_json": Case("own", method="POST", data=(("file", EMPTY_EXPORT),)),
    # Bob types the shared test password: his own account goes, never Alice's.
    "account_delete": Case("own", method="POST", data=(("password", PASSWORD),)),
}


def extend_world(world) -> dict:
    failure = Failure.objects.create(
        learner=world["alice"],
        module=world["modules"][0],
        title="alice's private failure",
        lesson="alice's private lesson",
        happened_on=world["alice"].local_today(),
    )
    return {"failure": failure.pk}


def owners_rows(world) -> list:
    alice = world["alice"]
    return [
        list(Failure.objects.filter(learner=alice).values()),
        list(User.objects.filter(pk=alice.pk).values("email", "password", "display_name")),
    ]
