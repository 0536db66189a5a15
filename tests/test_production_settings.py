"""Production refuses to start without 2FA, secure cookies, HSTS and a CSP."""

import os
import subprocess
import sys

from cryptography.fernet import Fernet

SAFE = {
    "RITS_ENVIRONMENT": "production",
    "RITS_SECRET_KEY": "x" * 50,
    "RITS_BSN_KEYS": Fernet.generate_key().decode(),
    "RITS_BSN_PSEUDONYM_KEY": "a-real-pseudonym-key",
    "RITS_ALLOWED_HOSTS": "rits.example.nl",
    "DATABASE_URL": "sqlite:///:memory:",
}


def start(**overrides: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RITS_")}
    env.update(SAFE)
    env.update(overrides)
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; print(settings.SECURE_HSTS_SECONDS)",
        ],
        env={**env, "DJANGO_SETTINGS_MODULE": "rits.conf.settings", "PYTHONPATH": "src"},
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_starts_with_safe_settings():
    result = start()
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "31536000"


def test_production_refuses_unsafe_settings():
    cases = {
        "RITS_REQUIRE_2FA": ("0", "RITS_REQUIRE_2FA"),
        "RITS_SECURE_COOKIES": ("0", "RITS_SECURE_COOKIES"),
        "RITS_HSTS_SECONDS": ("0", "RITS_HSTS_SECONDS"),
        "RITS_CSP": ("0", "RITS_CSP"),
        "RITS_DEMO": ("1", "RITS_DEMO"),
        "RITS_SECRET_KEY": ("", "RITS_SECRET_KEY"),
        "RITS_BSN_KEYS": ("", "RITS_BSN_KEYS"),
        "RITS_DIGID_MOCK": ("1", "RITS_DIGID_MOCK"),
    }
    for name, (value, expected) in cases.items():
        result = start(**{name: value})
        assert result.returncode != 0, name
        assert "Refusing to start in production" in result.stderr and expected in result.stderr, (
            name
        )


def test_every_environment_variable_is_documented():
    from rits.conf.environment import READ

    documented = open("docs/configuration.md", encoding="utf-8").read()
    missing = sorted(name for name in READ if f"`{name}`" not in documented)
    assert not missing, f"undocumented: {missing}"
