"""`kuwwa demo-setup`: centers, partners, a login per role and synthetic accounts."""

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from kuwwa.organizations.demo import DEMO_PASSWORD, demo_organisation_setup


class Command(BaseCommand):
    help = "Load the demo organisation and data (idempotent) and print the demo logins."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--accounts", type=int, default=2800)
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args: Any, **options: Any) -> None:
        logins = demo_organisation_setup()
        call_command(
            "demo_data",
            accounts=options["accounts"],
            seed=options["seed"],
            no_progress=True,
            stdout=self.stdout,
        )
        call_command("demo_billing", seed=options["seed"], stdout=self.stdout)
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD})")
        self.stdout.write(f"  {'username':<16} {'role':<22} scope")
        for login in logins:
            self.stdout.write(f"  {login.username:<16} {login.role:<22} {login.scope}")
