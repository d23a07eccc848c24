"""Reads of whole-history imports: only the runner who uploaded an archive sees its job (a
coach does not: the job holds the runner's raw files, not runs)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet

from training.history.models import ImportJob, ImportJobFile

MAX_LISTED_FILES = 200


def import_jobs_of(user: AbstractBaseUser | AnonymousUser) -> QuerySet[ImportJob]:
    """The jobs ``user`` started, newest first (none for an anonymous user)."""
    if not user.is_authenticated:
        return ImportJob.objects.none()
    return ImportJob.objects.filter(runner_id=user.pk).order_by("-created_at")


def import_job_reported_files(job: ImportJob) -> list[ImportJobFile]:
    """The job's failed, skipped and noted entries in archive order, at most
    ``MAX_LISTED_FILES`` (the counts carry the rest)."""
    return list(
        job.files.exclude(outcome=ImportJobFile.Outcome.DUPLICATE).order_by("position")[
            :MAX_LISTED_FILES
        ]
    )
