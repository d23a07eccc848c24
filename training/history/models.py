"""An import of a whole export archive and what became of each of its files.

Below ``training.models`` in the layers: ``Run.import_job`` points here by name, and
``training.models`` imports this module so Django registers the two models with the app.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q


class ImportJob(models.Model):
    """One uploaded archive on its way through the queue (docs/API.md, "Importing a whole
    history"). The counts add up to ``processed``; ``found`` is known after the first slice.
    A worker holds the job while ``lease_expires_at`` is in the future; a lease that runs out
    (its worker died) lets another worker take the job over."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"
        UNDONE = "undone", "Undone"

    ACTIVE = (Status.QUEUED, Status.RUNNING)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    runner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="import_jobs"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    original_name = models.CharField(max_length=255, blank=True)
    archive_path = models.CharField(max_length=500, blank=True)
    archive_size_bytes = models.BigIntegerField(default=0)
    error = models.TextField(blank=True)
    found = models.PositiveIntegerField(null=True, blank=True)
    # Entries of the archive read so far (notices included): where a resumed job goes on.
    cursor = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    imported = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    lease_owner = models.CharField(max_length=100, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        app_label = "training"
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["runner", "-created_at"], name="importjob_runner_created_idx"),
            models.Index(
                fields=["lease_expires_at"],
                name="importjob_active_lease_idx",
                condition=Q(status__in=["queued", "running"]),
            ),
        ]

    def __str__(self) -> str:
        return f"import {self.id} ({self.status})"

    @property
    def progress(self) -> float:
        """Share of the archive's entries done, 0.0 to 1.0 (1.0 once finished)."""
        if self.status in (self.Status.DONE, self.Status.UNDONE):
            return 1.0
        if not self.found:
            return 0.0
        return min(self.processed / self.found, 1.0)


# For drf-spectacular's ENUM_NAME_OVERRIDES, which loads choices by module path.
IMPORT_JOB_STATUSES = ImportJob.Status.choices


class ImportJobFile(models.Model):
    """What became of one entry of the archive (a file, or an activities.csv row)."""

    class Outcome(models.TextChoices):
        IMPORTED = "imported", "Imported"
        DUPLICATE = "duplicate", "Duplicate"
        SKIPPED = "skipped", "Skipped"
        FAILED = "failed", "Failed"
        NOTICE = "notice", "Notice"

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="files")
    position = models.PositiveIntegerField()
    name = models.CharField(max_length=500)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    reason = models.TextField(blank=True)

    class Meta:
        app_label = "training"
        ordering = ["job", "position"]
        indexes = [
            models.Index(fields=["job", "outcome", "position"], name="importfile_outcome_idx")
        ]

    def __str__(self) -> str:
        return f"{self.name}: {self.outcome}"
