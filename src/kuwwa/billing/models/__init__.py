"""Billing models, one module per concern; each is imported here so Django finds it."""

from kuwwa.billing.models.bills import Adjustment, Bill, BillingRun, BillLine
from kuwwa.billing.models.cycles import BillingCycle
from kuwwa.billing.models.readings import MeterReading
from kuwwa.billing.models.tariffs import Tariff, TariffBand, TariffCharge

__all__ = [
    "Adjustment",
    "Bill",
    "BillLine",
    "BillingCycle",
    "BillingRun",
    "MeterReading",
    "Tariff",
    "TariffBand",
    "TariffCharge",
]
