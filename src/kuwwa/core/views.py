"""Site-wide pages."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from kuwwa.organizations.models import Company


def home(request: HttpRequest) -> HttpResponse:
    companies = Company.objects.distribution()
    return render(request, "kuwwa/home.html", {"companies": companies})
