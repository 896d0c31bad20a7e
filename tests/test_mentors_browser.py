"""The mentor journey in Chromium: a learner invites by email (a real SMTP server on loopback),
the invitee signs up through the link and lands on Mentoring, the learner shares a note with
one key press, and the mentor reads it — and not the note kept private."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from learners.models import Note
from learners.weekly.sink import SmtpSink
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
    # No control that writes is shown to the mentor.
    assert mentor.locator("main form[method=post]:visible").count() == 0
