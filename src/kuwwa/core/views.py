"""Site-wide pages."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from kuwwa.organizations.models import Company


def home(request: HttpRequest) -> HttpResponse:
    companies = Company.objects.distribution()
    return render(request, "kuwwa/home.html", {"companies": companies})


@login_required
def start(request: HttpRequest) -> HttpResponse:
    """Where staff land after logging in: the counter for center staff, statistics otherwise."""
    from kuwwa.organizations.scopes import scope_of

    scope = scope_of(request.user)
    if scope.kind == "center":
        return redirect("counter:home")
    if scope.kind in ("company", "establishment"):
        return redirect("backoffice:collections")
    return redirect("home")
