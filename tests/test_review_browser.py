"""Five cards reviewed with the keyboard alone, in Chromium: Space shows each answer, a digit
rates it, the next card arrives without a reload and takes the focus; the ratings are stored."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from learners.review.models import Card, Review
from learners.study.progress import set_tick
from tests.conftest import log_in
from tests.factories import make_modules, make_plan

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_five_cards_are_reviewed_by_keyboard_alone(page, live_server, alice):
    modules = make_modules(2, checkpoints=3)
    make_plan(alice, modules)
    for module in modules:
        for checkpoint in module.checkpoints.all():
            set_tick(alice, checkpoint, True)
    assert Card.objects.filter(learner=alice).count() == 6
    log_in(page, alice, live_server.url)
    page.goto("/review/")
    page.evaluate("() => { window.notReloaded = true; }")
    expect(page.locator("#review-today")).to_contain_text("6 to review now")
    for index, key in enumerate(["3", "4", "1", "2", "3"]):
        card = page.locator("[data-review-card]")
        answer = card.locator("[data-review-answer]")
        expect(answer).not_to_have_attribute("open", "")
        page.keyboard.press("Space")
        expect(answer).to_have_attribute("open", "")
        expect(card.locator('[data-rating="3"]')).to_be_focused()  # the answer, then Good
        page.keyboard.press(key)
        expect(page.locator("#review-today")).to_contain_text(f"{5 - index} to review now")
        assert Review.objects.filter(learner=alice).count() == index + 1
    assert page.evaluate("() => window.notReloaded") is True  # one page, five answers
    assert [r.rating for r in Review.objects.filter(learner=alice).order_by("id")] == [
        3,
        4,
        1,
        2,
        3,
    ]
    # The next card took the focus: Space works again at once.
    expect(page.locator("#review-card summary")).to_be_focused()
    assert page.dialogs == []


def test_without_javascript_the_answer_opens_and_the_rating_is_a_form(browser, live_server, alice):
    modules = make_modules(1, checkpoints=1)
    make_plan(alice, modules)
    set_tick(alice, modules[0].checkpoints.get(), True)
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    log_in(page, alice, live_server.url)
    page.goto("/review/")
    page.locator("summary", has_text="Show the answer").click()
    page.get_by_role("button", name="Good").click()
    expect(page.locator("#review-card")).to_contain_text("Done for now.")
    assert Review.objects.get(learner=alice).rating == 3
    context.close()
