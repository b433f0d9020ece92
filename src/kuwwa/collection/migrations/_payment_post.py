"""Install and remove the PostgreSQL payment write path (ADR 0008); nothing to do on SQLite.

The function's text lives in kuwwa/collection/sql/payment_post.sql. Every change to that file
comes with a migration that calls `install` again (tests compare the installed body with the
file); the loader skips this module because its name starts with an underscore.
"""

from kuwwa.collection.sqlpath import DROP_SQL, install_sql


def install(apps, schema_editor):  # noqa: ARG001 - migration signature
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(install_sql(), params=None)


def uninstall(apps, schema_editor):  # noqa: ARG001 - migration signature
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_SQL, params=None)
