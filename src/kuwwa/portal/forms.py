"""Portal forms: labels and help for people, checks delegated to the services' parsers."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kuwwa.core.errors import ApplicationError
from kuwwa.core.money import parse_amount
from kuwwa.portal.models import Complaint
from kuwwa.portal.uploads import CheckedImage, image_check

NUMERIC = {"inputmode": "numeric", "autocomplete": "off", "dir": "ltr"}


class InquiryForm(forms.Form):
    number = forms.CharField(
        label=_("Account number"),
        max_length=40,
        help_text=_("12 digits, as printed on your bill, for example 03-00000145-42."),
        widget=forms.TextInput(attrs=NUMERIC),
    )


class MeterForm(forms.Form):
    suffix = forms.CharField(
        label=_("Last 4 characters of the meter's serial number"),
        min_length=1,
        max_length=8,
        help_text=_("Printed on the meter's plate, and on your bill."),
        widget=forms.TextInput(attrs={**NUMERIC, "autocapitalize": "characters", "size": 6}),
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code received by SMS"),
        max_length=12,
        widget=forms.TextInput(attrs={**NUMERIC, "autocomplete": "one-time-code", "size": 8}),
    )


class PhotoField(forms.FileField):
    """A JPEG/PNG up to 2 MB, checked by content; cleans to a CheckedImage."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "widget", forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png"})
        )
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> CheckedImage | None:
        upload = super().clean(data, initial)
        if not upload:
            return None
        try:
            return image_check(upload)
        except ApplicationError as exc:
            raise forms.ValidationError(str(exc)) from exc


class ReadingForm(forms.Form):
    value = forms.CharField(
        label=_("Reading on the meter"),
        max_length=14,
        help_text=_("All the digits shown on the meter, without the decimal (red) digits."),
        widget=forms.TextInput(attrs=NUMERIC),
    )
    photo = PhotoField(
        label=_("Photo of the meter (optional)"),
        help_text=_("JPEG or PNG, at most 2 MB."),
    )


class PayForm(forms.Form):
    bills = forms.MultipleChoiceField(
        label=_("Bills to pay"), required=False, widget=forms.CheckboxSelectMultiple
    )
    amount = forms.CharField(
        label=_("Or another amount (SYP)"),
        required=False,
        max_length=24,
        widget=forms.TextInput(attrs=NUMERIC),
    )
    partner = forms.ChoiceField(label=_("Pay through"), widget=forms.RadioSelect)

    def __init__(
        self,
        *args: Any,
        bills: list[tuple[str, str]],
        partners: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        bills_field = self.fields["bills"]
        partner_field = self.fields["partner"]
        assert isinstance(bills_field, forms.MultipleChoiceField)
        assert isinstance(partner_field, forms.ChoiceField)
        bills_field.choices = bills
        partner_field.choices = partners
        if partners:
            self.fields["partner"].initial = partners[0][0]

    def clean_amount(self) -> int | None:
        text = self.cleaned_data.get("amount", "").strip()
        if not text:
            return None
        try:
            return parse_amount(text)
        except ApplicationError as exc:
            raise forms.ValidationError(str(exc)) from exc

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("bills") and data.get("amount"):
            raise forms.ValidationError(_("Choose bills or enter an amount, not both."))
        if not data.get("bills") and not data.get("amount") and not self.errors:
            raise forms.ValidationError(_("Choose the bills to pay or enter an amount."))
        return data


class ComplaintForm(forms.Form):
    subject = forms.ChoiceField(
        label=_("The complaint is about"),
        choices=Complaint.Subject.choices,
        widget=forms.RadioSelect,
    )
    reason = forms.ChoiceField(label=_("Reason"), choices=Complaint.Reason.choices)
    subject_reference = forms.CharField(
        label=_("Bill, reading or receipt number (optional)"),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"dir": "ltr", "autocomplete": "off"}),
    )
    description = forms.CharField(
        label=_("What happened"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    phone = forms.CharField(
        label=_("Mobile number for the answer (optional)"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel", "dir": "ltr"}),
    )
    attachment = PhotoField(
        label=_("Photo or scan (optional)"), help_text=_("JPEG or PNG, at most 2 MB.")
    )


class TrackForm(forms.Form):
    reference = forms.CharField(
        label=_("Complaint reference"),
        max_length=20,
        help_text=_("As given when you filed it, for example C03-000012."),
        widget=forms.TextInput(attrs={"dir": "ltr", "autocomplete": "off"}),
    )
    number = forms.CharField(
        label=_("Account number"), max_length=40, widget=forms.TextInput(attrs=NUMERIC)
    )


class PhoneForm(forms.Form):
    phone = forms.CharField(
        label=_("Mobile number"),
        max_length=20,
        help_text=_("For example 0931234567."),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel", "dir": "ltr"}),
    )


class LinkForm(forms.Form):
    number = forms.CharField(
        label=_("Account number"), max_length=40, widget=forms.TextInput(attrs=NUMERIC)
    )
    label = forms.CharField(
        label=_("Name in your list (optional)"),
        required=False,
        max_length=40,
        help_text=_("For example: home, shop."),
    )
    suffix = forms.CharField(
        label=_("Last 4 characters of the meter's serial number"),
        required=False,
        max_length=8,
        help_text=_("Not needed if the account's registered mobile is yours."),
        widget=forms.TextInput(attrs={**NUMERIC, "autocapitalize": "characters", "size": 6}),
    )
