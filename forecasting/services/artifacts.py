"""Model artifact files of the current workspace: written under its models
folder and named by their SHA-256. A file is written to a pending name of its
job first and renamed into place, so a reader never finds half a file; the
pending file is removed when writing fails (after a SIGKILL, the job's next
attempt writes over it)."""
from __future__ import annotations

import os
from pathlib import Path

from forecasting.ml.pipeline import save_artifact
from saas.storage import tenant_dir


def artifact_write(artifact, *, job_id: int) -> tuple[str, Path]:
    """(sha256, path) of ``artifact`` written for job ``job_id``."""
    folder = tenant_dir("models")
    pending = folder / f".pending-job{job_id}.fcm"
    try:
        sha = save_artifact(artifact, pending)
        final = folder / f"{sha}.fcm"
        os.replace(pending, final)
    finally:
        pending.unlink(missing_ok=True)
    return sha, final
