"""Everything a learner owns: the account, plans, progress per module, notes and study sessions.

Progress belongs to the learner and the module, not to a plan: a module finished in an
abandoned plan is still finished in the next one. A plan is the time box and the selection.
"""

from __future__ import annotations

import zoneinfo
from datetime import timedelta
from decimal import Decimal
from functools import partial

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from curriculum.models import Checkpoint, Module, ModuleList
from learners.lib import reader
from learners.lib.calendar_fields import CalendarDateField, CalendarDateTimeField
from learners.lib.ownership import owned


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"“{value}” is not a time zone name like Europe/Paris or UTC.")


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


# Account fields no cached page shows: saving only these leaves the pages as they are.
QUIET_FIELDS = {"last_login", "password"}


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(unique=True)
    display_name = models.CharField(max_length=80, blank=True)
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    weekly_hours_target = models.DecimalField(
        max_digits=4,
        decimal_places=1,
        default=Decimal("10"),
        validators=[MinValueValidator(Decimal("0.5")), MaxValueValidator(Decimal("80"))],
    )
    weekly_email = models.BooleanField("weekly progress email", default=True)
    weekly_email_weekday = models.PositiveSmallIntegerField(
        choices=Weekday.choices, default=Weekday.MONDAY
    )
    weekly_email_hour = models.PositiveSmallIntegerField(
        default=8, validators=[MaxValueValidator(23)]
    )
    # The weekly digest about the learners one mentors (learners/weekly/digest.py), Monday
    # 08:00 on one's own clock; its own switch, so that a mentor can stop it and keep their
    # own weekly progress email.
    mentor_digest = models.BooleanField("mentor digest", default=True)
    # Review (learners/review/): at most this many cards a day; the rest wait, most forgotten
    # first, so a return after a gap never meets a wall of cards.
    daily_reviews = models.PositiveSmallIntegerField(
        "reviews a day",
        default=20,
        validators=[MinValueValidator(1), MaxValueValidator(500)],
        help_text="At most this many cards a day; the rest wait for the next days.",
    )
    is_staff = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    date_joined = CalendarDateTimeField(default=timezone.now)
    # Moves with every write that can change what the learner's pages show: the key of their
    # cached page sections (learners/web/pagecache.py). Server state, never exported.
    record_version = models.PositiveBigIntegerField(default=0, editable=False)
    # Moves with every write that can change the shape of the learner's plans — the items, the
    # modules and checkpoints they name, their prerequisites — but not with a tick, a status or a
    # session: the key of the cached plan shape (learners/plans/shape.py). Server state, never
    # exported.
    plan_version = models.PositiveBigIntegerField(default=0, editable=False)
    # Each moves with the writes that can change one concern's cached sections — the hours, the
    # failures, the runs, the papers, the reviews on the dashboard — and with `record_version` otherwise
    # (learners/web/pagecache.py, CONCERNS), so a tick leaves the charts cached. Server state.
    sessions_version = models.PositiveBigIntegerField(default=0, editable=False)
    failures_version = models.PositiveBigIntegerField(default=0, editable=False)
    runs_version = models.PositiveBigIntegerField(default=0, editable=False)
    papers_version = models.PositiveBigIntegerField(default=0, editable=False)
    review_version = models.PositiveBigIntegerField(default=0, editable=False)
    CONCERN_VERSIONS = (
        "sessions_version",
        "failures_version",
        "runs_version",
        "papers_version",
        "review_version",
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(weekly_email_hour__gte=0, weekly_email_hour__lte=23),
                name="user_email_hour_range",
            ),
            models.CheckConstraint(
                condition=Q(weekly_email_weekday__gte=0, weekly_email_weekday__lte=6),
                name="user_email_weekday_range",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name or self.email

    def save(self, *args, **kwargs) -> None:
        """Saving the account moves `record_version` in the same UPDATE (the pages show the
        name, the time zone, the targets), unless only the login time or password changed."""
        fields = kwargs.get("update_fields")
        if not self._state.adding and (fields is None or not set(fields) <= QUIET_FIELDS):
            # Every concern's too: the account's time zone or targets can change any section.
            for version in ("record_version", *self.CONCERN_VERSIONS):
                setattr(self, version, models.F(version) + 1)
            if fields is not None:
                kwargs["update_fields"] = {*fields, "record_version", *self.CONCERN_VERSIONS}
            elif self.pk is not None and not kwargs.get("force_insert"):
                # Every field but `plan_version`: this instance's copy may be older than the
                # database's (another request edited the plan since it was read), and writing
                # it back would bring an old plan shape's cache key back to life.
                kwargs["update_fields"] = [
                    field.name
                    for field in self._meta.concrete_fields
                    if not field.primary_key and field.name != "plan_version"
                ]
        super().save(*args, **kwargs)

    @classmethod
    def version_field(cls, concern: str) -> str:
        """The column that keys one concern's cached sections (`pagecache.CONCERNS`)."""
        field = f"{concern}_version"
        if field not in cls.CONCERN_VERSIONS:
            raise ValueError(f"no version for the concern {concern!r}")
        return field

    def get_short_name(self) -> str:
        return self.display_name or self.email.split("@")[0]

    def get_full_name(self) -> str:
        return self.display_name or self.email

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        try:
            return zoneinfo.ZoneInfo(self.time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return zoneinfo.ZoneInfo("UTC")

    def local_today(self):
        return timezone.now().astimezone(self.tz).date()


class LoginFailure(models.Model):
    """One failed login, for slowing down guessing (learners/throttle.py). Old rows are pruned."""

    email = models.CharField(max_length=254)  # as typed, lowercased
    address = models.GenericIPAddressField()
    # A known device's id (throttle.DEVICE_COOKIE), "" for a new device: a known device is
    # slowed by its own failures only.
    device = models.CharField(max_length=32, blank=True, default="")
    at = models.DateTimeField(default=timezone.now, db_index=True)  # pruning old rows

    class Meta:
        indexes = [
            # throttle.check(): the latest failures of one account, and of one address.
            models.Index(fields=["email", "-at"], name="loginfailure_email_at"),
            models.Index(fields=["address", "-at"], name="loginfailure_address_at"),
        ]

    def __str__(self) -> str:
        return f"{self.email} from {self.address} at {self.at:%Y-%m-%d %H:%M}"


# --- plans ---------------------------------------------------------------------------------


class PlanStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    FINISHED = "finished", "Finished"
    ABANDONED = "abandoned", "Abandoned"


class PlanQuerySet(models.QuerySet):
    def for_learner(self, learner) -> PlanQuerySet:
        return self.filter(learner=learner)

    def active(self) -> PlanQuerySet:
        return self.filter(status=PlanStatus.ACTIVE)


def active_plan_modules(learner) -> models.QuerySet[Module]:
    """The modules of the learner's active plan (unordered: callers choose plan or title order)."""
    return Module.objects.filter(
        plan_items__plan__learner=learner, plan_items__plan__status=PlanStatus.ACTIVE
    )


@owned
class Plan(models.Model):
    """A time box: a goal, a start, a target end, weekly hours, and the modules chosen for it."""

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="plans"
    )
    module_list = models.ForeignKey(
        ModuleList, on_delete=models.SET_NULL, null=True, blank=True, related_name="plans"
    )
    goal = models.CharField("what will you build?", max_length=300)
    start_date = CalendarDateField()
    target_end = CalendarDateField()
    weekly_hours = models.DecimalField(
        max_digits=4,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("0.5")), MaxValueValidator(Decimal("80"))],
    )
    status = models.CharField(max_length=12, choices=PlanStatus.choices, default=PlanStatus.ACTIVE)
    created_at = CalendarDateTimeField(auto_now_add=True)
    ended_at = CalendarDateTimeField(null=True, blank=True)

    # A mentor reads only the plans the learner shares with them (learners/lib/reader.py).
    objects = reader.manager(PlanQuerySet, reader.plans)()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # One active plan per learner, enforced by the database (two tabs can't make two).
            models.UniqueConstraint(
                fields=["learner"], condition=Q(status="active"), name="one_active_plan_per_learner"
            ),
            models.CheckConstraint(
                condition=Q(target_end__gt=models.F("start_date")), name="plan_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(weekly_hours__gt=0), name="plan_weekly_hours_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.goal

    def get_absolute_url(self) -> str:
        return reverse("plan_detail", args=[self.pk])

    @property
    def is_active(self) -> bool:
        return self.status == PlanStatus.ACTIVE

    @property
    def total_weeks(self) -> int:
        return max(1, -(-(self.target_end - self.start_date).days // 7))

    def week_number(self, today) -> int:
        """1-based week of the plan that `today` falls in (0 before the start)."""
        if today < self.start_date:
            return 0
        return (today - self.start_date).days // 7 + 1


@owned
class PlanItem(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="items")
    module = models.ForeignKey(Module, on_delete=models.PROTECT, related_name="plan_items")
    position = models.PositiveIntegerField()
    required = models.BooleanField(default=True)

    class Meta:
        ordering = ["plan", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "module"], name="plan_item_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.plan}: {self.module}"


# --- progress per module ---------------------------------------------------------------------


class Status(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    SKIPPED = "skipped", "Skipped"


@owned
class PlanPause(models.Model):
    """Days the plan stands still (a holiday, illness, a crunch at work): the pace, the weekly
    target and the weekly email skip them, and the target end moves on by as many days."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="pauses")
    starts_on = CalendarDateField()
    resumes_on = CalendarDateField()  # the first day of study again
    created_at = CalendarDateTimeField(default=timezone.now)

    class Meta:
        ordering = ["starts_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(resumes_on__gt=models.F("starts_on")), name="pause_resumes_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan} paused {self.starts_on} – {self.resumes_on}"

    @property
    def days(self) -> int:
        return (self.resumes_on - self.starts_on).days

    def days_within(self, first, end) -> int:
        """Paused days in [first, end)."""
        return max((min(self.resumes_on, end) - max(self.starts_on, first)).days, 0)


class RevisionChange(models.TextChoices):
    END = "end", "Moved the target end"
    HOURS = "hours", "Changed the weekly hours"
    DROP = "drop", "Dropped the optional modules"


@owned
class PlanRevision(models.Model):
    """A re-plan, kept with what it replaced: the plan's history, not a silent edit."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="revisions")
    at = CalendarDateTimeField(default=timezone.now)
    change = models.CharField(max_length=10, choices=RevisionChange.choices)
    reason = models.CharField(max_length=200, blank=True)
    old_target_end = CalendarDateField(null=True, blank=True)
    new_target_end = CalendarDateField(null=True, blank=True)
    old_weekly_hours = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    new_weekly_hours = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    dropped = models.JSONField(default=list, blank=True)  # the modules' slugs and titles

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.plan}: {self.get_change_display()}"


@owned
class ModuleProgress(models.Model):
    """A learner's state on one module; its timestamps follow the status automatically."""

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="progress"
    )
    module = models.ForeignKey(Module, on_delete=models.PROTECT, related_name="progress")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.NOT_STARTED)
    started_at = CalendarDateTimeField(null=True, blank=True)
    finished_at = CalendarDateTimeField(null=True, blank=True)  # done or skipped
    confidence = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    updated_at = CalendarDateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "module progress records"
        constraints = [
            models.UniqueConstraint(fields=["learner", "module"], name="progress_unique"),
            models.CheckConstraint(
                condition=Q(confidence__isnull=True) | Q(confidence__gte=1, confidence__lte=5),
                name="progress_confidence_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.learner} · {self.module}: {self.get_status_display()}"


@owned
class StatusChange(models.Model):
    """Every change of a module's status, for the timeline."""

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="status_changes"
    )
    module = models.ForeignKey(Module, on_delete=models.PROTECT, related_name="+")
    old_status = models.CharField(max_length=12, choices=Status.choices)
    new_status = models.CharField(max_length=12, choices=Status.choices)
    at = CalendarDateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at"]
        indexes = [
            models.Index(fields=["learner", "-at"], name="statuschange_learner_at")
        ]  # timeline

    def __str__(self) -> str:
        return f"{self.module}: {self.old_status} → {self.new_status}"


@owned
class ConfidenceRating(models.Model):
    """How competent the learner felt, each time they said so: the trajectory of confidence."""

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="confidence_ratings"
    )
    module = models.ForeignKey(Module, on_delete=models.PROTECT, related_name="+")
    value = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    at = CalendarDateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at"]
        indexes = [
            models.Index(fields=["learner", "module", "-at"], name="confidence_learner_module")
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(value__gte=1, value__lte=5), name="confidence_value_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.module}: {self.value}"


@owned
class CheckpointTick(models.Model):
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ticks"
    )
    checkpoint = models.ForeignKey(Checkpoint, on_delete=models.PROTECT, related_name="ticks")
    ticked_at = CalendarDateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            # A double click or two tabs tick once.
            models.UniqueConstraint(fields=["learner", "checkpoint"], name="tick_unique"),
        ]
        indexes = [
            models.Index(fields=["learner", "ticked_at"], name="tick_learner_at")
        ]  # weekly counts

    def __str__(self) -> str:
        return f"{self.learner} ✓ {self.checkpoint}"


