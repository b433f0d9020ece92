"""Counter forms: they turn what was typed into the services' arguments, nothing more.

Amounts go through `parse_amount` (Arabic-Indic digits, separators) and its message is the
error shown; note counts accept Arabic-Indic digits too, because the counter keyboard may be on
the Arabic layout.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kuwwa.cashiering.denominations import denominations
from kuwwa.collection.models import Tender
from kuwwa.collection.services import ReversalReason
from kuwwa.core.digits import strip_separators, to_latin_digits
from kuwwa.core.errors import InvalidAmount
from kuwwa.core.money import from_major, parse_amount

# What a counter takes; transfers and wallets come through partners, not the drawer.
COUNTER_TENDERS = [(Tender.CASH.value, Tender.CASH.label), (Tender.CARD.value, Tender.CARD.label)]


MAX_TYPED = 40  # longer than any amount or count a person types


class AmountField(forms.Field):
    """Money typed in pounds → int minor units, refused with parse_amount's own message."""

    def to_python(self, value: Any) -> int | None:
        text = str(value or "").strip()[: MAX_TYPED + 1]
        if not text:
            return None
        try:
            return parse_amount(text)
        except InvalidAmount as exc:
            raise forms.ValidationError(str(exc), code="amount") from exc


class PiecesField(forms.Field):
    """How many notes of one face value; empty is none."""

    def to_python(self, value: Any) -> int:
        text = strip_separators(to_latin_digits(str(value or "")))[: MAX_TYPED + 1]
        if not text:
            return 0
        if not text.isdigit() or len(text) > 7:
            raise forms.ValidationError(
                _("Enter the number of notes as a whole number, 0 or more."), code="pieces"
            )
        return int(text)


class OpenShiftForm(forms.Form):
    opening_float = AmountField(label=_("Opening float (cash in the drawer now)"))


class LookupForm(forms.Form):
    q = forms.CharField(max_length=200, required=False)


class PayForm(forms.Form):
    account_number = forms.CharField(max_length=40)
    bill_number = forms.CharField(max_length=20, required=False)
    client_reference = forms.CharField(max_length=64)
    amount = AmountField(label=_("Amount to pay"))
    tender = forms.ChoiceField(label=_("Paid by"), choices=COUNTER_TENDERS, initial="cash")
    tendered = AmountField(label=_("Cash received"), required=False)
    to_credit = forms.BooleanField(required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        amount, tendered = data.get("amount"), data.get("tendered")
        if data.get("tender") != Tender.CASH or tendered is None:
            data["tendered"] = amount
        elif amount is not None and tendered < amount:
            self.add_error("tendered", _("The cash received is less than the amount to pay."))
        return data

    @property
    def change(self) -> int:
        """Cash to give back, in minor units."""
        return int(self.cleaned_data["tendered"]) - int(self.cleaned_data["amount"])


class CountForm(forms.Form):
    """A count by denomination, largest note first (settings.KUWWA_DENOMINATIONS)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for face in denominations():
            self.fields[f"n{face}"] = PiecesField(required=False)

    def rows(self) -> list[tuple[int, int, forms.BoundField]]:
        """(face value, face value in minor units, field) for the template."""
        return [(face, from_major(face), self[f"n{face}"]) for face in denominations()]

    def count(self) -> dict[str, int]:
        return {
            str(face): self.cleaned_data[f"n{face}"]
            for face in denominations()
            if self.cleaned_data.get(f"n{face}")
        }


class ReverseForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=ReversalReason.CHOICES)
    username = forms.CharField(label=_("Supervisor's username"), max_length=150)
    password = forms.CharField(
        label=_("Supervisor's password"), max_length=128, widget=forms.PasswordInput, strip=False
    )


class DepositForm(forms.Form):
    # Not required here: deposit_create says what is missing, in its own words.
    shifts = forms.TypedMultipleChoiceField(
        label=_("Shifts"), coerce=int, choices=(), required=False
    )
    slip_number = forms.CharField(label=_("Bank slip number"), max_length=40, required=False)
    bank_name = forms.CharField(label=_("Bank"), max_length=100, required=False)

    def __init__(self, *args: Any, shift_ids: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["shifts"].choices = [(pk, str(pk)) for pk in shift_ids]  # type: ignore[attr-defined]
