"""The SQL of the statistics refresh (ADR 0005): set-based statements, the same text on
SQLite (3.24+: upserts, window functions) and PostgreSQL. Table names are fixed here, never
taken from input; every value is a bound parameter.
"""

from __future__ import annotations

# ---- SQL: insert streams --------------------------------------------------------------------
# Each takes (lo, hi) and adds the rows with lo <= id <= hi.

# The three payment summaries differ only in their key: (table, company column, key columns,
# key expressions over the payment row p). Each becomes an "add the new rows" statement and an
# "add the reversals of this batch" statement from the two templates below.
PAYMENT_TABLES = (
    (
        "backoffice_collectiondaily",
        "p.company_id",
        "collector_id, center_id, channel, cashier_id",
        "p.collector_id, p.center_id, p.channel, COALESCE(p.cashier_id, 0)",
    ),
    ("backoffice_ownerdaily", "p.company_id", "collector_id, channel", "p.collector_id, p.channel"),
    (
        "backoffice_collectordaily",
        "p.collector_id",
        "center_id, channel, cashier_id",
        "p.center_id, p.channel, COALESCE(p.cashier_id, 0)",
    ),
)

ADD_TEMPLATE = """
INSERT INTO <table> (company_id, business_date, <cols>, payments, amount, reversed_payments,
    reversed_amount)
SELECT <company>, p.business_date, <exprs>, COUNT(*), SUM(p.amount), 0, 0
FROM collection_payment p WHERE p.id >= %s AND p.id <= %s
GROUP BY <company>, p.business_date, <exprs>
ON CONFLICT (company_id, business_date, <cols>)
DO UPDATE SET payments = <table>.payments + excluded.payments,
    amount = <table>.amount + excluded.amount
"""

REVERSE_TEMPLATE = """
INSERT INTO <table> (company_id, business_date, <cols>, payments, amount, reversed_payments,
    reversed_amount)
SELECT <company>, p.business_date, <exprs>, 0, 0, COUNT(*), SUM(p.amount)
FROM backoffice_countedreversal c
JOIN collection_payment p ON p.id = c.payment_id AND p.company_id = c.company_id
WHERE c.batch = %s
GROUP BY <company>, p.business_date, <exprs>
ON CONFLICT (company_id, business_date, <cols>)
DO UPDATE SET reversed_payments = <table>.reversed_payments + excluded.reversed_payments,
    reversed_amount = <table>.reversed_amount + excluded.reversed_amount
"""


def _fill(template: str, table: str, company: str, cols: str, exprs: str) -> str:
    """The template with its fixed placeholders replaced (never user input)."""
    return (
        template.replace("<table>", table)
        .replace("<company>", company)
        .replace("<cols>", cols)
        .replace("<exprs>", exprs)
    )


PAYMENTS_ADD = tuple(_fill(ADD_TEMPLATE, *spec) for spec in PAYMENT_TABLES)
PAYMENTS_REVERSE = tuple(_fill(REVERSE_TEMPLATE, *spec) for spec in PAYMENT_TABLES)

# A bill's `paid` at issue is the credit applied by the billing run; later payments come
# through allocations, so counting credit_applied here and allocations below counts each once.
BILLS = """
INSERT INTO backoffice_billcyclestats (company_id, cycle_id, due_date, bills, billed, adjusted,
    paid)
SELECT company_id, cycle_id, due_date, COUNT(*), SUM(total), 0, SUM(credit_applied)
FROM billing_bill WHERE id >= %s AND id <= %s AND total > 0
GROUP BY company_id, cycle_id, due_date
ON CONFLICT (company_id, cycle_id, due_date)
DO UPDATE SET bills = backoffice_billcyclestats.bills + excluded.bills,
    billed = backoffice_billcyclestats.billed + excluded.billed,
    paid = backoffice_billcyclestats.paid + excluded.paid
"""

ALLOCATIONS = """
INSERT INTO backoffice_billcyclestats (company_id, cycle_id, due_date, bills, billed, adjusted,
    paid)
SELECT b.company_id, b.cycle_id, b.due_date, 0, 0, 0, SUM(a.amount)
FROM collection_allocation a JOIN billing_bill b ON b.id = a.bill_id
WHERE a.id >= %s AND a.id <= %s AND b.total > 0
GROUP BY b.company_id, b.cycle_id, b.due_date
ON CONFLICT (company_id, cycle_id, due_date)
DO UPDATE SET paid = backoffice_billcyclestats.paid + excluded.paid
"""

