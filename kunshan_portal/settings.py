"""Settings of the New Kunshan Residents Portal, read from the environment.

With nothing set, the portal runs for development on the embedded PostgreSQL (pgserver, under .data/)
with Celery tasks executed in-process. With DATABASE_URL, CELERY_BROKER_URL and REDIS_URL it runs on a
real PostgreSQL and Redis with real workers. KUNSHAN_ENV=production turns on the production hardening
and requires DJANGO_SECRET_KEY.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


KUNSHAN_ENV = os.environ.get("KUNSHAN_ENV", "development")
if KUNSHAN_ENV not in {"development", "production"}:
    raise ImproperlyConfigured("KUNSHAN_ENV must be 'development' or 'production'.")
PRODUCTION = KUNSHAN_ENV == "production"

DEBUG = env_bool("DJANGO_DEBUG", default=not PRODUCTION)
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set in production.")
    SECRET_KEY = "development-only-key-not-for-production-use-0123456789abcdefghijklmnop"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "" if PRODUCTION else "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "kunshan_portal.apps.PortalAdminConfig",  # django.contrib.admin on the portal's site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "import_export",
    "pgtrigger",
    "pghistory",
    "pghistory.admin",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    "kunshan_portal",
    "residents",
    "employment",
    "insurance",
    "housing",
    "education",
    "legal_aid",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "kunshan_portal.middleware.PortalLocaleMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "kunshan_portal.mfa.AccountSecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "pghistory.middleware.HistoryMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "kunshan_portal.urls"
WSGI_APPLICATION = "kunshan_portal.wsgi.application"
AUTH_USER_MODEL = "kunshan_portal.User"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "kunshan_portal.context_processors.portal",
            ],
        },
    },
]

# --- Database: PostgreSQL only ---------------------------------------------------------------
if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60)}
else:
    from kunshan_portal.embedded_db import embedded_database

    DATABASES = {"default": embedded_database(BASE_DIR)}
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("The portal runs on PostgreSQL only; DATABASE_URL must be postgres://.")
if env_bool("KUNSHAN_BENCH", False):
    # Benchmarks build their own data in a database of their own, never the portal's.
    from kunshan_portal.embedded_db import ensure_database

    DATABASES["default"]["NAME"] = f"{DATABASES['default']['NAME']}_bench"
    ensure_database(DATABASES["default"])
if os.environ.get("KUNSHAN_TEST_DB_NAME"):
    DATABASES["default"]["TEST"] = {"NAME": os.environ["KUNSHAN_TEST_DB_NAME"]}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if os.environ.get("KUNSHAN_STATEMENT_TIMEOUT_MS"):  # set for the web server by kunshan_portal/wsgi.py
    timeout_ms = int(os.environ["KUNSHAN_STATEMENT_TIMEOUT_MS"])
    db_options = DATABASES["default"].setdefault("OPTIONS", {})  # beside any options of DATABASE_URL
    db_options["options"] = f"{db_options.get('options', '')} -c statement_timeout={timeout_ms}".strip()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Small reads sent as statements prepared once per database session (kunshan_portal/compiled.py). Turn off
# behind a pooler that hands one server session to several clients (PgBouncer in transaction mode).
KUNSHAN_PREPARED_STATEMENTS = env_bool("KUNSHAN_PREPARED_STATEMENTS", True)

# --- Cache, broker, tasks --------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Public pages (job search, job, compounds, schools) kept this long for anonymous visitors (0: off).
KUNSHAN_PAGE_CACHE_SECONDS = int(os.environ.get("KUNSHAN_PAGE_CACHE_SECONDS", "60"))
# A resident's ranking of recommended jobs is kept this long (0: off); see employment.selectors.
KUNSHAN_RECOMMENDATION_SECONDS = int(os.environ.get("KUNSHAN_RECOMMENDATION_SECONDS", "300"))
# With Redis, sessions are read from the cache (written through to the database): no query per request.
if REDIS_URL:
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL  # embedded default: tasks run in-process
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_DEFAULT_QUEUE", "kunshan")
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_BACKEND = None
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}

# --- Auth and security -----------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "after-login"
LOGOUT_REDIRECT_URL = "home"

AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 1  # hours
# Locked by account (AXES_FAILURE_LIMIT) and, separately, by address with a higher bar: thousands of
# workers share one NAT address (kunshan_portal/lockout.py explains the rule).
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
KUNSHAN_ADDRESS_FAILURE_LIMIT = int(os.environ.get("KUNSHAN_ADDRESS_FAILURE_LIMIT", "100"))
# A resident's request to close their account can be cancelled for this many days, then it is carried out.
KUNSHAN_CLOSURE_GRACE_DAYS = int(os.environ.get("KUNSHAN_CLOSURE_GRACE_DAYS", "14"))
AXES_HANDLER = "kunshan_portal.lockout.AccountAndAddressHandler"
AXES_CLIENT_STR_CALLABLE = "kunshan_portal.lockout.client_str"
AXES_LOCKOUT_CALLABLE = "kunshan_portal.lockout.lockout_response"
# Behind a reverse proxy, KUNSHAN_PROXY_COUNT=1 takes the client's address from X-Forwarded-For;
# without one, the header is ignored so that nobody picks their own address.
KUNSHAN_PROXY_COUNT = int(os.environ.get("KUNSHAN_PROXY_COUNT", "0"))
AXES_CLIENT_IP_CALLABLE = "kunshan_portal.lockout.client_address"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_ENABLED = env_bool("AXES_ENABLED", True)

# Second factor for staff (always in production; KUNSHAN_STAFF_MFA=1 turns it on for development).
KUNSHAN_STAFF_MFA = env_bool("KUNSHAN_STAFF_MFA", PRODUCTION)
KUNSHAN_STAFF_IDLE_SECONDS = int(os.environ.get("KUNSHAN_STAFF_IDLE_SECONDS", "900"))
OTP_TOTP_ISSUER = "Kunshan Residents Portal"
# Nobody, administrators included, reads another account's authenticator secret in the admin.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# Import and export in the admin need the model's add and view permissions (without these settings
# django-import-export lets any staff account export any model).
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "add"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"
SESSION_COOKIE_AGE = 60 * 60 * 24 * 7

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],  # the admin's and the charts' inline style attributes
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# --- Language and time -----------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static files and uploads ----------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Uploads live outside the web root and are served only through views that check access.
MEDIA_ROOT = Path(os.environ.get("KUNSHAN_MEDIA_ROOT", BASE_DIR / ".data" / "media"))

# --- E-mail and notices ----------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "noreply@portal.kunshan.example")
NOTICE_SENDERS = {
    "email": os.environ.get("NOTICE_EMAIL_SENDER", "kunshan_portal.senders.EmailSender"),
    "sms": os.environ.get("NOTICE_SMS_SENDER", "kunshan_portal.senders.LogSmsSender"),
}
NOTICE_MAX_ATTEMPTS = int(os.environ.get("NOTICE_MAX_ATTEMPTS", "5"))

# --- REST API --------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "kunshan_portal.authentication.PortalTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "EXCEPTION_HANDLER": "kunshan_portal.api.exception_handler",
    # Requests per client: anonymous ones by address, logged-in ones by account (the cache keeps count:
    # Redis in real runs, so all web processes share it).
    "DEFAULT_THROTTLE_CLASSES": [
        "kunshan_portal.throttles.AnonymousThrottle",
        "kunshan_portal.throttles.AccountThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("KUNSHAN_API_RATE_ANON", "120/minute"),
        "user": os.environ.get("KUNSHAN_API_RATE_USER", "1200/minute"),
    },
    "NUM_PROXIES": KUNSHAN_PROXY_COUNT,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "New Kunshan Residents Portal API",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # The documentation page's assets are served by us from the sidecar package: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Several models have a "state" or "kind": each choice set gets its own name in the schema.
    "ENUM_NAME_OVERRIDES": {
        "ResidentStateEnum": "residents.models.Resident.State",
        "AccountClosureStateEnum": "residents.models.AccountClosure.State",
        "JobStateEnum": "employment.models.Job.State",
        "JobApplicationStateEnum": "employment.models.Application.State",
        "FairStateEnum": "employment.models.Fair.State",
        "FairRegistrationStateEnum": "employment.models.FairRegistration.State",
        "TrainingProgrammeKindEnum": "employment.models.TrainingProgramme.Kind",
        "TrainingEnrolmentStateEnum": "employment.models.Enrolment.State",
        "SubsidyClaimStateEnum": "employment.models.SubsidyClaim.State",
        "EmployerEnrolmentStateEnum": "insurance.models.Enrolment.State",
        "HousingCompoundKindEnum": "housing.models.Compound.Kind",
        "HousingApplicationStateEnum": "housing.models.HousingApplication.State",
        "HousingOfferStateEnum": "housing.models.Offer.State",
        "SchoolKindEnum": "education.models.School.Kind",
        "SchoolGradeEnum": "education.models.GRADES",
        "SchoolApplicationStateEnum": "education.models.Application.State",
        "SchoolOfferStateEnum": "education.models.Offer.State",
        "LegalAidCaseKindEnum": "legal_aid.models.Case.Kind",
        "LegalAidCaseStateEnum": "legal_aid.models.Case.State",
    },
}

# --- Logging ---------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "pgserver": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}

# Tests that need Redis and a worker fail instead of skipping when this is set (CI sets it).
KUNSHAN_REQUIRE_SERVICES = env_bool("KUNSHAN_REQUIRE_SERVICES", False)
ADMIN_URL = os.environ.get("KUNSHAN_ADMIN_URL", "admin/")

# Identity numbers: Fernet keys (first encrypts, all decrypt) and the secret of the look-up hash.
KUNSHAN_ID_KEYS = env_list("KUNSHAN_ID_KEYS")
KUNSHAN_ID_HASH_KEY = os.environ.get("KUNSHAN_ID_HASH_KEY", "")
if PRODUCTION and not (KUNSHAN_ID_KEYS and KUNSHAN_ID_HASH_KEY):
    raise ImproperlyConfigured("KUNSHAN_ID_KEYS and KUNSHAN_ID_HASH_KEY must be set in production.")
