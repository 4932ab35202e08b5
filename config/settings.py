"""Settings of the SROS planner, read from the environment.

Two set-ups share this file:
- demo (no ``DATABASE_URL``): an embedded SpatiaLite file under ``var/``, Celery tasks run eagerly;
- production (``DATABASE_URL=postgis://…``, ``REDIS_URL=redis://…``): PostGIS, Redis, workers.
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from .env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("SROS_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", False)
# Plain HTTP on loopback (the tests, the demo, the benches): turns off the HTTPS-only settings
# below, and only those. Never set in production (docker-compose.yml does not).
ALLOW_HTTP = env_bool("SROS_ALLOW_HTTP", False)
SECRET_KEY = env_str("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG and (not ALLOW_HTTP or env_bool("SROS_REQUIRE_SECRET_KEY", False)):
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG=0 (or SROS_ALLOW_HTTP=1 for a local test server)"
        )
    # Only for the demo and the tests: a fixed key is harmless on loopback.
    SECRET_KEY = "insecure-demo-key-do-not-use-in-production"
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")

INSTALLED_APPS = [
    "access.admin_site.AdminConfig",  # django.contrib.admin, its site for administrators only
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "axes",
    "csp",
    "django_filters",
    "simple_history",
    "rest_framework",
    "rest_framework.authtoken",
    "rest_framework_gis",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # Our apps, lowest layer first (docs/architecture.md).
    "access",
    "territories",
    "facilities",
    "pathways",
    "indicators",
    "sros",
    "opendata",
    "dashboard",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy header and the per-request nonce (request.csp_nonce) that every
    # inline <script>/<style> of our templates and of folium's maps carries.
    "csp.middleware.CSPMiddleware",
    # Serves collected static files in production (gunicorn serves none); no CDN anywhere.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Errors under /api/ in JSON, whoever makes them (404 of an unknown URL, 413, 500).
    "core.api_errors.ApiJsonErrorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Our 403/404/500 pages; in DEBUG, our 404 instead of Django's technical one (core/errors.py).
    "core.errors.ErrorPagesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Lets django-simple-history record who made a change made outside the services.
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: turns a locked-out login (django-axes) into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
            ],
            # core is no app (no models): its template library is named here.
            "libraries": {
                "sros_format": "core.templatetags.sros_format",
                "sros_maps": "core.templatetags.sros_maps",
            },
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DEMO_DATABASE_URL = f"spatialite:///{VAR_DIR / 'sros-demo.sqlite3'}"
DATABASE_URL = env_str("DATABASE_URL", DEMO_DATABASE_URL)
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
USING_SPATIALITE = DATABASES["default"]["ENGINE"].endswith("spatialite")
if USING_SPATIALITE:
    SPATIALITE_LIBRARY_PATH = "mod_spatialite"
    # The demo's web and its Celery worker write to one file from several processes. WAL lets
    # readers go on while a writer writes; every transaction takes the write lock when it
    # begins (IMMEDIATE), so a read-then-write never fails half-way with "database is locked"
    # (SQLite cannot upgrade a reader's lock once another process has written); a writer
    # waits up to 30 s for the lock instead of failing (https://sqlite.org/wal.html,
    # https://sqlite.org/lang_transaction.html).
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
elif not DATABASES["default"]["ENGINE"].endswith("postgis"):
    raise ImproperlyConfigured("DATABASE_URL must be postgis://… or spatialite://…")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# GDAL 3.6 (Debian 12) is older than Django 5.2 recommends; it works for everything we use.
SILENCED_SYSTEM_CHECKS = ["gis.W001"]

# --- Auth, i18n -----------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# django-axes first: it refuses a locked-out username+IP before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "schema:index"

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# fr groups thousands with U+202F (narrow no-break space), not Django's U+00A0: core/formats/fr.
FORMAT_MODULE_PATH = ["core.formats"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

# --- Login throttling (django-axes) ---------------------------------------------------------
# SROS_LOGIN_FAILURE_LIMIT wrong passwords for one username from one IP lock that pair for
# SROS_LOGIN_COOLOFF_MINUTES (the page form, the admin and POST /api/token/ alike); a lock
# is lifted early with ``manage.py axes_reset``. The IP is REMOTE_ADDR (django-ipware is not
# installed): behind the proxy that is the proxy's, so the lock is then in effect per username.
AXES_FAILURE_LIMIT = env_int("SROS_LOGIN_FAILURE_LIMIT", 10)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("SROS_LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "access.lockout.lockout_response"
AXES_VERBOSE = False  # no banner on every manage.py command

# --- HTTPS and browser security headers -----------------------------------------------------
# Production (DEBUG=0) is HTTPS-only: HSTS, redirect to HTTPS, cookies never sent in clear.
# Behind the TLS proxy (docker-compose.yml), SROS_SECURE_PROXY_SSL_HEADER=1 trusts its
# X-Forwarded-Proto; only set it when the proxy always overwrites that header.
HTTPS_ONLY = not DEBUG and not ALLOW_HTTP
SECURE_SSL_REDIRECT = HTTPS_ONLY
SESSION_COOKIE_SECURE = HTTPS_ONLY
CSRF_COOKIE_SECURE = HTTPS_ONLY
SECURE_HSTS_SECONDS = env_int("SROS_HSTS_SECONDS", 365 * 24 * 60 * 60) if HTTPS_ONLY else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SROS_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SROS_HSTS_PRELOAD", True)
if env_bool("SROS_SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp): scripts and styles from our own static files, plus
# inline blocks carrying the request's nonce; never 'unsafe-inline' nor 'unsafe-eval'.
# Leaflet's element.style writes are CSSOM, which style-src does not govern; images are our
# files plus data: URIs (Leaflet's and Swagger UI's icons).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
# A background map (core/basemap.py): none by default, so that nothing leaves the server; when
# set, its host is the one foreign source the pages may load images from.
SROS_BASEMAP_URL = env_str("SROS_BASEMAP_URL", "")
SROS_BASEMAP_ATTRIBUTION = env_str("SROS_BASEMAP_ATTRIBUTION", "")
if SROS_BASEMAP_URL:
    from core.basemap import BasemapError, csp_source

    try:
        CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"].append(csp_source(SROS_BASEMAP_URL))
    except BasemapError as error:
        raise ImproperlyConfigured(str(error)) from error
# Where browsers POST the violations they block (e.g. a collector of the host's monitoring).
if SROS_CSP_REPORT_URI := env_str("SROS_CSP_REPORT_URI", ""):
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["report-uri"] = [SROS_CSP_REPORT_URI]

# --- Static files (our own copies of every front-end asset; no CDN) ------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns on every start without it
# Without collectstatic (demo, tests) whitenoise serves straight from the app/static folders.
WHITENOISE_USE_FINDERS = True

# --- Celery ---------------------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL", "")

# --- Caches ---------------------------------------------------------------------------------
# "responses": serialised API list pages and their data version (core/response_cache.py),
# shared by every web worker and invalidated from the importers' processes, so never a
# per-process memory cache: Redis when there is one, else files under VAR_DIR (the demo).
# Entries expire after SROS_RESPONSE_CACHE_SECONDS; a page is also stale as soon as data changes.
RESPONSE_CACHE = "responses"
SROS_RESPONSE_CACHE_SECONDS = env_int("SROS_RESPONSE_CACHE_SECONDS", 6 * 60 * 60)
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    RESPONSE_CACHE: (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # Redis down: a page is built without the cache within a second, not after a hang.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
        if REDIS_URL
        else {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "response-cache"),
        }
    )
    | {"TIMEOUT": SROS_RESPONSE_CACHE_SECONDS, "KEY_PREFIX": "sros"},
}
# The demo's worker (SROS_DEMO_WORKER=1, set by scripts/demo.sh): a real Celery worker and
# beat without Redis, on kombu's SQLAlchemy transport and Celery's database result backend,
# both in one SQLite file under VAR_DIR, in WAL mode with a busy timeout (docs/demo-worker.md).
SROS_DEMO_WORKER = env_bool("SROS_DEMO_WORKER", False) and not REDIS_URL
CELERY_BROKER_FILE = VAR_DIR / "celery.sqlite3"
if SROS_DEMO_WORKER:
    CELERY_BROKER_URL = f"sqla+sqlite:///{CELERY_BROKER_FILE}"
    CELERY_RESULT_BACKEND = f"db+sqlite:///{CELERY_BROKER_FILE}"
    CELERY_DATABASE_ENGINE_OPTIONS = {"connect_args": {"timeout": 30}}
else:
    CELERY_BROKER_URL = REDIS_URL or "memory://"
    CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_TASK_ALWAYS_EAGER = env_bool(
    "CELERY_TASK_ALWAYS_EAGER", not REDIS_URL and not SROS_DEMO_WORKER
)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_TIME_LIMIT = 60 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 55 * 60
CELERY_TASK_ACKS_LATE = True
# A worker process that dies (OOM, kill -9) fails its task instead of having it redelivered at
# once: a task that kills its worker would otherwise loop. The reaper below re-enqueues its run
# or export once.
CELERY_TASK_REJECT_ON_WORKER_LOST = False
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A publish with the broker down fails within about a second (the page answers 503), rather than
# retrying for long while the user waits.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2}
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 2
# A message a dead worker held comes back after this long (kombu's Redis transport): the last
# resort. It must outlast the longest task (its hard time limit), else a task still running
# would be delivered twice; the reaper acts long before it.
SROS_BROKER_VISIBILITY_SECONDS = env_int("SROS_BROKER_VISIBILITY_SECONDS", 2 * 60 * 60)
if SROS_BROKER_VISIBILITY_SECONDS <= CELERY_TASK_TIME_LIMIT:
    raise ImproperlyConfigured(
        f"SROS_BROKER_VISIBILITY_SECONDS={SROS_BROKER_VISIBILITY_SECONDS} must exceed the tasks' "
        f"hard time limit ({CELERY_TASK_TIME_LIMIT} s)"
    )
CELERY_BROKER_TRANSPORT_OPTIONS = (
    # The SQLAlchemy transport hands its options to sqlalchemy.create_engine: only the
    # SQLite driver's busy timeout. It has no visibility timeout (a message taken is gone).
    {"connect_args": {"timeout": 30}}
    if SROS_DEMO_WORKER
    else {"visibility_timeout": SROS_BROKER_VISIBILITY_SECONDS, "socket_connect_timeout": 2}
)
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2}
# Workers beat a heartbeat every SROS_HEARTBEAT_SECONDS on the runs and export jobs they hold;
# the reaper (celery beat, every SROS_REAPER_SECONDS) re-enqueues once, then fails, any of them
# whose heartbeat is older than SROS_STALE_SECONDS. A dead worker's run ends within
# stale + reaper seconds (2 minutes at most with the defaults).
SROS_HEARTBEAT_SECONDS = env_int("SROS_HEARTBEAT_SECONDS", 15)
SROS_STALE_SECONDS = env_int("SROS_STALE_SECONDS", 90)
SROS_REAPER_SECONDS = env_int("SROS_REAPER_SECONDS", 30)
if not 0 < SROS_HEARTBEAT_SECONDS * 3 <= SROS_STALE_SECONDS or SROS_REAPER_SECONDS <= 0:
    raise ImproperlyConfigured(
        "SROS_STALE_SECONDS must be at least 3 × SROS_HEARTBEAT_SECONDS (a late beat or two "
        "must not fail a live run) and every one of them positive"
    )
#: How many times a run or an export job is started in all: the reaper re-enqueues it once.
SROS_MAX_ATTEMPTS = 2
CELERY_BEAT_SCHEDULE = {
    "reap-indicator-runs": {
        "task": "indicators.tasks.reap_runs",
        "schedule": float(SROS_REAPER_SECONDS),
        "options": {"expires": float(SROS_REAPER_SECONDS)},
    },
    "reap-export-jobs": {
        "task": "dashboard.tasks.reap_export_jobs",
        "schedule": float(SROS_REAPER_SECONDS),
        "options": {"expires": float(SROS_REAPER_SECONDS)},
    },
    "reap-import-uploads": {
        "task": "opendata.tasks.reap_uploads",
        "schedule": float(SROS_REAPER_SECONDS),
        "options": {"expires": float(SROS_REAPER_SECONDS)},
    },
    "reap-suggestions": {
        "task": "sros.tasks.reap_suggestions",
        "schedule": float(SROS_REAPER_SECONDS),
        "options": {"expires": float(SROS_REAPER_SECONDS)},
    },
}
# A run still queued or running after this long lost its worker: it is failed (see
# indicators.services.runs_fail_expired). Several task time limits, since chunks queue.
SROS_RUN_EXPIRY_SECONDS = 3 * CELERY_TASK_TIME_LIMIT
# Export jobs (dashboard.exports.jobs): one not ended after this long lost its worker (its
# task's hard limit is 16 min); a finished one, and its file, is kept this long.
SROS_EXPORT_EXPIRY_SECONDS = env_int("SROS_EXPORT_EXPIRY_SECONDS", 60 * 60)
SROS_EXPORT_RETENTION_SECONDS = env_int("SROS_EXPORT_RETENTION_SECONDS", 24 * 60 * 60)
# Exports never run long in a web worker: XLSX, GeoPackage and PDF, and CSV/GeoJSON of more
# rows than this, answer 303 to a job built by a Celery worker (dashboard.exports.views).
SROS_EXPORT_INLINE_MAX_ROWS = env_int("SROS_EXPORT_INLINE_MAX_ROWS", 20_000)
# A script following a running job's URL waits at most this long per request before the job
# redirects to itself (keep it well under gunicorn's --timeout in docker-compose.yml).
SROS_EXPORT_WAIT_SECONDS = env_int("SROS_EXPORT_WAIT_SECONDS", 5)
# Files uploaded on the Imports page (opendata.uploads) are kept in the database until a worker
# has imported them: up to this many bytes (200 MB), larger ones are refused by the form. Django
# streams an upload to a temporary file beyond FILE_UPLOAD_MAX_MEMORY_SIZE (2.5 MB), so the web
# process does not hold it in memory while it arrives; a proxy in front must accept as much.
SROS_UPLOAD_MAX_BYTES = env_int("SROS_UPLOAD_MAX_BYTES", 200 * 1024 * 1024)
if SROS_UPLOAD_MAX_BYTES <= 0:
    raise ImproperlyConfigured("SROS_UPLOAD_MAX_BYTES must be a positive number of bytes")
# An upload not ended after this long lost its worker (its task's hard limit is 60 min).
SROS_UPLOAD_EXPIRY_SECONDS = 3 * 60 * 60

# --- REST API (/api/) -------------------------------------------------------------------------
# Session (the pages' login) or token (scripts) authentication; every endpoint then applies
# access per region. Page size: ?page_size= from 1 to SROS_API_MAX_PAGE_SIZE (else 400).
REST_FRAMEWORK = {
    # Token first: an anonymous request then gets 401 with "WWW-Authenticate: Token".
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "core.pagination.PagePagination",
    "PAGE_SIZE": 100,
    # drf-spectacular's, plus the error answers of each operation (400/401/403/404/409/413).
    "DEFAULT_SCHEMA_CLASS": "core.api_schema.ApiAutoSchema",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
}
SROS_API_MAX_PAGE_SIZE = 1000
SPECTACULAR_SETTINGS = {
    "TITLE": "SROS planner API",
    "DESCRIPTION": "Territories, FINESS facilities, care pathways, stored indicators and the "
    "regional schema. Session or token authentication (POST /api/token/).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Like every page but the login: nothing for anonymous visitors.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # Swagger UI from our own static files (drf-spectacular-sidecar), never from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Several models have a ``kind``: each enum gets its own name instead of a hashed one.
    "ENUM_NAME_OVERRIDES": {
        "FacilityKindEnum": "facilities.models.Facility.Kind",
        "ScenarioChangeKindEnum": "sros.models.ScenarioChange.Kind",
        "LevelStateEnum": "pathways.selectors.STATES",
        "LevelPopulationWeightEnum": "pathways.models.Level.Weight",
        "PopulationWeightUsedEnum": "indicators.api.WEIGHTS_USED",
    },
}

# --- The project's own settings -------------------------------------------------------------
# Where the real open-data files live (the layout of ../shared/data); tests skip without them.
SROS_OPEN_DATA_DIR = Path(env_str("SROS_OPEN_DATA_DIR", str(BASE_DIR.parent / "shared" / "data")))
# Simplification of map geometries (shapely.coverage_simplify, Visvalingam-Whyatt: triangles
# smaller than tolerance² are dropped, so 0.003° removes details under ~300 m × 300 m) and
# the precision of map coordinates (4 decimals ≈ 10 m). Measured on AURA: 0.001 leaves a
# 5.07 MB home page, 0.003 gives 2.53 MB (budget 3 MB), shared edges kept either way.
SROS_MAP_SIMPLIFY_TOLERANCE = 0.003
SROS_MAP_COORD_PRECISION = 4
# A second, coarser map copy of the communes for low zooms (up to SROS_LOW_ZOOM_MAX, where a
# pixel spans 0.0055° or more): details under ~900 m dropped, 3 decimals (≈ 100 m). Measured
# on Grand Est (5,115 communes): the polygons' GeoJSON goes from 1.94 to 0.91 MB, 99.8 %
# valid before the fallback to the map copy (issue 12 §4).
SROS_LOW_ZOOM_SIMPLIFY_TOLERANCE = 0.008
SROS_LOW_ZOOM_COORD_PRECISION = 3
SROS_LOW_ZOOM_MAX = 8

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # WeasyPrint and fontTools narrate every CSS parse at INFO, django-axes every login: keep
    # their warnings only (axes warns on each lock-out).
    "loggers": {name: {"level": "WARNING"} for name in ("weasyprint", "fontTools", "axes")},
}
