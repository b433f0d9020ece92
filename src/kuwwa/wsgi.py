"""WSGI entry point for production servers (gunicorn, granian) and `runserver`.

Paths under /api/ are served without the browser-only middleware (kuwwa.core.apihandler).
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kuwwa.settings")
site = get_wsgi_application()

from kuwwa.core.apihandler import api_split  # noqa: E402 - needs the configured settings

application = api_split(site)
