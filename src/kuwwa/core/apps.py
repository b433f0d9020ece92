from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "kuwwa.core"
    label = "core"
    verbose_name = _("Audit and core")

    def ready(self) -> None:
        from kuwwa.core import lookups  # noqa: F401  (registers `__any`)
