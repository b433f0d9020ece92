"""Bill and receipt PDFs of a verified account (the same documents the counter prints)."""

from __future__ import annotations

import dataclasses

from django.http import HttpRequest, HttpResponse

from kuwwa.accounts.models import Account
from kuwwa.accounts.selectors import mask_name
from kuwwa.billing.documents import bill_pdf
from kuwwa.billing.selectors import bill_document
from kuwwa.collection.documents import receipt_document, receipt_holder_name, receipt_pdf
from kuwwa.collection.models import Receipt
from kuwwa.collection.verification import receipt_number_normalise
from kuwwa.portal.access import Access, client_ip
from kuwwa.portal.selectors import bill_of, receipt_of
from kuwwa.portal.throttle import lookup_hit
from kuwwa.portal.views.common import not_found, page_lang, verified_account


def pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@verified_account
def bill_pdf_view(
    request: HttpRequest, account: Account, access: Access, bill: str
) -> HttpResponse:
    lookup_hit(client=client_ip(request))  # a PDF costs CPU: it counts like a lookup
    found = bill_of(account=account, number=bill)
    if found is None:
        return not_found(request)
    doc = bill_document(bill=found)
    if not access.strong:
        doc = dataclasses.replace(doc, holder_name=mask_name(doc.holder_name))
    return pdf_response(bill_pdf(doc, language=page_lang()), f"bill-{found.number}.pdf")


def receipt_pdf_response(receipt: Receipt, *, strong: bool) -> HttpResponse:
    holder = receipt_holder_name(receipt) if strong else None
    doc = receipt_document(receipt=receipt, holder=holder)
    return pdf_response(receipt_pdf(doc, language=page_lang()), f"receipt-{receipt.number}.pdf")


@verified_account
def receipt_pdf_view(
    request: HttpRequest, account: Account, access: Access, receipt: str
) -> HttpResponse:
    lookup_hit(client=client_ip(request))
    number = receipt_number_normalise(receipt)
    found = receipt_of(account=account, number=number) if number else None
    if found is None:
        return not_found(request)
    return receipt_pdf_response(found, strong=access.strong)
