"""The mentor journey in Chromium: a learner invites by email (a real SMTP server on loopback),
the invitee signs up through the link and lands on Mentoring, the learner shares a note with
one key press, and the mentor reads it — and not the note kept private."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from learners.models import Note
from learners.record.models import Failure
from learners.weekly.sink import SmtpSink
from tests.access_experiments import make_run
from tests.conftest import log_in
from tests.factories import make_modules, make_plan

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def smtp(settings, live_server):
    settings.SITE_URL = live_server.url
    with SmtpSink() as sink:
        settings.MAILERS = {"default": sink.mailer()}
        yield sink


def test_invite_sign_up_accept_share_and_read(browser, live_server, alice, smtp):
    module = make_modules(1, prefix="lstm")[0]
    make_plan(alice, [module], goal="An LSTM of my own")
    shared = Note.objects.create(learner=alice, module=module, body="Why my loss plateaued")
    Note.objects.create(learner=alice, module=module, body="PRIVATE worries")

    learner = browser.new_context(base_url=live_server.url).new_page()
    log_in(learner, alice, live_server.url)
    learner.goto("/mentors/")
    learner.get_by_label("Their email address").fill("sam@example.com")
    learner.get_by_label("A message with the invite (optional)").fill("Watch my pace?")
    learner.get_by_role("button", name="Send the invite").click()
    expect(learner.get_by_role("status")).to_contain_text("Invite sent to sam@example.com")
    body = smtp.messages[-1].parsed().get_body(preferencelist=("plain",)).get_content()
    link = re.search(r"(http://\S+/mentoring/invite/\S+/)", body).group(1)

    mentor = browser.new_context(base_url=live_server.url).new_page()
    mentor.goto(link)
    expect(mentor.locator("main")).to_contain_text("Watch my pace?")
    expect(mentor.locator("main")).to_contain_text("sa…@example.com")
    mentor.get_by_role("link", name="Sign up to accept").click()
    mentor.get_by_label("Email", exact=True).fill("sam@example.com")
    mentor.get_by_label("Password", exact=True).fill("correct-horse-battery")
    mentor.get_by_label("Password again", exact=True).fill("correct-horse-battery")
    mentor.get_by_role("button", name="Sign up").click()
    mentor.get_by_role("button", name="Accept").click()
    mentor.wait_for_url("**/mentoring/")
    expect(mentor.locator(".mentee")).to_contain_text("An LSTM of my own")

    # The learner shares one note from the keyboard; focus stays on the switch.
    learner.goto(module.get_absolute_url())
    switch = learner.locator(f"#share-note_share-{shared.pk}")
    switch.focus()
    learner.keyboard.press("Enter")
    expect(switch).to_have_attribute("aria-pressed", "true")
    expect(learner.locator(f"#share-note_share-{shared.pk}")).to_be_focused()

    mentorship = alice.mentorships.get()
    mentor.goto(f"/mentoring/{mentorship.pk}/modules/{module.slug}/")
    expect(mentor.locator(".reading-banner")).to_contain_text("Alice")
    expect(mentor.locator("main")).to_contain_text("Why my loss plateaued")
    expect(mentor.locator("main")).not_to_contain_text("PRIVATE worries")
    # No control that writes the learner's record is shown to the mentor: the one form they
    # see posts their own comment.
    assert mentor.locator("main form[method=post]:visible:not(.mentor-write)").count() == 0
    for action in mentor.locator("main form.mentor-write").evaluate_all(
        "forms => forms.map(f => new URL(f.action).pathname)"
    ):
        assert action.startswith(f"/mentoring/{mentorship.pk}/comments/"), action


def test_the_whole_journey_comment_request_answer_and_the_end(
    browser, live_server, alice, smtp, settings
):
    """Invite → sign up through the link → the read-only dashboard → a comment on a shared
    failure, which the learner's open page shows without a reload → the learner asks a review
    of a run → the mentor answers → the learner ends it → the mentor's next request is a 404."""
    settings.MENTOR_POLL_SECONDS = 1
    module = make_modules(1, prefix="lstm")[0]
    make_plan(alice, [module], goal="An LSTM of my own")
    failure = Failure.objects.create(
        learner=alice,
        module=module,
        title="Loss went to NaN at step 900",
        happened_on=alice.local_today(),
        shared_with_mentors=True,
    )
    Failure.objects.create(
        learner=alice,
        module=module,
        title="PRIVATE: I nearly gave up",
        happened_on=alice.local_today(),
    )
    run = make_run(alice, module, name="lr-sweep-3e-4", metrics={"val_loss": 2.1})

    learner = browser.new_context(base_url=live_server.url).new_page()
    log_in(learner, alice, live_server.url)
    learner.goto("/mentors/")
    learner.get_by_label("Their email address").fill("sam@example.com")
    learner.get_by_role("button", name="Send the invite").click()
    expect(learner.get_by_role("status")).to_contain_text("Invite sent to sam@example.com")
    body = smtp.messages[-1].parsed().get_body(preferencelist=("plain",)).get_content()
    link = re.search(r"(http://\S+/mentoring/invite/\S+/)", body).group(1)

    mentor = browser.new_context(base_url=live_server.url).new_page()
    mentor.goto(link)
    mentor.get_by_role("link", name="Sign up to accept").click()
    mentor.get_by_label("Email", exact=True).fill("sam@example.com")
    mentor.get_by_label("Password", exact=True).fill("correct-horse-battery")
    mentor.get_by_label("Password again", exact=True).fill("correct-horse-battery")
    mentor.get_by_role("button", name="Sign up").click()
    mentor.get_by_role("button", name="Accept").click()
    mentor.wait_for_url("**/mentoring/")

    # The read-only dashboard: the plan, and no control that writes.
    mentor.get_by_role("link", name=alice.get_full_name()).click()
    expect(mentor.locator(".reading-banner")).to_contain_text(alice.get_full_name())
    expect(mentor.locator("main")).to_contain_text("An LSTM of my own")
    assert mentor.locator("main form[method=post]:visible").count() == 0

    # The learner has the failure open while the mentor comments on it.
    learner.goto(f"/failures/{failure.pk}/")
    expect(learner.locator("#mentor-comments")).to_contain_text("No comments yet")
    mentor.get_by_role("navigation", name="Main").get_by_role("link", name="Failures").click()
    expect(mentor.locator("main")).not_to_contain_text("PRIVATE")
    mentor.get_by_role("link", name="Loss went to NaN at step 900").first.click()
    mentor.get_by_label("A comment for").fill("Try **gradient clipping** at 1.0 first.")
    mentor.get_by_role("button", name="Post comment").click()
    expect(mentor.locator("#mentor-comments")).to_contain_text("gradient clipping")
    # No reload: the learner's page fetches its comments again by itself.
    expect(learner.locator("#mentor-comments")).to_contain_text("gradient clipping")
    expect(learner.locator("#mentor-comments .prose strong")).to_have_text("gradient clipping")

    # The learner asks a review of a run, by keyboard-reachable controls.
    learner.goto(f"/runs/{run.pk}/")
    learner.get_by_text("Ask sam@example.com for a review").click()
    learner.get_by_label("Your question").fill("Is 3e-4 too high for this model?")
    learner.get_by_role("button", name="Ask for a review").click()
    expect(learner.locator("main")).to_contain_text("No answer yet")

    mentor.goto("/mentoring/")
    mentor.get_by_role("link", name=re.compile("Is 3e-4 too high")).click()
    expect(mentor.get_by_role("link", name="lr-sweep-3e-4")).to_be_visible()
    mentor.get_by_label("Your answer").fill("It's fine; warm up for 500 steps.")
    mentor.get_by_label("This answers the question (mark it answered)").check()
    mentor.get_by_role("button", name="Send answer").click()
    expect(mentor.locator("main")).to_contain_text("warm up for 500 steps")
    expect(mentor.locator(".page-header .badge")).to_have_text("Answered")

    learner.reload()
    expect(learner.locator("main")).to_contain_text("warm up for 500 steps")
    expect(learner.locator(".page-header .badge")).to_have_text("Answered")

    # The learner ends it; the mentor's next look is a 404.
    mentorship = alice.mentorships.get()
    learner.goto("/mentors/")
    learner.get_by_role("button", name="End mentoring").click()
    expect(learner.get_by_role("status")).to_contain_text("no longer sees your record")
    response = mentor.goto(f"/mentoring/{mentorship.pk}/")
    assert response.status == 404
    response = mentor.goto(f"/mentoring/{mentorship.pk}/failures/{failure.pk}/")
    assert response.status == 404
