"""Reading configuration from environment variables.

Every variable Rits reads goes through these helpers, so that the list in
``docs/configuration.md`` can be checked against the code (see tests).
"""

import os

from django.core.exceptions import ImproperlyConfigured

READ: set[str] = set()


def env_str(name: str, default: str = "") -> str:
    READ.add(name)
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = env_str(name, "1" if default else "0").strip().lower()
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off", ""}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = env_str(name, str(default))
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, got {raw!r}") from None


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]
