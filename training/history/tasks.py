"""The queue's task for whole-history imports (django-tasks, database backend)."""

from __future__ import annotations

from django.db import transaction
from django_tasks import task

from training.history import services


@task(queue_name=services.IMPORT_QUEUE)
def import_job_run_slice(job_id: str) -> bool:
    """One slice of the job; enqueues the next slice when work remains. Returns whether the
    job is finished."""
    owner = services.worker_name()
    finished = services.import_job_run_slice(job_id=job_id, owner=owner)
    if not finished:
        # Release and re-enqueue together: a worker dying in between cannot lose the job.
        with transaction.atomic():
            services.import_job_release(job_id=job_id, owner=owner)
            import_job_run_slice.enqueue(job_id)
    return finished
