"""When a learner's weekly email is due, and which week it reports on.

A learner chooses a weekday and an hour on their own clock (User.weekly_email_weekday,
weekly_email_hour, time_zone). A *slot* is one such moment: that weekday's date at that hour in
their zone, as an aware UTC datetime. Slots are built from the local date each time, never by
adding 7 × 24 hours to an instant, so 08:00 stays 08:00 across a daylight-saving change.

An hour that doesn't exist on the day of a spring-forward switch (02:30 in Europe, say) is read
with the offset from before the switch (fold=0), which lands an hour later on the wall clock: the
email comes at 03:30 that day, once. An hour that happens twice (autumn) is the first of the two.

The email sent at a slot reports on the last full week (Monday to Sunday) before the slot's
local date: `learners.lib.weeks.previous_week`. So a Monday 08:00 email covers the week that ended
eight hours earlier, and a Sunday email covers the week before the one ending that day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from learners.lib.weeks import WEEK, local_date, previous_week, week_start

DIGEST_HOUR = 8


@dataclass(frozen=True)
class Slot:
    """The learner's chosen weekday (0 = Monday) and hour, in their zone."""

    weekday: int
    hour: int
    tz: ZoneInfo

    @classmethod
    def of(cls, learner) -> Slot:
        return cls(learner.weekly_email_weekday, learner.weekly_email_hour, learner.tz)

    @classmethod
    def digest(cls, mentor) -> Slot:
        """The mentor digest's: Monday at DIGEST_HOUR on the mentor's own clock."""
        return cls(0, DIGEST_HOUR, mentor.tz)

    def on(self, day: date) -> datetime:
        """The slot on `day` (which should be the chosen weekday), in UTC."""
        return datetime.combine(day, time(self.hour), tzinfo=self.tz).astimezone(UTC)

    def next_after(self, moment: datetime) -> datetime:
        """The first slot strictly after `moment`."""
        today = local_date(moment, self.tz)
        day = today + timedelta(days=(self.weekday - today.weekday()) % 7)
        slot = self.on(day)
        while slot <= moment:
            day += WEEK
            slot = self.on(day)
        return slot

    def latest_at_or_before(self, moment: datetime) -> datetime:
        """The last slot at or before `moment`: the one a sender running now is serving."""
        today = local_date(moment, self.tz)
        day = today - timedelta(days=(today.weekday() - self.weekday) % 7)
        slot = self.on(day)
        while slot > moment:
            day -= WEEK
            slot = self.on(day)
        return slot

    def report_week(self, slot: datetime) -> date:
        """Monday of the week an email sent at `slot` reports on."""
        return previous_week(local_date(slot, self.tz))[0]


def rescheduled(
    learner,
    current: datetime | None,
    now: datetime,
    already_sent,
    *,
    slot: Slot | None = None,
    wanted: bool | None = None,
) -> datetime | None:
    """Where a learner's next send time goes after their preferences were saved.

    - Email off (or account inactive): nothing is due.
    - Just turned on (or a new account): the first slot from now on. No email arrives at once
      about a week from before they asked for it.
    - Otherwise, the first slot from now on, except that a change never skips the email that
      is owed right now: if the stored send time comes before the first slot from now (an email
      was pending), this week's slot has already passed (on the new settings) and the
      week it reports on has no email yet (`already_sent(monday)` is False), it is due at once.
      Saving unchanged settings therefore never moves an owed email either.

    A second email for a week stays impossible whatever this returns: WeeklyEmail is unique
    per learner, kind and week. `slot` and `wanted` are the progress email's unless given (the
    mentor digest passes its own).
    """
    if wanted is None:
        wanted = learner.weekly_email and learner.is_active
    if not wanted:
        return None
    slot = slot or Slot.of(learner)
    upcoming = slot.next_after(now)
    if current is None:
        return upcoming
    if current >= upcoming:
        # Already waiting for the next slot (a new account, or one that just turned the email
        # on): no earlier email was ever owed, however the settings changed.
        return upcoming
    latest = slot.latest_at_or_before(now)
    this_week = week_start(local_date(now, slot.tz))
    if week_start(local_date(latest, slot.tz)) == this_week and not already_sent(
        slot.report_week(latest)
    ):
        return latest
    return upcoming