# --- the journal -----------------------------------------------------------------------------


@owned
class Note(models.Model):
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notes"
    )
    # Shown to mentors whose scope is "only those I mark" (learners/mentors/).
    shared_with_mentors = models.BooleanField(default=False, db_default=False)
    module = models.ForeignKey(Module, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(max_length=20_000)
    body_html = models.TextField()  # rendered and sanitized on save
    created_at = CalendarDateTimeField(default=timezone.now)
    updated_at = CalendarDateTimeField(auto_now=True)
    # The posting form's key (learners/submissions.py): a repeated post makes one note.
    submission_key = models.CharField(max_length=32, null=True, blank=True, editable=False)  # noqa: DJ001

    # A mentor reads only the notes the learner shares with them (learners/lib/reader.py).
    objects = reader.manager(models.QuerySet, partial(reader.shared, "notes"))()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["learner", "module", "-created_at"], name="note_learner_module")
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "submission_key"],
                condition=Q(submission_key__isnull=False),
                name="note_submission_once",
            ),
        ]

    def __str__(self) -> str:
        return self.body[:60]

    def save(self, *args, **kwargs) -> None:
        from curriculum.rendering import render_markdown

        self.body_html = render_markdown(self.body, anchors=False)
        if kwargs.get("update_fields") is not None and "body" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "body_html", "updated_at"}
        super().save(*args, **kwargs)