READINGS = """
INSERT INTO backoffice_readingcyclestats (company_id, cycle_id, source, readings)
SELECT company_id, cycle_id, source, COUNT(*)
FROM billing_meterreading WHERE id >= %s AND id <= %s
GROUP BY company_id, cycle_id, source
ON CONFLICT (company_id, cycle_id, source)
DO UPDATE SET readings = backoffice_readingcyclestats.readings + excluded.readings
"""

# (stream, source table, statements); the tables are fixed names, never user input.
INSERT_STREAMS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("payments", "collection_payment", PAYMENTS_ADD),
    ("bills", "billing_bill", (BILLS,)),
    ("allocations", "collection_allocation", (ALLOCATIONS,)),
    ("readings", "billing_meterreading", (READINGS,)),
)

TABLES = ("collection_payment", "billing_bill", "collection_allocation", "billing_meterreading")
MAX_ID = {t: "SELECT MAX(id) FROM <table>".replace("<table>", t) for t in TABLES}
# Missing ids in (W, M]: each row's predecessor (W for the first) more than 1 below it.
GAPS = {
    t: (
        "SELECT prev + 1, id - 1 FROM (SELECT id, LAG(id, 1, %s) OVER (ORDER BY id) AS prev "
        "FROM <table> WHERE id > %s AND id <= %s) t WHERE id - prev > 1"
    ).replace("<table>", t)
    for t in TABLES
}
PRESENT = {
    t: "SELECT id FROM <table> WHERE id >= %s AND id <= %s ORDER BY id".replace("<table>", t)
    for t in TABLES
}

# ---- SQL: change streams --------------------------------------------------------------------

REVERSALS_MARK = """
INSERT INTO backoffice_countedreversal (company_id, payment_id, batch, counted_at)
SELECT p.company_id, p.id, %s, %s FROM collection_payment p
WHERE p.reversed_at IS NOT NULL AND p.reversed_at >= %s
  AND NOT EXISTS (SELECT 1 FROM backoffice_countedreversal c
                  WHERE c.company_id = p.company_id AND c.payment_id = p.id)
"""

# A reversal gives back to the bills what its allocations took.
REVERSALS_BILLS = """
INSERT INTO backoffice_billcyclestats (company_id, cycle_id, due_date, bills, billed, adjusted,
    paid)
SELECT b.company_id, b.cycle_id, b.due_date, 0, 0, 0, -SUM(a.amount)
FROM backoffice_countedreversal c
JOIN collection_allocation a ON a.payment_id = c.payment_id AND a.company_id = c.company_id
JOIN billing_bill b ON b.id = a.bill_id
WHERE c.batch = %s AND b.total > 0
GROUP BY b.company_id, b.cycle_id, b.due_date
ON CONFLICT (company_id, cycle_id, due_date)
DO UPDATE SET paid = backoffice_billcyclestats.paid + excluded.paid
"""

REVERSALS_LAST = """
SELECT MAX(p.reversed_at) FROM backoffice_countedreversal c
JOIN collection_payment p ON p.id = c.payment_id AND p.company_id = c.company_id
WHERE c.batch = %s
"""

ADJUSTMENTS_MARK = """
INSERT INTO backoffice_countedadjustment (company_id, adjustment_id, batch, counted_at)
SELECT a.company_id, a.id, %s, %s FROM billing_adjustment a
WHERE a.state = 'approved' AND a.decided_at >= %s
  AND NOT EXISTS (SELECT 1 FROM backoffice_countedadjustment c
                  WHERE c.company_id = a.company_id AND c.adjustment_id = a.id)
"""

ADJUSTMENTS_BILLS = """
INSERT INTO backoffice_billcyclestats (company_id, cycle_id, due_date, bills, billed, adjusted,
    paid)
SELECT b.company_id, b.cycle_id, b.due_date, 0, 0,
    SUM(CASE WHEN a.kind = 'debit' THEN a.amount ELSE -a.amount END), 0
FROM backoffice_countedadjustment c
JOIN billing_adjustment a ON a.id = c.adjustment_id AND a.company_id = c.company_id
JOIN billing_bill b ON b.id = a.bill_id
WHERE c.batch = %s AND b.total > 0
GROUP BY b.company_id, b.cycle_id, b.due_date
ON CONFLICT (company_id, cycle_id, due_date)
DO UPDATE SET adjusted = backoffice_billcyclestats.adjusted + excluded.adjusted
"""

ADJUSTMENTS_LAST = """
SELECT MAX(a.decided_at) FROM backoffice_countedadjustment c
JOIN billing_adjustment a ON a.id = c.adjustment_id AND a.company_id = c.company_id
WHERE c.batch = %s
"""

ALL_MAX_IDS = "SELECT " + ", ".join("(" + MAX_ID[t] + ")" for t in TABLES)
