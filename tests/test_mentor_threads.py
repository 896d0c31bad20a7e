"""Comments and review requests between a learner and their mentors (learners/mentors/threads.py
and thread_views.py): who may write what, where it shows, and what bad input changes (nothing)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from learners.experiments.models import Run
from learners.mentors import relationship, sections, threads
from learners.mentors.models import Comment, RequestStatus, ReviewRequest, Share
from learners.models import Note
from learners.record.models import Failure
from tests.access_experiments import make_run
from tests.factories import make_learner, make_modules, make_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(alice):
    modules = make_modules(1)
    make_plan(alice, modules)
    module = modules[0]
    shared = Failure.objects.create(
        learner=alice,
        module=module,
        title="SHARED failure",
        happened_on=alice.local_today(),
        shared_with_mentors=True,
    )
    private = Failure.objects.create(
        learner=alice, module=module, title="PRIVATE failure", happened_on=alice.local_today()
    )
    mentor = make_learner("mentor@example.com", display_name="Mira")
    mentorship = relationship.accept(relationship.invite(alice, mentor.email), mentor)
    return {
        "module": module,
        "shared": shared,
        "private": private,
        "mentor": mentor,
        "mentorship": mentorship,
    }


def post_comment(client, setup, target: str, body="Check the **learning rate**."):
    url = reverse("mentor_comment_create", args=[setup["mentorship"].pk])
    return client.post(url, {"on": target, "body": body, "next": "/mentoring/"})


def test_a_mentor_comments_on_a_shared_failure_and_the_learner_sees_it(client, alice, setup):
    client.force_login(setup["mentor"])
    failure = setup["shared"]
    assert post_comment(client, setup, f"failure:{failure.pk}").status_code == 302
    comment = Comment.objects.get()
    assert comment.failure == failure and comment.by_mentor and comment.author_name == "Mira"
    assert "<strong>learning rate</strong>" in comment.body_html
    base = f"/mentoring/{setup['mentorship'].pk}"
    mentor_page = client.get(f"{base}/failures/{failure.pk}/").text
    assert "learning rate" in mentor_page and "Your comments" in mentor_page
    client.force_login(alice)
    page = client.get(reverse("failure_detail", args=[failure.pk])).text
    assert "From your mentors" in page and "learning rate" in page
    # The list fetches itself again while a mentor is active: a new comment without a reload.
    assert f'data-hx-get="{reverse("comment_list", args=["failure", failure.pk])}"' in page


def test_a_mentor_cannot_comment_on_what_is_not_shared_or_not_theirs(client, alice, bob, setup):
    client.force_login(setup["mentor"])
    private = setup["private"]
    bobs = Failure.objects.create(
        learner=bob, module=setup["module"], title="Bob's", happened_on=bob.local_today()
    )
    bobs.shared_with_mentors = True
    bobs.save()
    for target in (f"failure:{private.pk}", f"failure:{bobs.pk}", "failure:x", "plan:1", ""):
        assert post_comment(client, setup, target).status_code == 404, target
    assert not Comment.objects.exists()
    # Another learner's mentor can't use this mentorship.
    client.force_login(bob)
    assert post_comment(client, setup, f"failure:{setup['shared'].pk}").status_code == 404
    assert not Comment.objects.exists()


def test_markdown_is_sanitized_and_bad_comments_change_nothing(client, alice, setup):
    client.force_login(setup["mentor"])
    target = f"failure:{setup['shared'].pk}"
    post_comment(client, setup, target, body="<script>alert(1)</script>[x](javascript:alert(1))")
    html = Comment.objects.get().body_html
    assert "<script" not in html and "javascript:" not in html
    Comment.objects.all().delete()
    for body in ("", "   ", "x" * 5_001):
        response = post_comment(client, setup, target, body=body)
        assert response.status_code == 302  # back, with the reason in a message
    assert not Comment.objects.exists()


def test_the_author_edits_for_fifteen_minutes_and_deletes_any_time(client, alice, setup):
    client.force_login(setup["mentor"])
    post_comment(client, setup, f"failure:{setup['shared'].pk}", body="First words")
    comment = Comment.objects.get()
    m = setup["mentorship"].pk
    edit = reverse("mentor_comment_edit", args=[m, comment.pk])
    assert client.post(edit, {"body": "Better words"}).status_code == 302
    comment.refresh_from_db()
    assert comment.body == "Better words" and comment.edited_at is not None
    Comment.objects.filter(pk=comment.pk).update(created_at=timezone.now() - timedelta(minutes=16))
    response = client.post(edit, {"body": "Too late"})
    assert response.status_code == 422 and "15 minutes" in response.text
    comment.refresh_from_db()
    assert comment.body == "Better words"
    # The learner can't edit or delete it; the author can delete it.
    client.force_login(alice)
    assert client.post(edit, {"body": "Mine now"}).status_code == 404
    delete = reverse("mentor_comment_delete", args=[m, comment.pk])
    assert client.post(delete).status_code == 404
    client.force_login(setup["mentor"])
    assert client.post(delete).status_code == 302
    assert not Comment.objects.exists()


def test_the_learner_hides_a_comment_and_the_author_sees_it_marked(client, alice, bob, setup):
    comment = threads.comment(setup["mentorship"], setup["mentor"], setup["shared"], "Hmm")
    hide = reverse("comment_hide", args=[comment.pk])
    client.force_login(bob)
    assert client.post(hide, {"hidden": "on"}).status_code == 404
    client.force_login(alice)
    assert client.post(hide, {"hidden": "maybe"}).status_code == 400
    assert client.post(hide, {"hidden": "on"}).status_code == 302
    comment.refresh_from_db()
    assert comment.hidden_at is not None
    page = client.get(reverse("failure_detail", args=[setup["shared"].pk])).text
    assert "A comment you hid" in page
    client.force_login(setup["mentor"])
    mentor_page = client.get(
        f"/mentoring/{setup['mentorship'].pk}/failures/{setup['shared'].pk}/"
    ).text
    assert "hidden by the learner" in mentor_page


def test_each_mentor_sees_only_their_own_comments(client, alice, setup):
    other = make_learner("other@example.com", display_name="Otto")
    second = relationship.accept(relationship.invite(alice, other.email), other)
    threads.comment(setup["mentorship"], setup["mentor"], setup["shared"], "From Mira")
    threads.comment(second, other, setup["shared"], "From Otto")
    client.force_login(other)
    page = client.get(f"/mentoring/{second.pk}/failures/{setup['shared'].pk}/").text
    assert "From Otto" in page and "From Mira" not in page
    client.force_login(alice)
    page = client.get(reverse("failure_detail", args=[setup["shared"].pk])).text
    assert "From Otto" in page and "From Mira" in page


def test_a_review_request_is_asked_answered_and_closed(client, alice, setup):
    module = setup["module"]
    run = make_run(alice, module, name="run one")
    client.force_login(alice)
    url = reverse("request_new")
    form = client.get(url, {"kind": "run", "run": run.pk})
    assert form.status_code == 200 and "run one" in form.text
    response = client.post(
        url,
        {"kind": "run", "run": run.pk, "mentorship": setup["mentorship"].pk, "question": "Why?"},
    )
    review = ReviewRequest.objects.get()
    assert response.url == reverse("request_detail", args=[review.pk])
    run.refresh_from_db()
    assert run.shared_with_mentors  # asking is sharing, under "only those I mark"
    client.force_login(setup["mentor"])
    home = client.get(reverse("mentoring_home")).text
    thread = reverse("mentor_request_detail", args=[setup["mentorship"].pk, review.pk])
    assert thread in home and "Why?" in home
    page = client.get(thread).text
    assert f"/mentoring/{setup['mentorship'].pk}/runs/{run.pk}/" in page
    reply = reverse("mentor_request_reply", args=[setup["mentorship"].pk, review.pk])
    client.post(reply, {"body": "The seed.", "answered": "on"})
    review.refresh_from_db()
    assert review.status == RequestStatus.ANSWERED and review.thread.get().body == "The seed."
    client.force_login(alice)
    page = client.get(reverse("request_detail", args=[review.pk])).text
    assert "The seed." in page and "Answered" in page
    client.post(reverse("request_close", args=[review.pk]))
    review.refresh_from_db()
    assert review.status == RequestStatus.CLOSED
    # A closed request takes no more messages, from either side.
    response = client.post(reverse("request_reply", args=[review.pk]), {"body": "More?"})
    assert response.status_code == 422 and review.thread.count() == 1


def test_bad_requests_are_refused_and_change_nothing(client, alice, bob, setup):
    module = setup["module"]
    bobs_run = make_run(bob, module, name="bob's run")
    mine = make_run(alice, module, name="mine")
    client.force_login(alice)
    url = reverse("request_new")
    m = setup["mentorship"].pk
    for data in (
        {"kind": "run", "run": bobs_run.pk, "mentorship": m, "question": "?"},
        {"kind": "run", "run": "9" * 30, "mentorship": m, "question": "?"},
        {"kind": "compare", "run": mine.pk, "other_run": mine.pk, "mentorship": m},
        {"kind": "spaceship", "mentorship": m, "question": "?"},
        {"kind": "checkpoint", "checkpoint": "abc", "mentorship": m, "question": "?"},
    ):
        assert client.post(url, data).status_code == 404, data
    for data in (
        {"kind": "run", "run": mine.pk, "mentorship": m, "question": ""},
        {"kind": "run", "run": mine.pk, "mentorship": 999, "question": "?"},
        {"kind": "run", "run": mine.pk, "mentorship": "x", "question": "?"},
    ):
        assert client.post(url, data).status_code == 422, data
    relationship.set_scope(
        setup["mentorship"],
        all_plans=True,
        plans=[],
        notes=Share.MARKED,
        failures=Share.MARKED,
        runs=Share.NONE,
    )
    response = client.post(url, {"kind": "run", "run": mine.pk, "mentorship": m, "question": "?"})
    assert response.status_code == 422 and "sees none of your runs" in response.text
    assert not ReviewRequest.objects.exists()
    assert not Run.objects.filter(shared_with_mentors=True).exists()
    # Someone else's request is a 404 for every verb.
    review = threads.ask(
        setup["mentorship"], threads.Subject("failure", failure=setup["shared"]), "Is it?"
    )
    client.force_login(bob)
    assert client.get(reverse("request_detail", args=[review.pk])).status_code == 404
    assert client.post(reverse("request_close", args=[review.pk])).status_code == 404
    assert client.get(reverse("mentor_request_detail", args=[m, review.pk])).status_code == 404


def test_ending_the_relationship_ends_the_threads_for_the_mentor(client, alice, setup):
    review = threads.ask(
        setup["mentorship"], threads.Subject("failure", failure=setup["shared"]), "Is it?"
    )
    relationship.end(setup["mentorship"])
    client.force_login(setup["mentor"])
    m = setup["mentorship"].pk
    assert client.get(reverse("mentor_request_detail", args=[m, review.pk])).status_code == 404
    response = post_comment(client, setup, f"failure:{setup['shared'].pk}")
    assert response.status_code == 404
    # The learner keeps the thread, without a reply box.
    client.force_login(alice)
    page = client.get(reverse("request_detail", args=[review.pk])).text
    assert "Is it?" in page and "Send reply" not in page


def _until(page) -> str:
    return re.search(r'"until": "([^"]+)"', page).group(1)


def test_unread_counts_for_both_sides(client, alice, setup):
    threads.comment(setup["mentorship"], setup["mentor"], setup["shared"], "One")
    client.force_login(alice)
    assert ">1<" in client.get(reverse("unread")).text
    page = client.get(reverse("mentors_page")).text
    assert ">1<" in client.get(reverse("unread")).text  # a GET changes nothing
    # The page, once loaded, says it was seen, with the time it was made: a comment written
    # after that stays new.
    threads.comment(setup["mentorship"], setup["mentor"], setup["shared"], "Two")
    read = client.post(reverse("inbox_read"), {"side": "learner", "until": _until(page)})
    assert read.status_code == 200 and 'data-hx-swap-oob="true"' in read.text
    assert ">1<" in read.text
    for bad in ({"side": "x", "until": _until(page)}, {"side": "learner", "until": "soon"},
                {"side": "learner", "until": "2026-01-01T00:00:00"}, {}):  # fmt: skip
        assert client.post(reverse("inbox_read"), bad).status_code == 400, bad
    client.post(reverse("inbox_read"), {"side": "learner", "until": "2999-01-01T00:00:00+00:00"})
    assert "badge" not in client.get(reverse("unread")).text  # clamped to now: all read
    threads.ask(setup["mentorship"], threads.Subject("failure", failure=setup["shared"]), "Q?")
    client.force_login(setup["mentor"])
    assert ">1<" in client.get(reverse("unread")).text
    page = client.get(reverse("mentoring_home")).text
    client.post(reverse("inbox_read"), {"side": "mentor", "until": _until(page)})
    assert "badge" not in client.get(reverse("unread")).text


def test_the_module_page_shows_comments_on_the_module_and_its_notes_in_two_queries(
    client, alice, setup
):
    module = setup["module"]
    m = setup["mentorship"]

    def add(n: int) -> None:
        for i in range(n):
            note = Note.objects.create(
                learner=alice, module=module, body=f"note {i}", shared_with_mentors=True
            )
            threads.comment(m, setup["mentor"], note, f"on note {i}")
            threads.comment(m, setup["mentor"], module, f"on module {i}")

    def count() -> int:
        request = RequestFactory().get("/")
        request.user = alice
        notes = list(Note.objects.filter(module=module))
        with CaptureQueriesContext(connection) as queries:
            section = sections.comments_section(request, module, notes=notes)
        assert len(section["comments"]) == 2 * len(notes)
        return len(queries)

    add(1)
    one = count()
    add(10)
    assert count() == one == 2
    client.force_login(alice)
    page = client.get(reverse("module_detail", args=[module.slug])).text
    assert "on note 3" in page and "on module 3" in page


def test_a_modules_comments_are_the_learners_own_not_every_learners(client, alice, bob, setup):
    """A module is everyone's; the comments on it are one learner's (found by a review)."""
    module = setup["module"]
    threads.comment(setup["mentorship"], setup["mentor"], module, "ALICE-PRIVATE-ADVICE")
    bobs_mentor = make_learner("bobs-mentor@example.com")
    bobs = relationship.accept(relationship.invite(bob, bobs_mentor.email), bobs_mentor)
    threads.comment(bobs, bobs_mentor, module, "for bob")
    client.force_login(bob)
    for url in (reverse("comment_list", args=["module", module.pk]), module.get_absolute_url()):
        page = client.get(url).text
        assert "ALICE-PRIVATE-ADVICE" not in page and "for bob" in page, url
    client.force_login(bobs_mentor)
    page = client.get(f"/mentoring/{bobs.pk}/modules/{module.slug}/").text
    assert "ALICE-PRIVATE-ADVICE" not in page and "for bob" in page


def test_a_threads_messages_stay_as_sent(client, alice, setup):
    review = threads.ask(
        setup["mentorship"], threads.Subject("failure", failure=setup["shared"]), "Q?"
    )
    answer = threads.reply(review, setup["mentor"], "A.")
    mine = threads.reply(review, alice, "Thanks")
    m = setup["mentorship"].pk
    client.force_login(setup["mentor"])
    edit = reverse("mentor_comment_edit", args=[m, answer.pk])
    assert client.post(edit, {"body": "REWRITTEN"}).status_code == 404
    assert client.post(reverse("mentor_comment_delete", args=[m, answer.pk])).status_code == 404
    client.force_login(alice)
    for pk in (answer.pk, mine.pk):
        assert client.post(reverse("comment_hide", args=[pk]), {"hidden": "on"}).status_code == 404
    answer.refresh_from_db()
    assert answer.body == "A." and answer.hidden_at is None


def test_after_the_end_nobody_writes_in_the_thread(client, alice, setup):
    review = threads.ask(
        setup["mentorship"], threads.Subject("failure", failure=setup["shared"]), "Q?"
    )
    relationship.end(setup["mentorship"])
    client.force_login(alice)
    response = client.post(reverse("request_reply", args=[review.pk]), {"body": "after end"})
    assert response.status_code == 422 and not review.thread.exists()


def test_requests_are_limited_per_day_not_only_while_open(alice, setup):
    subject = threads.Subject("failure", failure=setup["shared"])
    for _ in range(threads.REQUESTS_A_DAY):
        threads.close(threads.ask(setup["mentorship"], subject, "Q?"))
    with pytest.raises(threads.ThreadError, match="today"):
        threads.ask(setup["mentorship"], subject, "One more?")


def test_a_seen_mark_from_the_far_past_or_future_is_clamped(client, alice, setup):
    client.force_login(alice)
    for until in ("0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"):
        response = client.post(reverse("inbox_read"), {"side": "learner", "until": until})
        assert response.status_code == 200, until
