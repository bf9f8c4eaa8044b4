"""E-mail reminders for open diary prompts (optional: only with an SMTP server configured).

The prompt-log sweep (:func:`gutbrain.diary.crud.prompts.sweep_prompts`) lists the reminders
due; :func:`send_reminders` e-mails them outside the database writer, so a slow SMTP server never
delays a submission. Reminder e-mails never contain the personal link (a mailbox is not a safe
place for it); they ask the participant to open their bookmarked link.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable
from email.message import EmailMessage

from gutbrain.diary.core.settings import Settings
from gutbrain.diary.crud.prompts import Reminder

__all__ = ["Sender", "send_reminder_smtp", "send_reminders"]

log = logging.getLogger("gutbrain.diary")

#: Delivers one e-mail: ``send(to, subject, body)``.
Sender = Callable[[str, str, str], None]


def send_reminder_smtp(settings: Settings) -> Sender:
    """A sender that delivers through the configured SMTP server."""

    def send(to: str, subject: str, body: str) -> None:
        msg = EmailMessage()
        msg["From"] = settings.smtp_from
        msg["To"] = to
        msg["Subject"] = subject
        msg.set_content(body)
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=20) as smtp:
            if settings.smtp_starttls:
                smtp.starttls()
            if settings.smtp_user:
                smtp.login(settings.smtp_user, settings.smtp_password)
            smtp.send_message(msg)

    return send


def send_reminders(due: tuple[Reminder, ...], send: Sender) -> list[int]:
    """E-mail each due reminder; returns the prompt ids whose e-mail went out."""
    sent = []
    for r in due:
        try:
            send(
                r.email,
                f"{r.study_name}: today's diary",
                f"Your daily diary for today is open until {r.closes}. Please open your personal "
                "study link (the bookmark you saved) to answer. It takes about a minute.\n\n"
                "Research only; not medical advice.",
            )
        except (OSError, smtplib.SMTPException) as exc:
            # No address or participant in the log: only the failure's class.
            log.warning("reminder e-mail failed: %s", type(exc).__name__)
        else:
            sent.append(r.prompt_id)
    return sent
