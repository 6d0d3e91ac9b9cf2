from celery import shared_task

from tenants.deletion import tenants_purge_due
from tenants.export import workspace_export_run


@shared_task(name="tenants.tasks.purge_deleted_tenants", ignore_result=True)
def purge_deleted_tenants() -> list[str]:
    """Beat: drop the workspaces whose deletion grace period is over."""
    return tenants_purge_due()


@shared_task(name="tenants.tasks.export_workspace", acks_late=True, ignore_result=True)
def export_workspace(job_id: int) -> None:
    workspace_export_run(job_id=job_id)
