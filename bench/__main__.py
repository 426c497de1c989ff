"""`make bench`: each screen and API call under gunicorn and wrk, against floors of the same run.

    .venv/bin/python -m bench                                  # both databases, both scales
    .venv/bin/python -m bench --db sqlite --scale demo --duration 3
    .venv/bin/python -m bench --scale chain --chain-options "--stores 30 --skus 2000"

For each (database, scale): a fresh copy of the bench's built database (databases.py);
statement counts and sourcing timings in process (in_process.py); the floors
(floor_app.py) and the app under the same gunicorn command, each request probed, loaded
right after a load of its floor, warmed up, loaded by wrk and timed on one connection,
with the CPU other processes took meanwhile; worker RSS; the stock ledger checked around
the order load. Writes bench/results.json and prints the markdown table.
bench/stock_and_today.py is a separate command (it builds its own throwaway data).
"""
import argparse
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

from bench import databases, http_load, in_process, report
from bench.measured import measured_requests

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results.json"
WARM_UP_SECONDS = 1  # each worker compiles templates and fills caches before it is measured


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--db", default="sqlite,postgres", help="sqlite, postgres or both (comma)")
    parser.add_argument("--scale", default="demo,chain", help="demo, chain or both (comma)")
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per request")
    parser.add_argument("--single-duration", type=int, default=3,
                        help="seconds of one-connection requests per request")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--chain-options", default="",
                        help='options of `flask demo scale`, e.g. "--stores 30 --skus 2000"; '
                             'its defaults if empty')
    parser.add_argument("--pg-server", default=databases.DEFAULT_PG_SERVER)
    parser.add_argument("--noisy-retries", type=int, default=0,
                        help="measure a request again, up to this many times, when other processes used "
                             f"more than {http_load.NOISY_SHARE:.0%}% of the CPU during its load")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the bench's databases first")
    parser.add_argument("--output", type=Path, default=RESULTS)
    arguments = parser.parse_args()
    for name, allowed in (("db", {"sqlite", "postgres"}), ("scale", {"demo", "chain"})):
        chosen = [part.strip() for part in getattr(arguments, name).split(",") if part.strip()]
        if not chosen or set(chosen) - allowed:
            parser.error(f"--{name} takes {', '.join(sorted(allowed))} or both, comma-separated")
        setattr(arguments, name, chosen)
    return arguments


class Measurer:
    """Loads requests with the run's settings, measuring again what neighbours disturbed if asked."""

    def __init__(self, arguments: argparse.Namespace, our_pids: Callable[[], set[int]]):
        self.arguments = arguments
        self.our_pids = our_pids  # the processes serving the bench (workers, database backends)

    def _load(self, port: int, request: http_load.Request, seconds: int, threads: int, connections: int,
              key_prefix: str) -> tuple[http_load.Load, float]:
        with http_load.cpu_of_others(self.our_pids()) as neighbours:
            load = http_load.wrk(port, request, seconds, threads, connections, key_prefix)
        return load, neighbours["others_cpu"]

    def measure(self, port: int, request: http_load.Request, key_prefix: str,
                floor: tuple[int, http_load.Request] | None = None) -> dict:
        """Probe, then (floor load,) warm-up, load and one connection, then probe again; nothing
        is measured on a wrong answer. Of several tries, the one the neighbours disturbed least."""
        problem = http_load.probe(port, request)
        if problem:
            return {"error": problem}
        kept = None
        try:
            for attempt in range(1 + self.arguments.noisy_retries):
                tried = self._attempt(port, request, f"{key_prefix}-{attempt}", floor)
                if kept is None or tried["others_cpu"] < kept["others_cpu"]:
                    kept = tried | {"kept_try": attempt + 1}
                if tried["others_cpu"] <= http_load.NOISY_SHARE:
                    break
        except subprocess.CalledProcessError as failed:
            return {"error": f"wrk failed: {failed.stderr.strip()[:200]}"}
        return kept | {"tries": attempt + 1, "probe_after": http_load.probe(port, request)}

    def _attempt(self, port: int, request: http_load.Request, key_prefix: str,
                 floor: tuple[int, http_load.Request] | None) -> dict:
        threads, connections = self.arguments.threads, self.arguments.connections
        tried, disturbed = {}, []
        if floor is not None:
            floor_load, others = self._load(*floor, self.arguments.duration, threads, connections, "")
            tried["floor_req_per_s"] = round(floor_load.per_second, 1)
            disturbed.append(others)
        http_load.wrk(port, request, WARM_UP_SECONDS, threads, connections, f"{key_prefix}w")
        load, others = self._load(port, request, self.arguments.duration, threads, connections,
                                  f"{key_prefix}l")
        disturbed.append(others)
        # wrk stops at its deadline; the workers still serve the connections queued for them.
        time.sleep(load.p99_ms * 2 / 1000 + 0.5)
        single, others = self._load(port, request, self.arguments.single_duration, 1, 1, f"{key_prefix}s")
        disturbed.append(others)
        return tried | {"load": load.as_json(), "single": single.as_json(), "others_cpu": max(disturbed)}


def http_request(measured, sessions: dict[str, http_load.SignedIn]) -> http_load.Request:
    headers = dict(measured.headers)
    if measured.user:
        signed_in = sessions[measured.user]
        headers["Cookie"] = signed_in.cookie
        if measured.method != "GET":
            headers["X-CSRFToken"] = signed_in.csrf_token  # as base.html's hx-headers send it
    return http_load.Request(measured.method, measured.path, measured.expect, headers, measured.body,
                             measured.fresh_idempotency_key)


