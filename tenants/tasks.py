from celery import shared_task

from tenants.deletion import tenants_purge_due


@shared_task(name="tenants.tasks.purge_deleted_tenants", ignore_result=True)
def purge_deleted_tenants() -> list[str]:
    """Beat: drop the workspaces whose deletion grace period is over."""
    return tenants_purge_due()
