"""Web benchmark: how fast are the pages a coordinator uses, at 16 concurrent clients,
against a region of realistic size on PostgreSQL?

    .venv/bin/python bench/web.py --families 100000      (what `make bench-web` runs)

It migrates and builds the demo region (build_demo is idempotent, so a second run skips
straight to measuring), starts gunicorn in demo mode, logs 16 clients in as the demo
coordinator through the login form, warms up, and then measures each page in turn with all
clients requesting it back to back. Every number is relative to /health/, the trivial
one-query view, so that the machine's own speed drops out of the comparison.

Timings belong here, never in tests (see CONVENTIONS.md)."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import quote

import httpx
from region import ROOT, SRC, app_env, database_url, ensure_database, manage

BIN = Path(sys.executable).parent
COORDINATOR = "coordinator@demo.rits.nl"
STORY_FAMILY = "DEMO-1"

# The targets the lead set; printed next to the figures, not asserted.
TARGET_OVERVIEW_P95_MS = 150.0
TARGET_RATIO_TO_TRIVIAL = 3.0

CSRF = re.compile(r'name="csrfmiddlewaretoken"\s+value="([^"]+)"')


# --- set-up ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(env: dict[str, str], port: int, workers: int, threads: int, app: str):
    command = [
        str(BIN / "gunicorn"),
        app,
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        # Longer than gunicorn's default 2 s, so that a client never sends on a connection
        # the server is just closing (that race shows up as dropped requests, not latency).
        "--keep-alive",
        "30",
    ]
    process = subprocess.Popen(command, env=env, cwd=ROOT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit("gunicorn stopped during start-up; see its output above.")
        try:
            if httpx.get(f"{base}/health/", timeout=2).status_code == 200:
                return process, base
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    stop(process)
    sys.exit("gunicorn did not answer /health/ within 60 s.")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def coordinator_caseload(url: str) -> tuple[int, list[int], list[str]]:
    """DEMO-1's id, the ids of the families the demo coordinator sees, and search words
    (their surnames), read through rits.access like every page does."""
    os.environ.update(app_env(url))
    sys.path.insert(0, str(SRC))
    import django

    django.setup()
    from rits.access.rules import visible_families
    from rits.organisations.models import User

    user = User.objects.get(email=COORDINATOR)
    rows = list(visible_families(user).order_by("id").values_list("id", "reference", "name"))
    story = next(pk for pk, reference, _ in rows if reference == STORY_FAMILY)
    words = sorted({name.removeprefix("Gezin ").split()[-1] for _, _, name in rows})
    from django.db import connections

    connections.close_all()
    return story, [pk for pk, _, _ in rows], words


# --- clients --------------------------------------------------------------------------


async def login(client: httpx.AsyncClient, password: str) -> None:
    page = await client.get("/login/")
    if page.status_code != 200:
        raise SystemExit(f"GET /login/ answered {page.status_code}; is the login template there?")
    token = CSRF.search(page.text)
    if token is None:
        raise SystemExit("No CSRF token in the login form.")
    response = await client.post(
        "/login/",
        data={
            "csrfmiddlewaretoken": token.group(1),
            "username": COORDINATOR,
            "password": password,
        },
        headers={"Referer": f"{client.base_url}/login/"},
    )
    if response.status_code != 302 or "/login/" in response.headers.get("location", ""):
        raise SystemExit(f"Logging in failed ({response.status_code}); is demo mode on?")
    home = await client.get("/")
    if home.status_code != 200:
        raise SystemExit(f"After logging in, / answered {home.status_code}.")


@dataclass
class Page:
    name: str
    paths: list[str]
    latencies_ms: list[float] = field(default_factory=list)  # under all clients
    single_ms: list[float] = field(default_factory=list)  # one client alone
    errors: int = 0
    seconds: float = 0.0

    def percentile(self, p: float, attribute: str = "latencies_ms") -> float:
        values = sorted(getattr(self, attribute))
        if not values:
            return float("nan")
        rank = max(0, min(len(values) - 1, round(p / 100 * len(values) + 0.5) - 1))
        return values[rank]

    @property
    def per_second(self) -> float:
        return len(self.latencies_ms) / self.seconds if self.seconds else 0.0


async def hammer(
    clients: list[httpx.AsyncClient],
    page: Page,
    *,
    requests: int,
    seconds: float | None,
    record: str | None,
) -> None:
    """All clients request ``page`` back to back (closed loop), each starting at its own
    place in the list of paths so that they do not all ask for the same family.
    ``record`` names the list the latencies go to (None during the warm-up)."""

    async def one(index: int, client: httpx.AsyncClient) -> None:
        deadline = time.perf_counter() + seconds if seconds else None
        n = 0
        while (n < requests) if deadline is None else (time.perf_counter() < deadline):
            path = page.paths[(index * 7 + n) % len(page.paths)]
            started = time.perf_counter()
            try:
                response = await client.get(path)
            except httpx.TransportError:
                response = None
            elapsed = (time.perf_counter() - started) * 1000
            n += 1
            if not record:
                continue
            if response is not None and response.status_code == 200:
                getattr(page, record).append(elapsed)
            else:
                page.errors += 1

    started = time.perf_counter()
    await asyncio.gather(*(one(i, c) for i, c in enumerate(clients)))
    if record == "latencies_ms":
        page.seconds = time.perf_counter() - started


async def measure(base: str, pages: list[Page], args) -> None:
    from rits.demo.staff import DEMO_PASSWORD

    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    clients = [
        httpx.AsyncClient(base_url=base, limits=limits, timeout=60, follow_redirects=False)
        for _ in range(args.clients)
    ]
    try:
        await asyncio.gather(*(login(c, DEMO_PASSWORD) for c in clients))
        print(f"{len(clients)} clients logged in as {COORDINATOR}.")
        for page in pages:  # warm-up: code paths, caches, connections
            await hammer(clients, page, requests=args.warmup, seconds=None, record=None)
        for page in pages:
            # One client alone first: the cost of the page itself, without queueing.
            await hammer(clients[:1], page, requests=args.single, seconds=None, record="single_ms")
            await hammer(
                clients, page, requests=args.requests, seconds=args.seconds, record="latencies_ms"
            )
            print(f"  measured {page.name}")
    finally:
        await asyncio.gather(*(c.aclose() for c in clients))


# --- report ---------------------------------------------------------------------------


def report(pages: list[Page], args, families_seen: int, load: tuple[float, float]) -> str:
    trivial = pages[0]
    t50, t95 = trivial.percentile(50), trivial.percentile(95)
    header = (
        f"{'page':<28}{'requests':>9}{'errors':>7}{'p50 ms':>9}{'p95 ms':>9}{'req/s':>8}"
        f"{'p50 ×':>8}{'p95 ×':>8}{'1 client p50':>14}"
    )
    lines = [
        "",
        f"Rits web benchmark — {args.families:,} families, {args.clients} concurrent clients, "
        f"gunicorn {args.workers} workers × {args.threads} threads, {os.cpu_count()} CPUs "
        f"(clients, gunicorn and PostgreSQL on one machine)",
        f"coordinator sees {families_seen} families; ratios are to {trivial.name}; "
        f"load average {load[0]:.1f} before, {load[1]:.1f} after (other work on the machine "
        f"skews the figures)",
        "",
        header,
        "-" * len(header),
    ]
    for page in pages:
        p50, p95 = page.percentile(50), page.percentile(95)
        lines.append(
            f"{page.name:<28}{len(page.latencies_ms):>9}{page.errors:>7}{p50:>9.1f}{p95:>9.1f}"
            f"{page.per_second:>8.0f}{p50 / t50:>8.1f}{p95 / t95:>8.1f}"
            f"{page.percentile(50, 'single_ms'):>14.1f}"
        )
    overview = next(p for p in pages if p.name.startswith("family overview"))
    o95 = overview.percentile(95)
    ok_abs = o95 < TARGET_OVERVIEW_P95_MS
    ok_rel = o95 <= TARGET_RATIO_TO_TRIVIAL * t95
    lines += [
        "",
        "Targets (reported, not asserted):",
        f"  family overview p95 < {TARGET_OVERVIEW_P95_MS:.0f} ms at {args.clients} clients: "
        f"{o95:.1f} ms — {'met' if ok_abs else 'NOT met'}",
        f"  family overview p95 within {TARGET_RATIO_TO_TRIVIAL:.0f}× the trivial view: "
        f"{o95 / t95:.1f}× — {'met' if ok_rel else 'NOT met'}",
    ]
    return "\n".join(lines)


def save(pages: list[Page], args) -> Path:
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"web-{time.strftime('%Y%m%d-%H%M%S')}.json"
    data = {
        "args": vars(args),
        "cpus": os.cpu_count(),
        "pages": [
            {
                **{
                    k: v
                    for k, v in asdict(p).items()
                    if k not in {"latencies_ms", "single_ms", "paths"}
                },
                "single_p50_ms": p.percentile(50, "single_ms"),
                "requests": len(p.latencies_ms),
                "p50_ms": p.percentile(50),
                "p95_ms": p.percentile(95),
                "per_second": p.per_second,
            }
            for p in pages
        ],
    }
    path.write_text(json.dumps(data, indent=2))
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--families", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--requests", type=int, default=100, help="per client, per page")
    parser.add_argument("--seconds", type=float, help="per page, instead of --requests")
    parser.add_argument("--warmup", type=int, default=5, help="requests per client, per page")
    parser.add_argument(
        "--single", type=int, default=30, help="requests by one client alone, per page"
    )
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--skip-build", action="store_true", help="measure the region as it is")
    parser.add_argument(
        "--wsgi",
        default="rits.conf.wsgi",
        help="WSGI module to serve (to measure a candidate change without editing the tree; "
        "put its directory on PYTHONPATH)",
    )
    args = parser.parse_args()

    url = database_url("bench/web.py")
    env = app_env(url)
    ensure_database(url)
    if not args.skip_build:
        manage(env, "migrate", "--no-input", "-v", "0")
        manage(env, "build_demo", "--families", str(args.families))
    story, caseload, words = coordinator_caseload(url)

    pages = [
        Page("/health/ (trivial view)", ["/health/"]),
        Page(
            "family overview",
            [f"/families/{pk}/" for pk in [story, *[pk for pk in caseload if pk != story]]],
        ),
        Page("family overview DEMO-1", [f"/families/{story}/"]),
        Page("plan DEMO-1", [f"/families/{story}/plan/"]),
        Page("my families (/)", ["/"]),
        Page("search (/?q=surname)", [f"/?q={quote(w)}" for w in words]),
    ]
    load_before = os.getloadavg()[0]
    process, base = start_gunicorn(env, free_port(), args.workers, args.threads, args.wsgi)
    try:
        asyncio.run(measure(base, pages, args))
    finally:
        stop(process)
    print(report(pages, args, len(caseload), (load_before, os.getloadavg()[0])))
    print(f"\nraw figures: {save(pages, args).relative_to(ROOT)}")


if __name__ == "__main__":
    main()
