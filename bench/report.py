"""The markdown table of a bench run, each chain-scale cell marked against its target."""
from bench.http_load import NOISY_SHARE

MET, MISSED, FLAG, NOISY = "✓", "✗", "⚠", "~"

# DESIGN §11 and issue 9; they apply at chain scale.
AVAILABILITY_MIN_PER_S = 1000
AVAILABILITY_MIN_OF_SQL_FLOOR = 0.33
SCREEN_MAX_SINGLE_P95_MS = 25
SCREEN_MIN_OF_FLOOR = 0.10
ORDERS_MIN_PER_S_POSTGRES = 200
WORKER_MAX_RSS_MB = 150

DATABASE_NAMES = {"sqlite": "SQLite", "postgres": "PostgreSQL"}


def _mark(value: str, met: bool | None) -> str:
    return value if met is None else f"{value} {MET if met else MISSED}"


def _number(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:,.1f}"


def _successes_per_s(load: dict) -> float:
    return (load["requests"] - load["non_2xx_3xx"] - load["socket_errors"]) / load["seconds"]


def _throughput_cell(run: dict, row: dict) -> str:
    if "error" in row:
        return f"{FLAG} {row['error'][:40]}"
    load = row["load"]
    per_s = _successes_per_s(load)
    floor = row.get("floor_req_per_s", 0)
    share = per_s / floor if floor else 0.0
    cell = f"{NOISY if row['others_cpu'] > NOISY_SHARE else ''}{_number(per_s)} ({share:.0%})"
    met = None
    if run["scale"] == "chain":
        if row["kind"] == "availability":
            met = per_s >= AVAILABILITY_MIN_PER_S and share >= AVAILABILITY_MIN_OF_SQL_FLOOR
        elif row["kind"] == "screen":
            met = share >= SCREEN_MIN_OF_FLOOR
        elif run["database"] == "postgres":
            met = per_s >= ORDERS_MIN_PER_S_POSTGRES and run["oversell"]["ok"]
    cell = _mark(cell, met)
    failures = load["non_2xx_3xx"] + load["socket_errors"] + row["single"]["non_2xx_3xx"]
    if failures:
        cell += f" {FLAG} {failures} non-2xx/3xx"
    if row.get("probe_after"):
        cell += f" {FLAG} {row['probe_after'][:60]}"
    return cell


def _latency_cell(row: dict) -> str:
    if "error" in row:
        return ""
    load = row["load"]
    return f"{load['p50_ms']:.1f} / {load['p95_ms']:.1f} / {load['p99_ms']:.1f}"


def _single_cell(run: dict, row: dict) -> str:
    if "error" in row:
        return ""
    p95 = row["single"]["p95_ms"]
    met = p95 <= SCREEN_MAX_SINGLE_P95_MS if run["scale"] == "chain" and row["kind"] == "screen" else None
    return _mark(f"{p95:.1f}", met)


def _statements_cell(run: dict, key: str, runs: list[dict]) -> str:
    count = run["statements"].get(key)
    if count is None:
        return ""
    if isinstance(count, str):
        return f"{FLAG} {count}"
    demo = next((other for other in runs if other["database"] == run["database"]
                 and other["scale"] == "demo"), None)
    met = None
    if run["scale"] == "chain" and demo is not None and key in demo["statements"]:
        met = count == demo["statements"][key]  # a demo-scale error marks it missed
    return _mark(str(count), met)


def _column_title(run: dict) -> str:
    return f"{DATABASE_NAMES[run['database']]} {run['scale']}"


