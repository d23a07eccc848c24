"""Whole-history import: every write of an import job (docs/API.md, "Importing a whole
history").

A job is worked on in slices of about ``IMPORT_SLICE_S`` seconds by ``import_job_run_slice``,
each under a lease of ``IMPORT_LEASE_S`` seconds renewed with every entry; a slice that is not
the last enqueues the next one. Each entry is imported in its own transaction together with the
job's counts and cursor, so a worker that dies loses at most the entry it was on: the next
worker resumes at the cursor, and a file it meets again is a duplicate, never a second run.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from training.history.archive import (
    ArchiveEntry,
    ArchiveError,
    EntryKind,
    Limits,
    read_archive,
)
from training.history.models import ImportJob, ImportJobFile
from training.importers import ActivityFileError, NotARunError
from training.models import Run, Shoe
from training.services import (
    DEFAULT_SHOE,
    run_create,
    run_delete,
    run_import_file,
    shoe_create,
)
from training.uploads import ArchiveTooLarge, archive_too_large_message

IMPORT_QUEUE = "imports"
logger = logging.getLogger(__name__)
_COPY_CHUNK_BYTES = 1024 * 1024


class JobStateError(Exception):
    """The job cannot do that in its current status; the message says why."""


def archive_dir() -> Path:
    return Path(settings.IMPORT_ARCHIVE_DIR)


def worker_name() -> str:
    """This process, as a lease owner: host and process id."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _store_archive(upload: IO[bytes], *, destination: Path) -> int:
    """Copy ``upload`` to ``destination`` in chunks, refusing past the archive cap; returns
    the bytes written."""
    limit = int(settings.MAX_ARCHIVE_UPLOAD_SIZE)
    temporary = getattr(upload, "temporary_file_path", None)
    if temporary is not None and os.path.getsize(temporary()) <= limit:
        # Already streamed to disk by the upload handler: move it (a rename on one file system).
        shutil.move(temporary(), destination)
        upload.close()  # Django's temporary file copes with having been moved away
        return destination.stat().st_size
    written = 0
    with destination.open("wb") as out:
        while chunk := upload.read(_COPY_CHUNK_BYTES):
            written += len(chunk)
            if written > limit:
                raise ArchiveTooLarge(archive_too_large_message())
            out.write(chunk)
    return written


def import_job_create(*, runner: User, uploaded_file: Any) -> ImportJob:
    """Store ``uploaded_file`` (an export archive) under ``IMPORT_ARCHIVE_DIR`` and queue its
    import; returns the queued job. Raises ``ArchiveTooLarge`` over the cap and
    ``ValidationError`` for an empty upload (nothing is kept then)."""
    from training.history.tasks import import_job_run_slice

    job_id = uuid.uuid4()
    folder = archive_dir() / str(job_id)
    folder.mkdir(parents=True, exist_ok=True)
    destination = folder / "archive.zip"
    try:
        size = _store_archive(uploaded_file, destination=destination)
        if size == 0:
            raise ValidationError({"archive": "The archive is empty (0 bytes)."})
        with transaction.atomic():
            job = ImportJob(
                id=job_id,
                runner=runner,
                original_name=str(getattr(uploaded_file, "name", "") or "")[:255],
                archive_path=str(destination),
                archive_size_bytes=size,
            )
            job.full_clean()
            job.save()
            # Same database as the job: the task row commits (or not) with it.
            import_job_run_slice.enqueue(str(job.pk))
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return job


@transaction.atomic
def import_job_cancel(*, job: ImportJob) -> ImportJob:
    """Stop a queued or running job; what it imported so far stays (undo removes it)."""
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.status not in ImportJob.ACTIVE:
        raise JobStateError(f"The import is {job.status}; only a queued or running one can stop.")
    job.status = ImportJob.Status.CANCELLED
    job.finished_at = timezone.now()
    job.lease_owner = ""
    job.lease_expires_at = None
    job.save()
    transaction.on_commit(lambda: _remove_archive(job))
    return job


@transaction.atomic
def import_job_undo(*, job: ImportJob) -> ImportJob:
    """Delete every run the job created, each through ``run_delete`` so the deletions feed
    carries its tombstone. A job still running is cancelled first."""
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.status == ImportJob.Status.UNDONE:
        raise JobStateError("The import is already undone.")
    for run in Run.objects.filter(import_job=job).select_related(None):
        run_delete(run=run)
    if job.status in ImportJob.ACTIVE:
        transaction.on_commit(lambda: _remove_archive(job))
    job.status = ImportJob.Status.UNDONE
    job.finished_at = job.finished_at or timezone.now()
    job.lease_owner = ""
    job.lease_expires_at = None
    job.save()
    return job


def _remove_archive(job: ImportJob) -> None:
    if job.archive_path:
        shutil.rmtree(Path(job.archive_path).parent, ignore_errors=True)


