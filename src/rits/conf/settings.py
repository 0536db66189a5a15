"""Rits settings. All configuration comes from environment variables, documented in
docs/configuration.md. ``RITS_ENVIRONMENT=production`` refuses to start unless the
security settings a care system needs are in place (see ``_check_production``)."""

import datetime
import os
from pathlib import Path

import dj_database_url
import django.conf.locale
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from rits.conf.environment import env_bool, env_int, env_list, env_str

SRC_DIR = Path(__file__).resolve().parent.parent  # src/rits
BASE_DIR = SRC_DIR.parent.parent  # repository root

ENVIRONMENT = env_str("RITS_ENVIRONMENT", "development")
if ENVIRONMENT not in {"development", "demo", "test", "production"}:
    raise ImproperlyConfigured("RITS_ENVIRONMENT must be development, demo, test or production")
IS_PRODUCTION = ENVIRONMENT == "production"

# Demo logins work without the second factor; only allowed outside production and
# shown as a banner on every page.
DEMO_MODE = env_bool("RITS_DEMO", ENVIRONMENT == "demo")

DEBUG = env_bool("RITS_DEBUG", ENVIRONMENT == "development")
_DEV_SECRET = "insecure-development-key-never-use-in-production"
SECRET_KEY = env_str("RITS_SECRET_KEY", "" if IS_PRODUCTION else _DEV_SECRET)
ALLOWED_HOSTS = env_list(
    "RITS_ALLOWED_HOSTS", "" if IS_PRODUCTION else "127.0.0.1,localhost,testserver"
)
CSRF_TRUSTED_ORIGINS = env_list("RITS_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # The Django admin with Rits's own site (rits.administration.site): reference data
    # only, for administrators past the second factor.
    "rits.administration.apps.RitsAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "csp",
    "django_htmx",
    "rest_framework",
    "drf_spectacular",
    "django_tasks",
    "django_tasks_db",
    "simple_history",
    "rits.core",
    "rits.components",
    "rits.organisations",
    "rits.families",
    "rits.access",
    "rits.audit",
    "rits.plans",
    "rits.worklist",
    "rits.signals",
    "rits.notifications",
    "rits.portal",
    # DigiD for citizens (rits.portal): the library, its singleton configuration and the
    # certificates it signs with (stored as private files, never served).
    "solo",
    "privates",
    "simple_certmanager",
    "digid_eherkenning",
    "rits.scheduling",
    "rits.api",
    "rits.administration",
    "rits.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Every answer that passes WhiteNoise (so every one but static files) is not stored.
    "rits.core.middleware.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "rits.core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # Citizens (DigiD, invitation) stay on /mijn/, their session ends after inactivity,
    # and they are marked so that the second factor is not asked of them.
    "rits.portal.middleware.CitizenSessionMiddleware",
    "rits.core.middleware.SecondFactorRequiredMiddleware",
    "rits.core.middleware.CheckedQueryStringMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "rits.conf.urls"
WSGI_APPLICATION = "rits.conf.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [SRC_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "rits.core.context_processors.rits",
                "rits.notifications.context_processors.notifications",
            ],
        },
    }
]