def table(results: dict) -> str:
    runs = results["runs"]
    header = ["request"]
    for run in runs:
        title = _column_title(run)
        header += [f"{title}: req/s (% of floor)", "p50 / p95 / p99 ms", "1 conn p95 ms", "SQL"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]

    keys = list(runs[0]["requests"]) if runs else []
    for key in keys:
        cells = [runs[0]["requests"][key]["label"]]
        for run in runs:
            row = run["requests"][key]
            cells += [_throughput_cell(run, row), _latency_cell(row), _single_cell(run, row),
                      _statements_cell(run, key, runs)]
        lines.append("| " + " | ".join(cells) + " |")

    sourcing_labels = {"plan_3_lines": "Sourcing a 3-line order: `plan_line` × 3 (in process)",
                       "place_order_3_lines": "`place_order` 3 lines, rolled back (in process)"}
    for key, label in sourcing_labels.items():
        cells = [label]
        for run in runs:
            timing = run["sourcing"][key]
            cells += ["", f"p50 {timing['p50_ms']:.1f}", f"{timing['p95_ms']:.1f}",
                      _mark(str(timing["statements"]), None)]
        lines.append("| " + " | ".join(cells) + " |")

    floor_labels = {"constant": "Floor: bare Flask `/` (constant string)",
                    "availability_sql": "Floor: availability as raw SQL (same driver)"}
    for key, label in floor_labels.items():
        cells = [label]
        for run in runs:
            floor = run["floors"][key]
            if "error" in floor:
                cells += [f"{FLAG} {floor['error'][:40]}", "", "", ""]
                continue
            low, high = floor["req_per_s_range"]
            cells += [f"{_number(floor['req_per_s'])} ({_number(low)}–{_number(high)})", _latency_cell(floor),
                      f"{floor['single']['p95_ms']:.1f}", ""]
        lines.append("| " + " | ".join(cells) + " |")

    cells = ["Worker RSS after the load, max (MB)"]
    for run in runs:
        rss = run["server"]["worker_rss_mb_max"]
        cell = _mark(f"{rss:.0f}", rss < WORKER_MAX_RSS_MB if run["scale"] == "chain" else None)
        if run["server"]["workers_replaced"]:
            cell += f" {FLAG} {run['server']['workers_replaced']} workers died"
        cells += [cell, "", "", ""]
    lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def preamble(results: dict) -> str:
    settings = results["settings"]
    lines = [
        f"{results['date'][:10]}, commit {results['git_commit'][:10]}"
        f"{' (uncommitted changes)' if results['git_dirty'] else ''}, {results['machine']['nproc']} cores "
        f"{results['machine']['cpu']}; gunicorn {settings['workers']} sync workers, "
        f"wrk -t{settings['threads']} -c{settings['connections']} -d{settings['duration']}s "
        f"(1 conn: -t1 -c1 -d{settings['single_duration']}s).",
    ]
    for run in results["runs"]:
        facts = run["facts"]
        oversell = run["oversell"]
        if run["server"]["logged_errors"]:
            lines.append(f"- {FLAG} {_column_title(run)}: gunicorn logged errors, see results.json "
                         f"(first: {run['server']['logged_errors'][0][:100]})")
        shares = [row["others_cpu"] for row in run["requests"].values() if "others_cpu" in row]
        lines.append(
            f"- {_column_title(run)}: other processes used {sum(shares) / max(len(shares), 1):.0%} of the "
            f"machine's CPU during the loads (at most {max(shares, default=0):.0%}).")
        lines.append(
            f"- {_column_title(run)}: {facts['stores']} stores, {facts['products']:,} products, "
            f"{facts['stock_levels']:,} stock levels, {facts['open_orders']:,} open orders, "
            f"{facts['offers']:,} offers. Order load: {oversell['orders_created']:,} orders of "
            f"{', '.join(run['fixtures']['order_skus'])} for pickup at {run['fixtures']['order_store']}, "
            f"{oversell['over_allocated_levels']} levels allocated beyond stock, "
            f"{oversell['levels_off_ledger']} levels off their movements"
            f"{'' if oversell['ok'] else f' {FLAG} OVERSELL'}.")
    return "\n".join(lines)


LEGEND = (
    f"{MET} met, {MISSED} missed (chain scale): availability ≥ {AVAILABILITY_MIN_PER_S:,} req/s and "
    f"≥ {AVAILABILITY_MIN_OF_SQL_FLOOR:.0%} of the raw-SQL floor; screens 1-connection p95 ≤ "
    f"{SCREEN_MAX_SINGLE_P95_MS} ms and ≥ {SCREEN_MIN_OF_FLOOR:.0%} of the bare-Flask floor; "
    f"orders ≥ {ORDERS_MIN_PER_S_POSTGRES} orders/s on PostgreSQL with zero oversell; SQL statements "
    f"per request the same as at demo scale; worker RSS < {WORKER_MAX_RSS_MB} MB. "
    f"{FLAG}: a response other than 2xx/3xx, or a failed check. {NOISY}: other processes used more than "
    f"{NOISY_SHARE:.0%} of the CPU during the load (of its least disturbed try). The % is of the "
    "bare-Flask floor, of the raw-SQL floor for availability, each loaded just before the request it is "
    "compared with; a floor "
    "row is the mean of those loads (their range in brackets); the scan answers 303 (htmx then fetches the "
    "task screen)."
)
