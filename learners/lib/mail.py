"""Email rendering and delivery.

Every email is three templates in templates/emails/: `<name>-subject.txt`, `<name>-body-text.txt`
and `<name>-body-html.html` (which extends `emails/base.html`: tables and inline CSS, since mail
clients ignore stylesheets and run no JavaScript). `render_email` renders all three from one
context; `message` wraps them in a multipart/alternative message.

Delivery goes through Django 6.1's mailers (`MAILERS["default"]`, from EMAIL_URL). `Outbox`
keeps one connection open across a run's messages instead of one SMTP handshake (and TLS
negotiation) per learner, and drops it after any error so one bad message can't spoil the
next learner's.
"""

from __future__ import annotations

import email.policy
import re
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from dataclasses import dataclass
from email.headerregistry import HeaderRegistry, UnstructuredHeader

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, mailers, make_msgid
from django.template.loader import render_to_string

BLANK_LINES = re.compile(r"\n{3,}")
TRAILING_SPACE = re.compile(r"[ \t]+\n")
# Servers often cap messages per connection; reconnecting a little before any usual cap costs
# one handshake per hundred messages.
MESSAGES_PER_CONNECTION = 100


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def render_email(name: str, context: dict) -> Rendered:
    """Subject (one line), text body and HTML body of email `name`."""
    context = {"site_url": settings.SITE_URL, **context}
    subject = " ".join(render_to_string(f"emails/{name}-subject.txt", context).split())
    text = render_to_string(f"emails/{name}-body-text.txt", context)
    # Template tags leave blank lines and trailing spaces behind; the text part is read as is.
    text = BLANK_LINES.sub("\n\n", TRAILING_SPACE.sub("\n", text)).strip() + "\n"
    html = render_to_string(f"emails/{name}-body-html.html", context)
    return Rendered(subject=subject, text=text, html=html)


class _UnfoldedHeader(UnstructuredHeader):
    """A header written on one line, as is. Python folds a long header without spaces (an
    unsubscribe URL with its signed token easily passes 78 characters) into RFC 2047 encoded
    words, which mail clients don't decode in List-Unsubscribe: the link would break. One long
    line is allowed (up to 998 characters; 78 is only a SHOULD)."""

    def fold(self, *, policy) -> str:
        return f"{self.name}: {self}{policy.linesep}"


_HEADERS = HeaderRegistry()
_HEADERS.map_to_type("list-unsubscribe", _UnfoldedHeader)


class ListMessage(EmailMultiAlternatives):
    """A message whose List-Unsubscribe header reaches the mail client unmangled."""

    def message(self, *, policy=email.policy.default):
        return super().message(policy=policy.clone(header_factory=_HEADERS))


def message(
    rendered: Rendered, to: str, *, headers: dict[str, str] | None = None
) -> EmailMultiAlternatives:
    """A multipart/alternative message (text first, HTML preferred) with its own Message-ID."""
    outgoing = ListMessage(
        subject=rendered.subject,
        body=rendered.text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers={"Message-ID": make_msgid(domain=settings.SITE_HOST), **(headers or {})},
    )
    outgoing.attach_alternative(rendered.html, "text/html")
    return outgoing


class Outbox:
    """Sends messages over one mailer connection, opened on first use and reopened after an
    error or every MESSAGES_PER_CONNECTION messages."""

    def __init__(self, alias: str = "default") -> None:
        self.alias = alias
        self._mailer = None
        self._sent_on_connection = 0

    def send(self, outgoing: EmailMultiAlternatives) -> None:
        if self._mailer is None:
            self._mailer = mailers[self.alias]
            self._mailer.open()
            self._sent_on_connection = 0
        try:
            sent = self._mailer.send_messages([outgoing])
        except BaseException:
            # The connection's state is unknown after an error: the next message gets a new one.
            self.close()
            raise
        if sent != 1:
            self.close()
            raise RuntimeError("The mailer reported the message as not sent.")
        self._sent_on_connection += 1
        if self._sent_on_connection >= MESSAGES_PER_CONNECTION:
            self.close()

    def close(self) -> None:
        mailer, self._mailer = self._mailer, None
        if mailer is not None:
            # Closing a broken connection may fail again; it's gone either way.
            with suppress(Exception):
                mailer.close()


_current: ContextVar[Outbox | None] = ContextVar("outbox", default=None)


@contextmanager
def shared_outbox():
    """Within this block, deliveries in this thread share one Outbox (the sender's run, with
    the immediate task backend). Elsewhere (a task worker) each delivery opens its own."""
    outbox = Outbox()
    token = _current.set(outbox)
    try:
        yield outbox
    finally:
        _current.reset(token)
        outbox.close()


def send(outgoing: EmailMultiAlternatives) -> None:
    outbox = _current.get()
    if outbox is not None:
        outbox.send(outgoing)
        return
    single = Outbox()
    try:
        single.send(outgoing)
    finally:
        single.close()
