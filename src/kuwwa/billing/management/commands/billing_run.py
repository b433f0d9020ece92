"""`kuwwa billing-run --company 01 --cycle 2026-06`: bill a cycle, with a progress bar."""

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from kuwwa.billing.models import BillingCycle
from kuwwa.billing.run import CHUNK, billing_run
from kuwwa.core.errors import ApplicationError
from kuwwa.organizations.models import Company


class Command(BaseCommand):
    help = "Generate the bills of a cycle for all active accounts of a company (resumable)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--company", required=True, help="2-digit code, or 'all'")
        parser.add_argument(
            "--jobs", type=int, default=1, help="with --company all: companies billed at once"
        )
        parser.add_argument("--cycle", required=True)
        parser.add_argument("--chunk", type=int, default=CHUNK)
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["company"] == "all":
            self._all(options)
            return
        company = Company.objects.distribution().filter(code=options["company"]).first()
        if company is None:
            raise CommandError(f"no distribution company has code {options['company']}")
        cycle = BillingCycle.objects.filter(company=company, code=options["cycle"]).first()
        if cycle is None:
            raise CommandError(f"cycle {options['cycle']} is not open for company {company.code}")
        with tqdm(
            unit="acct", disable=options["no_progress"], desc=f"{company.code} {cycle.code}"
        ) as bar:

            def progress(done: int, total: int) -> None:
                bar.total = total
                bar.n = done
                bar.refresh()

            try:
                result = billing_run(
                    actor=None,
                    company=company,
                    cycle=cycle,
                    chunk=max(1, options["chunk"]),
                    progress=progress,
                )
            except ApplicationError as exc:
                raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"{result.bills_created} bills created; run has {result.run.bills_created} bills"
        )
        if result.skipped_no_tariff:
            self.stderr.write(
                f"{result.skipped_no_tariff} accounts skipped: "
                "no tariff in force for their category"
            )

    def _all(self, options: dict[str, Any]) -> None:
        """Each company in its own process, `--jobs` at a time: companies never share rows, so
        their runs do not wait on each other and use every core."""
        codes = [
            c.code
            for c in Company.objects.distribution()
            if BillingCycle.objects.filter(company=c, code=options["cycle"]).exists()
        ]
        command = [sys.executable, "-m", "kuwwa.cli", "billing-run", "--cycle", options["cycle"]]
        command += ["--chunk", str(options["chunk"]), "--no-progress"]
        failed = []
        with ThreadPoolExecutor(max_workers=max(1, options["jobs"])) as pool:
            results = pool.map(
                lambda code: (code, subprocess.run([*command, "--company", code], check=False)),  # noqa: S603
                codes,
            )
            for code, result in results:
                if result.returncode:
                    failed.append(code)
        if failed:
            raise CommandError(f"billing failed for companies {', '.join(failed)}; run them again")
        self.stdout.write(f"{len(codes)} companies billed")
