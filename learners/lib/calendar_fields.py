"""Date and time fields that read back inside the app's calendar, whatever the database holds.

Every page turns a moment into the learner's local day (9999-12-31T23:00Z in UTC+14 is year
10,000: OverflowError) and steps a day or a week from it (date.max + 1 day: the same). The
forms, the runs API and the importer keep new values between 2000 and tomorrow, but a row
stored before those rules, or through the admin or a shell, could hold anything; these
fields read such a value as the nearest end of FIRST_DAY–LAST_DAY, a few days in, so every
zone and every week's arithmetic stays in range. Nothing changes in the database: they
deconstruct as Django's own fields, and write what they are given.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from django.db import models

from learners.lib.weeks import FIRST_DAY, LAST_DAY

# A day inside each end: a moment between these is on FIRST_DAY–LAST_DAY in every time zone.
EARLIEST = datetime.combine(FIRST_DAY + timedelta(days=2), time.min, tzinfo=UTC)
LATEST = datetime.combine(LAST_DAY - timedelta(days=2), time.min, tzinfo=UTC)


class CalendarDateTimeField(models.DateTimeField):
    def from_db_value(self, value, expression, connection):
        if value is None or EARLIEST <= value <= LATEST:
            return value
        return EARLIEST if value < EARLIEST else LATEST

    def deconstruct(self):
        name, _, args, kwargs = super().deconstruct()
        return name, "django.db.models.DateTimeField", args, kwargs


class CalendarDateField(models.DateField):
    def from_db_value(self, value, expression, connection):
        if value is None or FIRST_DAY <= value <= LAST_DAY:
            return value
        return FIRST_DAY if value < FIRST_DAY else LAST_DAY

    def deconstruct(self):
        name, _, args, kwargs = super().deconstruct()
        return name, "django.db.models.DateField", args, kwargs
