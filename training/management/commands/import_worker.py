"""Run a whole-history import worker: django-tasks-db's worker on the ``imports`` queue, plus
the take-over of jobs whose worker died (their lease ran out; docs/ARCHITECTURE.md,
Background jobs). Start as many as the machine allows, on any host that reaches the database
and ``IMPORT_ARCHIVE_DIR``."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from training.history.services import IMPORT_QUEUE, import_jobs_reclaim


class Command(BaseCommand):
    help = "Run the whole-history import worker."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--interval", type=float, default=1.0, help="Seconds between polls when idle."
        )
        parser.add_argument(
            "--batch", action="store_true", help="Run until no import work is left, then exit."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        worker = Worker(
            queue_names=[IMPORT_QUEUE],
            interval=0,
            # Batch mode makes run() return once the queue is empty, so the loop below can look
            # for abandoned jobs between rounds.
            batch=True,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id=get_random_string(32),
            excluded_queue_names=[],
        )
        worker.configure_signals()
        while worker.running:
            close_old_connections()
            reclaimed = import_jobs_reclaim()
            if reclaimed or self.pending():
                # A round only when there is work: each round logs its start and its end, which
                # once a second would drown the development server's log.
                worker.run()
            elif options["batch"]:
                return
            if worker.running:
                time.sleep(options["interval"])

    @staticmethod
    def pending() -> bool:
        return DBTaskResult.objects.ready().filter(queue_name=IMPORT_QUEUE).exists()
