import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kunshan_portal.settings")
# A web request's statements end with it: gunicorn gives a request 60 s (gunicorn.conf.py), and a statement
# still running then would go on in PostgreSQL for nobody. Workers and commands are not limited.
os.environ.setdefault("KUNSHAN_STATEMENT_TIMEOUT_MS", "60000")
application = get_wsgi_application()
# What starting made (modules, models, settings: some 190,000 objects) lives as long as the process. Moved
# out of the garbage collector's sight, it is no longer walked by every full collection, which cost a
# recommendations page about 0.8 ms on average.
gc.collect()
gc.freeze()
