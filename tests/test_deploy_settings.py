"""Production settings are secure from the environment alone: with DEBUG=0 and a SECRET_KEY,
``check --deploy`` has nothing to say; SROS_ALLOW_HTTP=1 (tests, demo, benches) turns off the
HTTPS parts and only those. Each check runs in a fresh interpreter with a minimal environment,
since settings are read once at start-up."""

import os
import re
import secrets
import subprocess
import sys

from django.conf import settings

HTTPS_CHECKS = {"security.W004", "security.W008", "security.W012", "security.W016"}


def run_check(**env: str) -> subprocess.CompletedProcess:
    base = {
        "PATH": os.environ["PATH"],
        "DATABASE_URL": os.environ.get("DATABASE_URL", ""),
        "SECRET_KEY": secrets.token_urlsafe(48),  # 64 characters
    }
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def reported_checks(result: subprocess.CompletedProcess) -> set[str]:
    return set(re.findall(r"\((\w+\.[WE]\d+)\)", result.stdout + result.stderr))


def test_it_passes_the_deploy_check_with_only_debug_off_and_a_secret_key():
    result = run_check(DEBUG="0")
    assert result.returncode == 0, result.stdout + result.stderr
    assert reported_checks(result) == set()


def test_allow_http_relaxes_only_the_https_parts():
    result = run_check(DEBUG="0", SROS_ALLOW_HTTP="1")
    assert result.returncode == 1
    assert reported_checks(result) == HTTPS_CHECKS


def test_it_refuses_to_start_without_a_secret_key_when_debug_is_off():
    result = run_check(DEBUG="0", SECRET_KEY="")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_the_proxy_header_is_trusted_only_when_asked():
    code = (
        "import os; os.environ['DJANGO_SETTINGS_MODULE'] = 'config.settings'; "
        "from django.conf import settings; "
        "print(getattr(settings, 'SECURE_PROXY_SSL_HEADER', None))"
    )
    env = {"PATH": os.environ["PATH"], "DEBUG": "0", "SECRET_KEY": secrets.token_urlsafe(48)}

    def proxy_header(**extra: str) -> str:
        result = subprocess.run(
            [sys.executable, "-c", code],
            cwd=settings.BASE_DIR,
            env={**env, **extra},
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        return result.stdout.strip()

    assert proxy_header() == "None"
    assert proxy_header(SROS_SECURE_PROXY_SSL_HEADER="1") == "('HTTP_X_FORWARDED_PROTO', 'https')"


def test_the_pages_carry_a_content_security_policy_without_unsafe_sources(client):
    policy = client.get("/connexion/")["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    # The nonce is added to a directive only on pages that use one (django-csp's lazy nonce).
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["default-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert "unsafe" not in policy
