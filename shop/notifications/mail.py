"""Email: through SMTP when MAIL_SERVER is set, otherwise written to the log. Every message is also
announced on `email_sent`, which is how tests (and later, an outbox) see what went out."""
from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

from blinker import signal
from flask import current_app

log = logging.getLogger("shop.mail")
email_sent = signal("email-sent")


def send_email(to: str, subject: str, body: str) -> EmailMessage:
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    if config["MAIL_SERVER"]:
        try:
            with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
                if config["MAIL_USE_TLS"]:
                    smtp.starttls()
                if config["MAIL_USERNAME"]:
                    smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
                smtp.send_message(message)
        except (OSError, smtplib.SMTPException):
            # An order must not fail because the mail server is down; the log keeps the message.
            log.exception("메일 발송 실패: %s (%s)", subject, to)
    else:
        log.info("메일 (MAIL_SERVER 미설정, 로그로 대신함)\nTo: %s\nSubject: %s\n\n%s", to, subject, body)
    email_sent.send(current_app._get_current_object(), message=message)
    return message