# --- database -------------------------------------------------------------------
# SQLite file by default (the embedded default); PostgreSQL when DATABASE_URL is set.
_default_sqlite = f"sqlite:///{BASE_DIR / 'var' / 'rits.sqlite3'}"
if "DATABASE_URL" not in os.environ:
    (BASE_DIR / "var").mkdir(exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", _default_sqlite),
        conn_max_age=env_int("RITS_DB_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers and one writer work at once; a busy timeout instead of
    # "database is locked" under concurrent requests.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- authentication -------------------------------------------------------------
AUTH_USER_MODEL = "organisations.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # Citizens: the BSN DigiD returns, matched to a Person by its pseudonym (rits.portal).
    "rits.portal.backends.DigiDBackend",
    "rits.portal.backends.MockDigiDBackend",
]
LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "families:my-families"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Professionals must pass a TOTP second factor; only demo logins may skip it, in demo mode.
REQUIRE_SECOND_FACTOR = env_bool("RITS_REQUIRE_2FA", True)
OTP_TOTP_ISSUER = "Rits"

AXES_FAILURE_LIMIT = env_int("RITS_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("RITS_LOGIN_COOLOFF_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "rits.core.views.locked_out"
AXES_VERBOSE = False

SESSION_COOKIE_AGE = env_int("RITS_SESSION_MINUTES", 480) * 60
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("RITS_SECURE_COOKIES", IS_PRODUCTION)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# The language someone chose is kept for a year (Django's default: until the browser
# closes), so a family finds the portal in its language the next time too. The cookie
# holds only a language code.
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env_int("RITS_HSTS_SECONDS", 31536000 if IS_PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_SSL_REDIRECT = env_bool("RITS_SSL_REDIRECT", IS_PRODUCTION)
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("RITS_BEHIND_PROXY", False) else None
)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

CSP_ENABLED = env_bool("RITS_CSP", True)
CONTENT_SECURITY_POLICY = (
    {
        "DIRECTIVES": {
            "default-src": ["'self'"],
            "script-src": ["'self'"],
            "style-src": ["'self'"],
            "img-src": ["'self'", "data:"],
            "font-src": ["'self'"],  # the bundled Noto fonts (rits/vendor/fonts)
            "form-action": ["'self'"],
            "frame-ancestors": ["'none'"],
            "base-uri": ["'self'"],
            "object-src": ["'none'"],
        }
    }
    if CSP_ENABLED
    else None
)

# --- personal data --------------------------------------------------------------
# Fernet keys (comma-separated, newest first): the first encrypts, all decrypt, so a key
# can be rotated with `manage.py rotate_bsn_key`. The pseudonym key makes the keyed
# pseudonym through which BSNs are matched without decrypting them.
_DEV_BSN_KEY = "cml0cy1kZXZlbG9wbWVudC1ic24ta2V5LTMyYnl0ZXM="
BSN_ENCRYPTION_KEYS = env_list("RITS_BSN_KEYS", "" if IS_PRODUCTION else _DEV_BSN_KEY)
BSN_PSEUDONYM_KEY = env_str("RITS_BSN_PSEUDONYM_KEY", "" if IS_PRODUCTION else "dev-pseudonym-key")

# --- the family portal (/mijn/) ----------------------------------------------------
# DigiD's mock (the library's test login, marked as such on every page of it) instead of
# the real SAML flow: on outside production, and refused in production.
DIGID_MOCK = env_bool("RITS_DIGID_MOCK", not IS_PRODUCTION)
DIGID_MOCK_APP_TITLE = "Rits — testlogin"
DIGID_MOCK_RETURN_URL = "/mijn/"
DIGID_MOCK_CANCEL_URL = "/mijn/inloggen/"
# A citizen's session ends after this many minutes without a request (DigiD requires at
# most 15); the library reads DIGID_SESSION_AGE for the real flow.
PORTAL_SESSION_MINUTES = env_int("RITS_PORTAL_SESSION_MINUTES", 15)
DIGID_SESSION_AGE = PORTAL_SESSION_MINUTES * 60
# A network member's invitation link lasts this many days; the code it e-mails this many
# minutes, and this many wrong codes spend the invitation.
PORTAL_INVITATION_DAYS = env_int("RITS_PORTAL_INVITATION_DAYS", 7)
PORTAL_CODE_MINUTES = env_int("RITS_PORTAL_CODE_MINUTES", 15)
PORTAL_CODE_ATTEMPTS = 5
# The real DigiD (SAML) is configured in the database (django-digid-eherkenning's
# DigidConfiguration and its certificates); `manage.py configure_digid` fills it from the
# RITS_DIGID_* variables (docs/configuration.md).
DIGID_ENTITY_ID = env_str("RITS_DIGID_ENTITY_ID")
DIGID_METADATA_URL = env_str("RITS_DIGID_METADATA_URL")
DIGID_KEY_FILE = env_str("RITS_DIGID_KEY_FILE")
DIGID_CERT_FILE = env_str("RITS_DIGID_CERT_FILE")
DIGID_SERVICE_NAME = env_str("RITS_DIGID_SERVICE_NAME", "Rits")
PRIVATE_MEDIA_ROOT = env_str("RITS_PRIVATE_MEDIA_ROOT", str(BASE_DIR / "var" / "private"))
PRIVATE_MEDIA_URL = "/private-media/"
SENDFILE_BACKEND = "django_sendfile.backends.simple"
SENDFILE_ROOT = PRIVATE_MEDIA_ROOT

# Number of independent audit hash chains; requests for different families append to
# different chains, so they do not wait on one global lock.
AUDIT_CHAINS = env_int("RITS_AUDIT_CHAINS", 16)

# --- internationalisation -------------------------------------------------------
LANGUAGE_CODE = "nl"
# Each language named in itself (as Django's LANG_INFO names it): someone who reads no
# Dutch finds theirs on the switch.
LANGUAGES = [
    ("nl", _("Nederlands")),
    ("en", _("English")),
    ("ar", "العربيّة"),
    ("tr", "Türkçe"),
    ("ti", "ትግርኛ"),
    ("pl", "polski"),
    ("uk", "Українська"),
]
# The professionals' pages speak Dutch and English only: a citizen who chose Arabic in
# the portal, or a professional whose browser asks for Turkish, gets these outside
# /mijn/ (rits.core.middleware.LanguageMiddleware). Their switch lists these.
PROFESSIONAL_LANGUAGES = ["nl", "en"]
# The languages of the family portal (/mijn/), as far as LANGUAGES has them; its
# catalogs are src/rits/portal/locale (`make portal-messages`).
PORTAL_LANGUAGES = ["nl", "en", "ar", "tr", "ti", "pl", "uk"]
# Django knows no Tigrinya: its name, its own name and direction, added to Django's
# table of languages the way Django's own entries are (django.conf.locale.LANG_INFO).
EXTRA_LANG_INFO = {
    "ti": {"bidi": False, "code": "ti", "name": "Tigrinya", "name_local": "ትግርኛ"},
}
django.conf.locale.LANG_INFO.update(EXTRA_LANG_INFO)
LOCALE_PATHS = [SRC_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "Europe/Amsterdam"

# --- static files ---------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
# Our own CSS, JS and vendored NL Design System files live in src/rits/static (not in an app).
STATICFILES_DIRS = [SRC_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# --- API ------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rits.api.authentication.VerifiedSessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rits.api.permissions.IsProfessional"],
    # JSON bodies checked for valid text once for the whole API (rits.core.params).
    "DEFAULT_PARSER_CLASSES": [
        "rits.api.parsers.CheckedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "rits.api.errors.problem_details_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Rits API",
    "DESCRIPTION": "One family, one plan, one coordinator. Every endpoint that returns "
    "family data applies the same access rules as the pages and writes an audit event.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # Errors are problem details, as application/problem+json, on every operation.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "rits.api.schema.problem_details_hook",
    ],
    # Several choice sets share a field name ("kind", "status"): name them after their type.
    "ENUM_NAME_OVERRIDES": {
        "LifeDomainEnum": "rits.core.domains.LifeDomain",
        "AgreementKindEnum": "rits.plans.models.AgreementKind",
        "AgreementStatusEnum": "rits.plans.models.AgreementStatus",
        # the ways a coordinator records it ("online via DigiD" is the family's own)
        "AgreementMethodEnum": "rits.plans.models.RECORDED_AGREEMENT_METHODS",
        "SafetyKindEnum": "rits.plans.models.SafetyKind",
        "FamilyGroupPlanStatusEnum": "rits.plans.models.FamilyGroupPlanStatus",
        "SignalTypeEnum": "rits.signals.models.SignalType",
        "SignalStatusEnum": "rits.signals.models.SignalStatus",
        "SignalBatchStatusEnum": "rits.signals.models.BatchStatus",
        "SignalBatchFormatEnum": "rits.signals.models.BatchFormat",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("RITS_LOG_LEVEL", "INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        # The plan's PDF: WeasyPrint's progress and fontTools' subsetting are chatty, and a
        # missing-glyph warning would quote characters of a family's names into the log.
        "weasyprint": {"level": "ERROR"},
        "fontTools": {"level": "WARNING"},
    },
}


def _check_production() -> None:
    """Refuse to start a production process without the safeguards a care system needs."""
    problems = []
    if not SECRET_KEY or SECRET_KEY == _DEV_SECRET:
        problems.append("RITS_SECRET_KEY must be set")
    if DEMO_MODE:
        problems.append("RITS_DEMO must be off")
    if DEBUG:
        problems.append("RITS_DEBUG must be off")
    if not REQUIRE_SECOND_FACTOR:
        problems.append("RITS_REQUIRE_2FA must be on")
    if not (SESSION_COOKIE_SECURE and CSRF_COOKIE_SECURE):
        problems.append("RITS_SECURE_COOKIES must be on")
    if SECURE_HSTS_SECONDS < 31536000:
        problems.append("RITS_HSTS_SECONDS must be at least one year (31536000)")
    if not CSP_ENABLED:
        problems.append("RITS_CSP must be on")
    if not BSN_ENCRYPTION_KEYS or _DEV_BSN_KEY in BSN_ENCRYPTION_KEYS:
        problems.append("RITS_BSN_KEYS must be set")
    if not BSN_PSEUDONYM_KEY or BSN_PSEUDONYM_KEY == "dev-pseudonym-key":
        problems.append("RITS_BSN_PSEUDONYM_KEY must be set")
    if not ALLOWED_HOSTS:
        problems.append("RITS_ALLOWED_HOSTS must be set")
    if DIGID_MOCK:
        problems.append("RITS_DIGID_MOCK must be off (the test login of DigiD)")
    if problems:
        raise ImproperlyConfigured("Refusing to start in production: " + "; ".join(problems))


if IS_PRODUCTION:
    _check_production()

# How long break-the-glass access lasts.
EMERGENCY_ACCESS_HOURS = env_int("RITS_EMERGENCY_ACCESS_HOURS", 4)

# The family plan: which life domains it assesses (comma-separated, in this order; all
# by default), the self-sufficiency scale (a JSON file; our own wording by default), and
# after how many days an assessment counts as stale.
PLAN_DOMAINS = env_list("RITS_PLAN_DOMAINS")
PLAN_SCALE_FILE = env_str("RITS_PLAN_SCALE_FILE")
PLAN_ASSESSMENT_STALE_DAYS = env_int("RITS_PLAN_ASSESSMENT_STALE_DAYS", 183)

# --- signals and background work ------------------------------------------------
# The largest signal delivery (a file or a JSON array) accepted, in MB.
SIGNAL_MAX_UPLOAD_MB = env_int("RITS_SIGNAL_MAX_UPLOAD_MB", 200)
# Background work (django-tasks): "database" queues tasks in the database, run by
# `manage.py db_worker` (as many workers as you like); "immediate" runs them at once in
# the process that queues them (tests; the demo, which `make demo` starts without a worker).
_TASK_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}
TASKS_BACKEND = env_str("RITS_TASKS_BACKEND", "immediate" if ENVIRONMENT == "demo" else "database")
if TASKS_BACKEND not in _TASK_BACKENDS:
    raise ImproperlyConfigured("RITS_TASKS_BACKEND must be database or immediate")
TASKS = {"default": {"BACKEND": _TASK_BACKENDS[TASKS_BACKEND]}}

# --- e-mail (notifications) ----------------------------------------------------
# Notifications go out over SMTP when RITS_EMAIL_HOST is set; without it they are
# written to the console (development; they never hold family data). Links in them
# point to RITS_BASE_URL, the address at which people reach Rits.
EMAIL_HOST = env_str("RITS_EMAIL_HOST")
EMAIL_PORT = env_int("RITS_EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("RITS_EMAIL_USER")
EMAIL_HOST_PASSWORD = env_str("RITS_EMAIL_PASSWORD")
EMAIL_USE_TLS = env_bool("RITS_EMAIL_USE_TLS", True)
EMAIL_TIMEOUT = 30
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = env_str("RITS_EMAIL_FROM", "Rits <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
RITS_BASE_URL = env_str("RITS_BASE_URL", "http://localhost:8000")

# --- the daily schedule (rits.scheduling) ---------------------------------------
# When `manage.py run_schedule` queues the daily jobs (local time, HH:MM), and per job
# another time (comma-separated job=HH:MM, e.g. "notifications.digests=07:30").


def _clock(name: str, raw: str) -> datetime.time:
    try:
        hours, minutes = raw.strip().split(":")
        return datetime.time(int(hours), int(minutes))
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a time as HH:MM, got {raw!r}") from None


SCHEDULE_TIME = _clock("RITS_SCHEDULE_TIME", env_str("RITS_SCHEDULE_TIME", "06:00"))
SCHEDULE_JOB_TIMES = {
    job.strip(): _clock("RITS_SCHEDULE_JOB_TIMES", clock)
    for job, _sep, clock in (item.partition("=") for item in env_list("RITS_SCHEDULE_JOB_TIMES"))
}

# --- rules and alerts (signals) -------------------------------------------------
# Rules switched off in this region (comma-separated rule codes, see
# rits/signals/rules.py), the working days an alert is due in (with a crisis signal:
# eviction, cut-off or loss of insurance threatened), and how many days after its due
# date an alert that nobody acknowledged goes to the team lead.
RULES_DISABLED = env_list("RITS_RULES_DISABLED")
ALERT_DUE_WORKING_DAYS = env_int("RITS_ALERT_DUE_WORKING_DAYS", 10)
ALERT_CRISIS_DUE_WORKING_DAYS = env_int("RITS_ALERT_CRISIS_DUE_WORKING_DAYS", 3)
ALERT_ESCALATE_AFTER_DAYS = env_int("RITS_ALERT_ESCALATE_AFTER_DAYS", 0)
# The rules' periods: new arrears within this many months after a debt agreement was
# closed; a missed child-health visit and school absence within this many days; a young
# person turning 18 within this many months.
RULES_RECURRING_ARREARS_MONTHS = env_int("RITS_RULES_RECURRING_ARREARS_MONTHS", 12)
RULES_VISIT_ABSENCE_DAYS = env_int("RITS_RULES_VISIT_ABSENCE_DAYS", 90)
RULES_TRANSITION_MONTHS = env_int("RITS_RULES_TRANSITION_MONTHS", 18)
# Retention: risk registrations (Verwijsindex) at most 2 years; signals that never
# linked; the raw content of deliveries (it holds BSNs) after processing.
RISK_REGISTRATION_RETENTION_DAYS = env_int("RITS_RISK_REGISTRATION_RETENTION_DAYS", 730)
RISK_REGISTRATION_ARCHIVE_DAYS = env_int("RITS_RISK_REGISTRATION_ARCHIVE_DAYS", 1825)
UNLINKED_SIGNAL_RETENTION_DAYS = env_int("RITS_UNLINKED_SIGNAL_RETENTION_DAYS", 180)
SIGNAL_RAW_RETENTION_DAYS = env_int("RITS_SIGNAL_RAW_RETENTION_DAYS", 30)

# --- linking (signals) ----------------------------------------------------------
# Match probabilities of the linkage model (rits/signals/linking/linkage_model.json): from
# RITS_LINK_THRESHOLD a signal is linked to the person, from RITS_REVIEW_THRESHOLD (up to
# the link threshold) a professional reviews the candidate; below it nothing is linked.


def _probability(name: str, default: str) -> float:
    raw = env_str(name, default)
    try:
        value = float(raw)
    except ValueError:
        raise ImproperlyConfigured(
            f"{name} must be a number between 0 and 1, got {raw!r}"
        ) from None
    if not 0 < value < 1:
        raise ImproperlyConfigured(f"{name} must be a number between 0 and 1, got {raw!r}")
    return value


SIGNAL_LINK_THRESHOLD = _probability("RITS_LINK_THRESHOLD", "0.99")
SIGNAL_REVIEW_THRESHOLD = _probability("RITS_REVIEW_THRESHOLD", "0.8")
if SIGNAL_REVIEW_THRESHOLD > SIGNAL_LINK_THRESHOLD:
    raise ImproperlyConfigured("RITS_REVIEW_THRESHOLD must not be above RITS_LINK_THRESHOLD")


def _margin(name: str, default: str) -> float:
    raw = env_str(name, default)
    try:
        value = float(raw)
    except ValueError:
        raise ImproperlyConfigured(
            f"{name} must be a number of bits (0 or more), got {raw!r}"
        ) from None
    if not 0 <= value <= 60:
        raise ImproperlyConfigured(f"{name} must be a number of bits from 0 to 60, got {raw!r}")
    return value


# A candidate from the review threshold whose date of birth fits is linked when every
# other candidate scores at least this many bits (log2 of the odds) below it; 0 (the
# default) turns the rule off: a doubtful match then waits in review even when it is the
# only candidate (see rits.signals.linking, rule 2; on FEBRL 10 bits links every review
# whose date of birth fits, at precision 1.0, issue 12).
SIGNAL_LINK_MARGIN = _margin("RITS_LINK_MARGIN", "0")
