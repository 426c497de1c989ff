"""Serving and loading over loopback: gunicorn (sync workers), wrk, and plain HTTP requests."""
import http.client
import json
import os
import re
import resource
import signal
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
WRK_SCRIPT = Path(__file__).resolve().parent / "wrk.lua"
DEMO_PASSWORD = "demo"
# A slow response under load is a figure; wrk's default 2 s would count it as an error instead.
WRK_TIMEOUT = "10s"
TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")
# Other processes using more of the machine's CPU than this during a load disturbed it.
NOISY_SHARE = 0.25


@dataclass(frozen=True)
class Load:
    """What wrk saw in one run: throughput, latency percentiles, and anything but a 2xx/3xx."""

    requests: int
    seconds: float
    non_2xx_3xx: int
    socket_errors: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def failures(self) -> int:
        return self.non_2xx_3xx + self.socket_errors

    def as_json(self) -> dict:
        return {"requests": self.requests, "seconds": round(self.seconds, 2),
                "req_per_s": round(self.per_second, 1), "non_2xx_3xx": self.non_2xx_3xx,
                "socket_errors": self.socket_errors, "p50_ms": self.p50_ms, "p95_ms": self.p95_ms,
                "p99_ms": self.p99_ms, "max_ms": self.max_ms}


@dataclass(frozen=True)
class Request:
    """One request as wrk and the probe send it; `expect` is the status a correct answer has."""

    method: str
    path: str
    expect: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    fresh_idempotency_key: bool = False


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Gunicorn:
    """`gunicorn -w N -b 127.0.0.1:<free port> <app>`, the same command for the app and the floors."""

    def __init__(self, app_spec: str, database_url: str, workers: int):
        self.app_spec = app_spec
        self.workers = workers
        self.port = free_port()
        self.env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "bench",
                    "OMNI_INSECURE_COOKIES": "1"}
        self.log = tempfile.NamedTemporaryFile(prefix="bench-gunicorn-", suffix=".log", delete=False)
        self.process: subprocess.Popen | None = None
        self.first_workers: set[int] = set()

    def __enter__(self) -> "Gunicorn":
        self.process = subprocess.Popen(
            [str(GUNICORN), "-w", str(self.workers), "-b", f"127.0.0.1:{self.port}", self.app_spec],
            cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while len(self.worker_pids()) < self.workers or not self._accepts():
            if self.process.poll() is not None or time.monotonic() > deadline:
                log = self.log_text()
                self.__exit__()
                raise RuntimeError(f"gunicorn {self.app_spec} did not start:\n{log}")
            time.sleep(0.2)
        self.first_workers = self.worker_pids()
        return self

    def __exit__(self, *_exc) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()
        os.unlink(self.log.name)

    def _accepts(self) -> bool:
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
            return True
        except OSError:
            return False

    def worker_pids(self) -> set[int]:
        """The master's children, found by their parent pid in /proc."""
        pids = set()
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # the process ended while we looked
            if int(fields[1]) == self.process.pid:
                pids.add(int(stat.parent.name))
        return pids

    def worker_rss_mb(self) -> list[float]:
        sizes = []
        for pid in self.worker_pids():
            status = Path(f"/proc/{pid}/status").read_text()
            kilobytes = int(re.search(r"^VmRSS:\s+(\d+) kB", status, re.M).group(1))
            sizes.append(round(kilobytes / 1024, 1))
        return sorted(sizes)

    def workers_replaced(self) -> int:
        """Workers that died (timeout, crash) and were replaced since the start."""
        return len(self.first_workers - self.worker_pids())

    def log_text(self) -> str:
        return Path(self.log.name).read_text(errors="replace")

    def logged_errors(self) -> list[str]:
        """Tracebacks and worker timeouts gunicorn wrote: a 5xx or a dying worker leaves one."""
        return [line for line in self.log_text().splitlines()
                if "Traceback" in line or "WORKER TIMEOUT" in line or "ERROR" in line]


# --- the neighbours: the machine is shared ------------------------------------------------


def _machine_jiffies() -> tuple[int, int]:
    """(busy, total) CPU time of the whole machine, in clock ticks summed over its CPUs."""
    ticks = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = ticks[3] + ticks[4]  # idle and iowait
    return sum(ticks) - idle, sum(ticks)


def _process_jiffies(pids: set[int]) -> int:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # a worker that was replaced
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total


@contextmanager
def cpu_of_others(ours: set[int]):
    """Yields a dict that gets, after the block, the share of the machine's CPU (0 to 1) used
    by processes other than `ours` and wrk (the bench's own child)."""
    share: dict[str, float] = {}
    busy_before, total_before = _machine_jiffies()
    ours_before = _process_jiffies(ours)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    yield share
    busy_after, total_after = _machine_jiffies()
    ours_used = _process_jiffies(ours) - ours_before
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    wrk_used = (after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime) * TICKS_PER_SECOND
    others = busy_after - busy_before - ours_used - wrk_used
    share["others_cpu"] = round(max(others, 0) / max(total_after - total_before, 1), 2)


# --- plain HTTP: sign in, probe --------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: str


def send(port: int, method: str, path: str, headers: dict | None = None,
         body: bytes | None = None) -> Answer:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return Answer(response.status, response.headers, response.read().decode(errors="replace"))
    finally:
        connection.close()


def _session_cookie(answer: Answer, previous: str = "") -> str:
    for header in answer.headers.get_all("Set-Cookie") or []:
        cookie = SimpleCookie(header)
        if "session" in cookie:
            return f"session={cookie['session'].value}"
    return previous


@dataclass(frozen=True)
class SignedIn:
    cookie: str  # "session=..."
    csrf_token: str  # sent as X-CSRFToken, as base.html's hx-headers do for htmx POSTs


def sign_in(port: int, email: str) -> SignedIn:
    """A real sign-in: the login form and its CSRF token, then the POST.

    The token stays valid for the session (its secret lives in the session, which signing in
    keeps); each probe then checks that the session and the token are accepted.
    """
    form = send(port, "GET", "/login")
    cookie = _session_cookie(form)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form.body).group(1)
    posted = send(port, "POST", "/login",
                  {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
                  urlencode({"csrf_token": token, "email": email, "password": DEMO_PASSWORD}).encode())
    if posted.status != 302:
        raise RuntimeError(f"sign-in of {email} answered {posted.status}: {posted.body[:300]}")
    return SignedIn(_session_cookie(posted, cookie), token)


def probe(port: int, request: Request) -> str | None:
    """One request as wrk will send it; what is wrong with the answer, or None if it is right."""
    headers = dict(request.headers)
    if request.fresh_idempotency_key:
        headers["Idempotency-Key"] = f"probe-{time.time_ns()}"
    answer = send(port, request.method, request.path, headers, request.body)
    if answer.status != request.expect:
        return f"answered {answer.status}: {answer.body[:300]}"
    if "/login" in answer.headers.get("Location", ""):
        return "sent to the sign-in page: the session did not hold"
    return None


# --- wrk -------------------------------------------------------------------------------


def wrk(port: int, request: Request, seconds: int, threads: int, connections: int,
        key_prefix: str = "") -> Load:
    with tempfile.NamedTemporaryFile(prefix="bench-body-") as body:
        body.write(request.body or b"")
        body.flush()
        command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", WRK_TIMEOUT,
                   "-s", str(WRK_SCRIPT)]
        for name, value in request.headers.items():
            command += ["-H", f"{name}: {value}"]
        command += [f"http://127.0.0.1:{port}{request.path}", "--", request.method,
                    body.name if request.body else "-",
                    key_prefix if request.fresh_idempotency_key else "-"]
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    summary = json.loads(output.split("WRK_JSON", 1)[1])
    return Load(
        requests=summary["requests"], seconds=summary["duration_us"] / 1e6,
        non_2xx_3xx=summary["non_2xx_3xx"],
        socket_errors=sum(summary[k] for k in ("connect_errors", "read_errors", "write_errors",
                                                "timeouts")),
        p50_ms=summary["p50_us"] / 1000, p95_ms=summary["p95_us"] / 1000,
        p99_ms=summary["p99_us"] / 1000, max_ms=summary["max_us"] / 1000,
    )
