"""Signing up in a real browser, with the keyboard, lands on the dashboard logged in."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from learners.models import User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_newcomer_signs_up_with_the_keyboard_and_lands_on_the_dashboard(page):
    page.goto("/")
    page.get_by_role("link", name="Sign up").click()

    # The email field has focus; labels name every input.
    expect(page.get_by_label("Email", exact=True)).to_be_focused()
    page.keyboard.type("newcomer@example.com")
    page.get_by_label("Password", exact=True).fill("correct-horse-battery")
    page.get_by_label("Password again", exact=True).fill("correct-horse-battery")
    page.get_by_label("Password again", exact=True).press("Enter")

    page.wait_for_url("/")
    expect(page.get_by_text("Welcome to Trajectory!")).to_be_visible()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    expect(page.get_by_role("link", name="newcomer", exact=True)).to_be_visible()  # the nav
    assert User.objects.get().email == "newcomer@example.com"
    assert page.dialogs == []
