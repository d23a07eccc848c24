"""Reads of whole-history imports: only the runner who uploaded an archive sees its job (a
coach does not: the job holds the runner's raw files, not runs)."""

from __future__ import annotations

from typing import Any

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


def import_jobs_reported_files(jobs: list[ImportJob]) -> dict[Any, list[ImportJobFile]]:
    """The failed and skipped entries of each of ``jobs`` (one query), at most
    ``MAX_LISTED_FILES`` per job, in archive order: what the import-history page lists."""
    by_job: dict[Any, list[ImportJobFile]] = {job.pk: [] for job in jobs}
    rows = ImportJobFile.objects.filter(
        job__in=[job.pk for job in jobs],
        outcome__in=[ImportJobFile.Outcome.FAILED, ImportJobFile.Outcome.SKIPPED],
    ).order_by("job_id", "position")
    for row in rows:
        listed = by_job[row.job_id]
        if len(listed) < MAX_LISTED_FILES:
            listed.append(row)
    return by_job