def _take_lease(job_id: str, owner: str) -> ImportJob | None:
    """The job, leased to ``owner``; ``None`` when it is finished or another live worker holds
    it."""
    now = timezone.now()
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status not in ImportJob.ACTIVE:
            return None
        held = job.lease_owner and job.lease_owner != owner and job.lease_expires_at
        if held and job.lease_expires_at is not None and job.lease_expires_at > now:
            return None
        job.status = ImportJob.Status.RUNNING
        job.lease_owner = owner
        job.lease_expires_at = now + timedelta(seconds=settings.IMPORT_LEASE_S)
        job.save(update_fields=["status", "lease_owner", "lease_expires_at", "updated_at"])
        return job


def _entries(job: ImportJob, scratch: Path) -> Iterator[ArchiveEntry]:
    limits = Limits(max_member_bytes=int(settings.MAX_UPLOAD_SIZE))
    return read_archive(job.archive_path, scratch_dir=scratch, limits=limits)


def _finish(job: ImportJob, owner: str, **fields: Any) -> None:
    updated = ImportJob.objects.filter(
        pk=job.pk, lease_owner=owner, status__in=ImportJob.ACTIVE
    ).update(lease_owner="", lease_expires_at=None, updated_at=timezone.now(), **fields)
    if updated and fields.get("status") in (ImportJob.Status.DONE, ImportJob.Status.FAILED):
        _remove_archive(job)


class _LeaseLost(Exception):
    """The job was cancelled, undone or taken over while this worker worked on it."""


def _import_entry(job: ImportJob, entry: ArchiveEntry) -> tuple[str, str]:
    """The outcome and reason of one entry, its runs saved (call inside a transaction)."""
    if entry.kind == EntryKind.NOTICE:
        return ImportJobFile.Outcome.NOTICE, entry.reason
    if entry.kind == EntryKind.PROBLEM:
        return ImportJobFile.Outcome.FAILED, entry.reason
    row = entry.row
    if row is not None and row.activity_type and not row.is_run:
        return ImportJobFile.Outcome.SKIPPED, f"A {row.activity_type} activity, not a run."
    if entry.kind == EntryKind.MANUAL:
        return _import_manual(job, entry)
    gear = _shoe_for_gear(job, row.gear if row is not None else "")
    try:
        with entry.open() as stream, transaction.atomic():
            result = run_import_file(
                runner=job.runner,
                uploaded_file=stream,
                shoe=gear if gear is not None else DEFAULT_SHOE,
            )
    except NotARunError as exc:
        return ImportJobFile.Outcome.SKIPPED, exc.message
    except ActivityFileError as exc:
        return ImportJobFile.Outcome.FAILED, exc.message
    except ValidationError as exc:
        return ImportJobFile.Outcome.FAILED, "; ".join(exc.messages)
    except (OSError, EOFError, ValueError) as exc:
        # zipfile's CRC and truncation errors (BadZipFile is a ValueError-free OSError cousin).
        return ImportJobFile.Outcome.FAILED, f"The file is damaged in the archive ({exc})."
    if not result.created:
        return ImportJobFile.Outcome.DUPLICATE, "Already imported."
    notes = row.notes if row is not None else ""
    for run in result.runs:
        run.import_job = job
        if notes and not run.notes:
            run.notes = notes
        run.save(update_fields=["import_job", "notes", "updated_at"])
    return ImportJobFile.Outcome.IMPORTED, "; ".join(result.warnings)


def _import_manual(job: ImportJob, entry: ArchiveEntry) -> tuple[str, str]:
    row = entry.row
    assert row is not None
    duration_s = row.moving_s or row.elapsed_s
    if row.started_at is None or not row.distance_m or not duration_s:
        return (
            ImportJobFile.Outcome.FAILED,
            "A run without a file needs a date, a distance and a time in activities.csv.",
        )
    if Run.objects.filter(
        runner=job.runner,
        started_at=row.started_at,
        distance_m=row.distance_m,
        duration_s=duration_s,
    ).exists():
        return ImportJobFile.Outcome.DUPLICATE, "Already logged."
    gear = _shoe_for_gear(job, row.gear)
    shoe_field: dict[str, Any] = {"shoe": gear} if gear is not None else {}
    try:
        with transaction.atomic():
            run = run_create(
                **shoe_field,
                runner=job.runner,
                started_at=row.started_at,
                timezone="UTC",
                distance_m=row.distance_m,
                duration_s=duration_s,
                elapsed_s=row.elapsed_s,
                notes=row.notes,
                source=Run.Source.MANUAL,
            )
            run.import_job = job
            run.save(update_fields=["import_job"])
    except ValidationError as exc:
        return ImportJobFile.Outcome.FAILED, "; ".join(exc.messages)
    return ImportJobFile.Outcome.IMPORTED, ""


