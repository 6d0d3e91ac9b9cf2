"""Beat tasks of metered billing: thin wrappers over billing.metering and
billing.statements (both idempotent, safe to run twice)."""
from celery import shared_task

from billing.metering import usage_flush
from billing.statements import statements_issue_due


@shared_task(name="billing.tasks.flush_usage", ignore_result=True)
def flush_usage() -> int:
    """Redis counters into UsageDay; the stored rows and bytes are measured per workspace by its own
    task (saas/fanout.py, beat entry ``usage-measure``)."""
    return usage_flush(measure=False)


@shared_task(name="billing.tasks.issue_statements", ignore_result=True)
def issue_statements() -> int:
    usage_flush(measure=False)  # the month's last counters first
    return len(statements_issue_due())
