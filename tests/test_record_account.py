"""Deleting an account: asks for the password, removes every row the learner owns, says so,
logs out, and touches nobody else."""

from __future__ import annotations

import pytest
from django.contrib.auth import SESSION_KEY

from learners.lib.ownership import OWNED
from learners.models import LoginFailure, Note, User
from learners.record import export
from tests.factories import make_learner
from tests.test_record_export_import import modules, rich  # noqa: F401 — fixtures: every kind

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-password-123"  # tests/factories.make_learner's


def owned_rows(user_id: int) -> dict[str, int]:
    """Rows of every owned model that lead to `user_id`, by each model's path to its learner."""
    return {
        model._meta.label_lower: model._default_manager.filter(
            **{f"{export.owner_path(model)}_id": user_id}
        ).count()
        for model in OWNED
    }


def test_the_fixture_owns_a_row_of_every_owned_model(rich):  # noqa: F811
    empty = [label for label, count in owned_rows(rich.pk).items() if not count]
    assert empty == [], f"give the `rich` fixture rows of {empty}"


def test_a_wrong_password_deletes_nothing_and_says_so_at_the_field(client, rich):  # noqa: F811
    client.force_login(rich)
    before = owned_rows(rich.pk)
    response = client.post("/account/data/delete/", {"password": "not-it"})
    assert response.status_code == 422
    assert "That isn&#x27;t your password. Nothing was deleted." in response.text
    assert owned_rows(rich.pk) == before
    assert User.objects.filter(pk=rich.pk).exists()
    assert client.session.get(SESSION_KEY) == str(rich.pk)  # still logged in


def test_an_empty_password_is_asked_for(client, alice):
    client.force_login(alice)
    response = client.post("/account/data/delete/", {})
    assert response.status_code == 422
    assert "Type your password to confirm." in response.text


def test_the_right_password_removes_every_owned_row_and_logs_out(client, rich, bob):  # noqa: F811
    LoginFailure.objects.create(email=rich.email, address="192.0.2.1")
    LoginFailure.objects.create(email=bob.email, address="192.0.2.1")
    bob_before = owned_rows(bob.pk)
    user_id = rich.pk
    client.force_login(rich)
    response = client.post("/account/data/delete/", {"password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    assert not User.objects.filter(pk=user_id).exists()
    assert set(owned_rows(user_id).values()) == {0}
    assert not LoginFailure.objects.filter(email="alice@example.com").exists()
    assert owned_rows(bob.pk) == bob_before  # nobody else's
    assert Note.objects.filter(learner=bob).count() == 1
    assert LoginFailure.objects.filter(email=bob.email).exists()
    assert SESSION_KEY not in client.session
    landing = client.get("/").text
    assert "The account alice@example.com is deleted, with everything it held" in landing
    assert "2 failures" in landing and "1 note," in landing


def test_the_deleted_account_can_not_log_in_and_its_address_is_free(client, alice):
    client.force_login(alice)
    client.post("/account/data/delete/", {"password": PASSWORD})
    assert not client.login(username="alice@example.com", password=PASSWORD)
    make_learner("alice@example.com")  # the address can sign up again


def test_deleting_is_post_only(client, alice):
    client.force_login(alice)
    assert client.get("/account/data/delete/").status_code == 405
    assert User.objects.filter(pk=alice.pk).exists()


def test_deleting_says_first_what_it_ends_for_others_then_does_it(client, alice, bob):
    """A mentor's deletion: the page warns, with counts; then the relationships end on both
    sides and the comments they wrote on others' records go, the learners' own rows stay."""
    from learners.mentors import relationship as rel
    from learners.mentors import threads
    from learners.mentors.models import Comment, Mentorship
    from learners.models import Note
    from learners.record.models import Failure
    from tests.factories import make_learner, make_modules

    module = make_modules(1)[0]
    carol = make_learner("carol@example.com")
    for learner in (alice, carol):
        failure = Failure.objects.create(
            learner=learner, module=module, title="x", happened_on=learner.local_today()
        )
        Note.objects.create(learner=learner, module=module, body="mine")
        mentorship = rel.accept(rel.invite(learner, bob.email), bob)
        threads.comment(mentorship, bob, failure, "bob's comment")
    threads.comment(Mentorship.objects.get(learner=alice), bob, module, "another")
    rel.accept(
        rel.invite(bob, "mentor-of-bob@example.com"), make_learner("mentor-of-bob@example.com")
    )
    client.force_login(bob)
    page = client.get("/account/data/").text
    assert "Your 1 mentor loses access to your record" in page
    assert (
        "You mentor 2 learners: those relationships end, and the 3 comments and answers you" in page
    )
    response = client.post("/account/data/delete/", {"password": PASSWORD})
    assert response.status_code == 302
    assert not Mentorship.objects.filter(mentor__email=bob.email).exists()
    assert not Comment.objects.exists()
    assert Mentorship.objects.filter(learner__in=[alice, carol]).count() == 0
    for learner in (alice, carol):
        assert Failure.objects.filter(learner=learner).count() == 1
        assert Note.objects.filter(learner=learner).count() == 1


def test_a_learners_deletion_ends_their_mentors_access_and_the_conversation(client, alice, bob):
    """The other side: a learner deletes their account. Their mentor keeps their own account
    and record, and finds the learner gone from their home; no comment or request remains."""
    from learners.mentors import relationship as rel
    from learners.mentors import threads
    from learners.mentors.models import Comment, Mentorship, ReviewRequest, Visit
    from learners.record.models import Failure
    from tests.factories import make_modules

    module = make_modules(1)[0]
    failure = Failure.objects.create(
        learner=alice, module=module, title="alice's failure", happened_on=alice.local_today()
    )
    mentorship = rel.accept(rel.invite(alice, bob.email), bob)
    threads.comment(mentorship, bob, failure, "bob's comment")
    threads.ask(mentorship, threads.Subject(kind="failure", failure=failure), "Why?")
    Note.objects.create(learner=bob, module=module, body="bob's own note")
    client.force_login(bob)
    assert client.get(f"/mentoring/{mentorship.pk}/").status_code == 200
    assert "alice" in client.get("/mentoring/").text.lower()

    client.force_login(alice)
    page = client.get("/account/data/").text
    assert "Your 1 mentor loses access to your record" in page
    assert client.post("/account/data/delete/", {"password": PASSWORD}).status_code == 302

    for model in (Mentorship, Comment, ReviewRequest, Visit):
        assert not model.objects.exists(), model
    client.force_login(bob)
    assert client.get(f"/mentoring/{mentorship.pk}/").status_code == 404
    home = client.get("/mentoring/")
    assert home.status_code == 200 and "alice" not in home.text.lower()
    assert Note.objects.filter(learner=bob).count() == 1
