"""The jobs (Procrastinate tasks, found by its Django app under this module name).

Queues: ``emails`` (emails and reminders), ``webhooks`` (deliveries), ``maintenance`` (periodic).
Every task takes ids (and what a write decided: ``make_emails``) and works under a lock (its rows',
or for ``make_emails`` one of the booking's), so a job run twice (a retry, a stalled job run again)
does nothing the second time that the first finished. The ``make_emails`` jobs of one booking also
hold its Procrastinate lock: they run one at a time, in the order of the writes.
"""

from __future__ import annotations

from django.conf import settings
from django.db import InterfaceError, OperationalError
from procrastinate import retry
from procrastinate.contrib.django import app

from notifications import emails, sending, webhooks
from notifications.queue import Backoff, django_job

EMAIL_RETRY = Backoff("EMAIL", retry_on=sending.EmailNotSentError)
WEBHOOK_RETRY = Backoff("WEBHOOK", retry_on=webhooks.DeliveryError)
#: a write's emails are made again after a lost connection or a deadlock (the job makes them once:
#: emails.make_for_write); any other error fails the job at once, in the worker's log
MAKE_RETRY = retry.RetryStrategy(max_attempts=10, wait=5, retry_exceptions={OperationalError, InterfaceError})


@app.task(name="notifications.send_email", queue="emails", retry=EMAIL_RETRY, pass_context=True)
@django_job
def send_email(context, email_id: str) -> None:
    sending.send(email_id, failures_before=context.job.attempts, backoff=EMAIL_RETRY)


@app.task(name="notifications.make_emails", queue="emails", retry=MAKE_RETRY)
@django_job
def make_emails(**write) -> None:
    emails.make_for_write(**write)


@app.task(name="notifications.send_reminder", queue="emails")
@django_job
def send_reminder(reminder_id: str) -> None:
    emails.fall_due(reminder_id)


@app.task(name="notifications.deliver_webhook", queue="webhooks", retry=WEBHOOK_RETRY, pass_context=True)
@django_job
def deliver_webhook(context, delivery_id: str, manual: bool = False) -> None:
    webhooks.attempt(delivery_id, manual=manual, failures_before=context.job.attempts, backoff=WEBHOOK_RETRY)


@app.periodic(cron="* * * * * */5", periodic_id="stalled")
@app.task(name="notifications.recover_stalled_jobs", queue="maintenance", pass_context=True)
async def recover_stalled_jobs(context, timestamp: int) -> None:
    """Jobs left running by a worker that died (no heartbeat for JOB_STALLED_SECONDS) run again."""
    manager = context.app.job_manager
    for job in await manager.get_stalled_jobs(seconds_since_heartbeat=settings.JOB_STALLED_SECONDS):
        await manager.retry_job(job)


@app.periodic(cron="17 3 * * *", periodic_id="cleanup")
@app.task(name="notifications.remove_old_jobs", queue="maintenance", pass_context=True)
async def remove_old_jobs(context, timestamp: int) -> None:
    """Finished jobs are kept a week (emails, deliveries and attempts keep their own record)."""
    await context.app.job_manager.delete_old_jobs(nb_hours=7 * 24, include_failed=True, include_cancelled=True)
