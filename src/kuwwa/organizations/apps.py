from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_roles(sender: AppConfig, **kwargs: object) -> None:
    """Role groups need the permissions that post_migrate creates for every app, so they are
    synced once the last app's permissions exist."""
    from django.apps import apps

    from kuwwa.organizations.roles import roles_sync

    if sender.label == list(apps.get_app_configs())[-1].label:
        roles_sync()


class OrganizationsConfig(AppConfig):
    name = "kuwwa.organizations"
    label = "organizations"
    verbose_name = _("Organizations")

    def ready(self) -> None:
        post_migrate.connect(_sync_roles, dispatch_uid="kuwwa_roles_sync")
