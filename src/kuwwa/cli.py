"""The `kuwwa` console command: Django's management commands under one project name.

`kuwwa migrate`, `kuwwa runserver`, `kuwwa demo-data ...`, `kuwwa audit-verify`: every
subcommand is a Django management command; dashes in names map to underscores.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kuwwa.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else ["kuwwa", *argv])
    if len(args) > 1 and not args[1].startswith("-"):
        args[1] = args[1].replace("-", "_")
    execute_from_command_line(args)


if __name__ == "__main__":
    main()
