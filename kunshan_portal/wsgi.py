import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kunshan_portal.settings")
# A web request's statements end with it: gunicorn gives a request 60 s (--timeout 60), and a statement
# still running then would go on in PostgreSQL for nobody. Workers and commands are not limited.
os.environ.setdefault("KUNSHAN_STATEMENT_TIMEOUT_MS", "60000")
application = get_wsgi_application()
