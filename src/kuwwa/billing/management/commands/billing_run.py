"""`kuwwa billing-run --company 01 --cycle 2026-06`: bill a cycle, with a progress bar."""

import multiprocessing
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections
from django.db.models import Count
from tqdm import tqdm

from kuwwa.accounts.models import Account
from kuwwa.billing.models import BillingCycle
from kuwwa.billing.run import CHUNK, PriceBook, billing_run
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
        """Companies never share rows, so their runs do not wait on each other: `--jobs`
        worker processes take the companies one at a time, largest first, and use every core.
        A company that fails is reported; running the command again resumes it."""
        with_cycle = set(
            BillingCycle.objects.filter(code=options["cycle"]).values_list("company_id", flat=True)
        )
        sizes = dict(
            Account.objects.filter(status=Account.Status.ACTIVE)
            .values("company")
            .annotate(n=Count("pk"))
            .values_list("company", "n")
        )
        todo = [
            c.code
            for c in sorted(
                Company.objects.distribution().filter(pk__in=with_cycle),
                key=lambda c: -sizes.get(c.pk, 0),
            )
        ]
        chunk = max(1, options["chunk"])
        connections.close_all()  # forked workers open their own connections
        failed = []
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=max(1, options["jobs"]), mp_context=context) as pool:
            futures = {
                pool.submit(_bill_company, code, options["cycle"], chunk): code for code in todo
            }
            for future in as_completed(futures):
                code = futures[future]
                try:
                    created, skipped = future.result()
                except Exception as exc:  # reported, the others go on; a rerun resumes it
                    failed.append(code)
                    self.stderr.write(f"{code}: {exc}")
                    continue
                self.stdout.write(f"{code}: {created} bills created")
                if skipped:
                    self.stderr.write(
                        f"{code}: {skipped} accounts skipped: no tariff in force for their category"
                    )
        if failed:
            raise CommandError(f"billing failed for companies {', '.join(failed)}; run them again")
        self.stdout.write(f"{len(todo)} companies billed")


# Each worker process prices a (tariff, kWh) once for all the companies it bills.
_PRICES = PriceBook()


def _bill_company(code: str, cycle_code: str, chunk: int) -> tuple[int, int]:
    """One company's run in a worker process: (bills created, accounts skipped)."""
    try:
        company = Company.objects.distribution().get(code=code)
        cycle = BillingCycle.objects.get(company=company, code=cycle_code)
        result = billing_run(actor=None, company=company, cycle=cycle, chunk=chunk, prices=_PRICES)
        return result.bills_created, result.skipped_no_tariff
    finally:
        connections.close_all()
