"""URLs of the citizen portal (/portal/…); docs/portal.md lists them with what each shows."""

from django.urls import path

from kuwwa.portal.views import citizen, complaints, documents, inquiry, pay, reading, sandbox

app_name = "portal"

A = "account/<str:number>/"

urlpatterns = [
    path("", inquiry.home, name="home"),
    path(A, inquiry.account_page, name="account"),
    path(A + "verify/meter/", inquiry.verify_meter, name="verify-meter"),
    path(A + "verify/send-code/", inquiry.send_code, name="send-code"),
    path(A + "verify/code/", inquiry.verify_code, name="verify-code"),
    path(A + "forget/", inquiry.forget, name="forget"),
    path(A + "bills/<str:bill>.pdf", documents.bill_pdf_view, name="bill-pdf"),
    path(A + "receipts/<str:receipt>.pdf", documents.receipt_pdf_view, name="receipt-pdf"),
    path(A + "reading/", reading.reading_form, name="reading"),
    path(A + "reading/<int:pk>/", reading.reading_result, name="reading-result"),
    path(A + "pay/", pay.pay_form, name="pay"),
    path(A + "complaint/", complaints.complaint_new, name="complaint-new"),
    path(A + "complaint/<str:reference>/", complaints.complaint_filed, name="complaint-filed"),
    path("pay/callback/", pay.pay_callback, name="pay-callback"),
    path("pay/<str:reference>/", pay.pay_done, name="pay-done"),
    path("pay/<str:reference>/receipt.pdf", pay.pay_receipt_pdf, name="pay-receipt"),
    path("sandbox-bank/pay/<str:reference>/", sandbox.sandbox_bank, name="sandbox-bank"),
    path("complaints/track/", complaints.complaint_track_view, name="complaint-track"),
    path("signin/", citizen.signin, name="signin"),
    path("signin/code/", citizen.signin_code, name="signin-code"),
    path("signout/", citizen.signout, name="signout"),
    path("my/", citizen.my_accounts, name="my"),
    path("my/<int:link_id>/remove/", citizen.my_remove, name="my-remove"),
]
