from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CashieringConfig(AppConfig):
    name = "kuwwa.cashiering"
    label = "cashiering"
    verbose_name = _("Cashiering")