def _shoe_for_gear(job: ImportJob, gear: str) -> Shoe | None:
    """The runner's shoe named like Strava's gear column (any case), added when missing;
    ``None`` without gear. Strava lists bikes there too, but only run rows come here."""
    name = gear.strip()[:100]
    if not name:
        return None
    existing = Shoe.objects.filter(runner=job.runner, name__iexact=name).first()
    return existing or shoe_create(runner=job.runner, name=name)


_COUNTER: dict[str, str] = {
    ImportJobFile.Outcome.IMPORTED: "imported",
    ImportJobFile.Outcome.DUPLICATE: "duplicates",
    ImportJobFile.Outcome.SKIPPED: "skipped",
    ImportJobFile.Outcome.FAILED: "failed",
}


def _record(job: ImportJob, owner: str, position: int, entry: ArchiveEntry) -> None:
    with transaction.atomic():
        try:
            with transaction.atomic():
                outcome, reason = _import_entry(job, entry)
        except Exception:
            # A bug met by one file must not stop the job (or the worker) for good.
            logger.exception("import job %s: entry %s failed unexpectedly", job.pk, entry.name)
            outcome, reason = ImportJobFile.Outcome.FAILED, "The file could not be imported."
        fields: dict[str, Any] = {
            "cursor": position + 1,
            "lease_expires_at": timezone.now() + timedelta(seconds=settings.IMPORT_LEASE_S),
            "updated_at": timezone.now(),
        }
        counter = _COUNTER.get(outcome)
        if counter:
            setattr(job, counter, getattr(job, counter) + 1)
            job.processed += 1
            fields[counter] = getattr(job, counter)
            fields["processed"] = job.processed
        updated = ImportJob.objects.filter(
            pk=job.pk, lease_owner=owner, status=ImportJob.Status.RUNNING
        ).update(**fields)
        if not updated:
            raise _LeaseLost
        if outcome != ImportJobFile.Outcome.IMPORTED or reason:
            # Imported files without a remark are the bulk; the counts carry them.
            ImportJobFile.objects.create(
                job=job, position=position, name=entry.name[:500], outcome=outcome, reason=reason
            )


def import_job_run_slice(*, job_id: str, owner: str | None = None) -> bool:
    """Work on the job for about ``IMPORT_SLICE_S`` seconds; returns ``True`` when it is
    finished (done, failed, or not this worker's to run) and ``False`` when more remains (the
    caller enqueues the next slice)."""
    owner = owner or worker_name()
    job = _take_lease(job_id, owner)
    if job is None:
        return True
    deadline = time.monotonic() + float(settings.IMPORT_SLICE_S)
    scratch = Path(job.archive_path).parent / f"scratch-{uuid.uuid4().hex}"
    scratch.mkdir(exist_ok=True)
    try:
        if job.found is None:
            job.found = sum(1 for entry in _entries(job, scratch) if entry.kind != EntryKind.NOTICE)
            ImportJob.objects.filter(pk=job.pk, lease_owner=owner).update(found=job.found)
        for position, entry in enumerate(_entries(job, scratch)):
            if position < job.cursor:
                continue
            _record(job, owner, position, entry)
            job.cursor = position + 1
            # Checked after the entry, so every slice makes progress however short it is.
            if time.monotonic() > deadline:
                return False
    except ArchiveError as exc:
        _finish(
            job, owner, status=ImportJob.Status.FAILED, error=str(exc), finished_at=timezone.now()
        )
        return True
    except _LeaseLost:
        return True
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    _finish(job, owner, status=ImportJob.Status.DONE, finished_at=timezone.now())
    return True


def import_job_release(*, job_id: str, owner: str) -> None:
    """Give the lease up after a slice, so the next slice may run on any worker."""
    ImportJob.objects.filter(pk=job_id, lease_owner=owner).update(lease_owner="")


def import_jobs_reclaim(*, now: Any = None) -> int:
    """Re-enqueue the active jobs whose lease ran out (their worker died or lost the task);
    returns how many. Each is given a fresh lease first, so two workers reclaiming at once
    enqueue it once."""
    from training.history.tasks import import_job_run_slice

    now = now or timezone.now()
    reclaimed = 0
    with transaction.atomic():
        stale = ImportJob.objects.select_for_update(skip_locked=True).filter(
            status=ImportJob.Status.RUNNING, lease_expires_at__lt=now
        )
        for job in stale:
            job.lease_owner = ""
            job.lease_expires_at = now + timedelta(seconds=settings.IMPORT_LEASE_S)
            job.save(update_fields=["lease_owner", "lease_expires_at", "updated_at"])
            import_job_run_slice.enqueue(str(job.pk))
            reclaimed += 1
    return reclaimed
