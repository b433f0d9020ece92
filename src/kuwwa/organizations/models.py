"""Companies, collection centers, partners and staff users with their scope."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

ESTABLISHMENT_CODE = "00"


class CompanyQuerySet(models.QuerySet["Company"]):
    def distribution(self) -> CompanyQuerySet:
        """The 14 distribution companies, without the establishment's own row."""
        return self.filter(is_establishment=False)


class Company(models.Model):
    """A distribution company (one per governorate), or the establishment itself (code 00).

    The establishment has a row of its own so that its clearing account and its audit chain
    are keyed like every company's.
    """

    code = models.CharField(_("code"), max_length=2, unique=True)
    name_ar = models.CharField(_("name (Arabic)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    governorate_ar = models.CharField(_("governorate (Arabic)"), max_length=100, blank=True)
    governorate_en = models.CharField(_("governorate (English)"), max_length=100, blank=True)
    is_establishment = models.BooleanField(_("is the establishment"), default=False)
    payment_policy = models.CharField(
        _("partial payments"),
        max_length=8,
        choices=[
            ("any", _("any amount")),
            ("minimum", _("at least a minimum")),
            ("exact", _("the exact amount due")),
        ],
        default="any",
    )
    payment_minimum = models.BigIntegerField(
        _("minimum payment (minor units)"),
        default=0,
        help_text=_("With the minimum policy: the least a payment may be, unless less is due."),
    )

    objects = CompanyQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("electricity company")
        verbose_name_plural = _("electricity companies")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "ar").startswith("en") else self.name_ar


class Partner(models.Model):
    """A bank, e-wallet or e-payment network that collects bills through the partner API."""

    class Kind(models.TextChoices):
        BANK = "bank", _("bank")
        EWALLET = "ewallet", _("e-wallet")
        NETWORK = "network", _("e-payment network")

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name_ar = models.CharField(_("name (Arabic)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("partner")
        verbose_name_plural = _("partners")

    def __str__(self) -> str:
        return self.name_en if (get_language() or "ar").startswith("en") else self.name_ar


class CollectionCenter(models.Model):
    """A collection center (مركز جباية) of a company; a partner channel is a virtual center."""

    class Kind(models.TextChoices):
        COUNTER = "counter", _("counter")
        VIRTUAL = "virtual", _("virtual (partner channel)")

    company = models.ForeignKey(Company, on_delete=models.PROTECT, verbose_name=_("company"))
    code = models.CharField(_("code"), max_length=4)
    name_ar = models.CharField(_("name (Arabic)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.COUNTER)
    partner = models.ForeignKey(
        Partner, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("partner")
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["company__code", "code"]
        verbose_name = _("collection center")
        verbose_name_plural = _("collection centers")
        constraints = [
            models.UniqueConstraint(fields=["company", "code"], name="center_company_code_uniq"),
            models.CheckConstraint(
                condition=Q(kind="counter", partner__isnull=True)
                | Q(kind="virtual", partner__isnull=False),
                name="center_virtual_has_partner",
            ),
        ]

    def __str__(self) -> str:
        name = (
            self.name_en
            if (get_language() or "ar").startswith("en") and self.name_en
            else (self.name_ar)
        )
        return f"{self.code} {name}"


class User(AbstractUser):
    """A staff user bound to one scope: the establishment, one company or one center.

    What a user may see and do is decided by `kuwwa.organizations.scopes`, from this scope and
    the user's roles (Django groups).
    """

    class ScopeKind(models.TextChoices):
        ESTABLISHMENT = "establishment", _("establishment")
        COMPANY = "company", _("company")
        CENTER = "center", _("collection center")

    scope_kind = models.CharField(
        _("scope"), max_length=16, choices=ScopeKind.choices, default=ScopeKind.ESTABLISHMENT
    )
    company = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("company")
    )
    center = models.ForeignKey(
        CollectionCenter,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        verbose_name=_("collection center"),
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True)

    class Meta(AbstractUser.Meta):  # type: ignore[name-defined]
        verbose_name = _("staff user")
        verbose_name_plural = _("staff users")
        constraints = [
            models.CheckConstraint(
                condition=Q(scope_kind="establishment", company__isnull=True, center__isnull=True)
                | Q(scope_kind="company", company__isnull=False, center__isnull=True)
                | Q(scope_kind="center", company__isnull=False, center__isnull=False),
                name="user_scope_consistent",
            )
        ]