FLOOR_PATHS = {"constant": "/", "availability_sql": f"/availability?sku={in_process.HELD_EVERYWHERE_SKU}"}


def floor_of(measured) -> str:
    return "availability_sql" if measured.kind == "availability" else "constant"


def measure_over_http(url: str, requests: list, arguments, run_id: str) -> tuple[dict, dict, dict]:
    """The floors, then each request right after a load of its floor, which gives its share.

    The machine is shared: a floor loaded just before the request it is compared with sees
    the same neighbours; the floor rows show the spread of all those loads.
    """
    floor_requests = {key: http_load.Request("GET", path, 200) for key, path in FLOOR_PATHS.items()}
    rows = {}
    with (http_load.Gunicorn("bench.floor_app:app", url, arguments.workers) as floor_server,
          http_load.Gunicorn("app:app", url, arguments.workers) as app_server):
        measurer = Measurer(arguments, lambda: floor_server.worker_pids() | app_server.worker_pids()
                            | databases.backend_pids(url))
        floors = {key: measurer.measure(floor_server.port, request, f"{run_id}-{key}")
                  for key, request in floor_requests.items()}
        floor_rates = {key: [floor["load"]["req_per_s"]] for key, floor in floors.items() if "load" in floor}
        sessions = {user: http_load.sign_in(app_server.port, user)
                    for user in sorted({m.user for m in requests if m.user})}
        for measured in requests:
            print(f"    {measured.key}", flush=True)
            floor = floor_of(measured)
            row = rows[measured.key] = {"label": measured.label, "kind": measured.kind,
                                        "method": measured.method, "path": measured.path}
            paired_floor = (floor_server.port, floor_requests[floor]) if floor in floor_rates else None
            row |= measurer.measure(app_server.port, http_request(measured, sessions),
                                    f"{run_id}-{measured.key}", paired_floor)
            if "floor_req_per_s" in row:
                floor_rates[floor].append(row["floor_req_per_s"])
        rss = app_server.worker_rss_mb()
        server = {"worker_rss_mb": rss, "worker_rss_mb_max": max(rss),
                  "workers_replaced": app_server.workers_replaced(),
                  "logged_errors": app_server.logged_errors()[:20]}
    for key, rates in floor_rates.items():
        floors[key] |= {"req_per_s": round(sum(rates) / len(rates), 1),
                        "req_per_s_range": [min(rates), max(rates)], "loads": len(rates)}
    return floors, rows, server


def run_target(target: databases.Target, arguments) -> dict:
    started = time.perf_counter()
    print(f"== {target.database} {target.scale}", flush=True)
    built = databases.ensure_built(target, arguments.rebuild)
    print(f"  database {built['database']} ({built['obtained']})", flush=True)
    run_id = f"bench-{int(time.time())}-{target.database}-{target.scale}"
    with databases.working_copy(target, built["database"]) as url:
        with in_process.app_for(url) as app:
            fixtures = in_process.prepare(app)
            requests = measured_requests(fixtures)
            statements = in_process.statements_per_request(app, [m for m in requests if not m.writes])
            sourcing = in_process.time_sourcing(app, fixtures)
            ledger_before = in_process.ledger(app, fixtures.order_skus)
        load_average = [os.getloadavg()[0]]
        print("  over HTTP", flush=True)
        floors, rows, server = measure_over_http(url, requests, arguments, run_id)
        load_average.append(os.getloadavg()[0])
        with in_process.app_for(url) as app:
            ledger_after = in_process.ledger(app, fixtures.order_skus)
            statements |= in_process.statements_per_request(app, [m for m in requests if m.writes])
    return {
        "database": target.database, "scale": target.scale, "chain_options": target.chain_options,
        "built": built, "facts": fixtures.facts,
        "fixtures": {"pick_task_id": fixtures.pick_task_id, "pick_units_left": fixtures.pick_units_left,
                     "ready_order_id": fixtures.ready_order_id, "order_skus": fixtures.order_skus,
                     "order_store": fixtures.order_store},
        "floors": floors, "requests": rows,
        "statements": statements, "sourcing": sourcing,
        "server": server, "oversell": in_process.oversell_check(ledger_before, ledger_after),
        "load_average_1min": load_average, "seconds": round(time.perf_counter() - started, 1),
    }


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    return {"nproc": os.cpu_count(), "cpu": cpu, "python": platform.python_version(),
            "wrk": subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout.split("\n")[0]}


def git(*arguments: str) -> str:
    return subprocess.run(["git", *arguments], cwd=ROOT, capture_output=True, text=True).stdout.strip()


def main() -> None:
    arguments = parse_arguments()
    started = time.perf_counter()
    results = {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": machine(),
        "git_commit": git("rev-parse", "HEAD"),
        "git_dirty": bool(git("status", "--porcelain", "--untracked-files=no")),
        "settings": {"duration": arguments.duration, "single_duration": arguments.single_duration,
                     "threads": arguments.threads, "connections": arguments.connections,
                     "workers": arguments.workers, "chain_options": arguments.chain_options,
                     "noisy_retries": arguments.noisy_retries,
                     "warm_up_seconds": WARM_UP_SECONDS},
        "runs": [],
    }
    for database in arguments.db:
        for scale in arguments.scale:
            target = databases.Target(database, scale, arguments.chain_options, arguments.pg_server)
            results["runs"].append(run_target(target, arguments))
    results["seconds"] = round(time.perf_counter() - started, 1)
    results["markdown"] = "\n\n".join([report.preamble(results), report.table(results), report.LEGEND])
    arguments.output.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print()
    print(results["markdown"])
    print(f"\n{arguments.output} written in {results['seconds']:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
