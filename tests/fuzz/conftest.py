from tests.collection.conftest import billed_account, cashier, supervisor  # noqa: F401