@owned
class StudySession(models.Model):
    """Time spent studying, on a day of the learner's own calendar."""

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="study_sessions"
    )
    module = models.ForeignKey(
        Module, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    date = CalendarDateField()  # the learner's local date
    minutes = models.PositiveIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(24 * 60)]
    )
    description = models.CharField("what I did", max_length=500, blank=True)
    # On a paper: the reading pass the time went to (a key of `module.reading_passes`), or "".
    # A key rather than a row: a pass is named by the module's file, not stored per learner.
    reading_pass = models.SlugField("pass", max_length=40, blank=True, default="")
    created_at = CalendarDateTimeField(default=timezone.now)
    # The posting form's key (learners/submissions.py): a repeated post logs time once.
    submission_key = models.CharField(max_length=32, null=True, blank=True, editable=False)  # noqa: DJ001

    class Meta:
        ordering = ["-date", "-created_at"]
        indexes = [
            models.Index(fields=["learner", "date"], name="session_learner_date")
        ]  # weekly hours
        constraints = [
            models.CheckConstraint(
                condition=Q(minutes__gte=1, minutes__lte=1440), name="session_minutes_range"
            ),
            models.UniqueConstraint(
                fields=["learner", "submission_key"],
                condition=Q(submission_key__isnull=False),
                name="session_submission_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date}: {self.minutes} min"

    @property
    def hours(self) -> Decimal:
        return (Decimal(self.minutes) / 60).quantize(Decimal("0.01"))


@owned
class Timer(models.Model):
    """A running start/stop timer; stopping it logs a study session. One per learner."""

    learner = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="timer"
    )
    module = models.ForeignKey(
        Module, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reading_pass = models.SlugField(max_length=40, blank=True, default="")  # as on a session
    started_at = CalendarDateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.learner} since {self.started_at}"

    def elapsed(self, now=None) -> timedelta:
        return (now or timezone.now()) - self.started_at
