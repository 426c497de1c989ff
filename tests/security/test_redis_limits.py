"""Login limits held in Redis are shared by every server process (README: Production).

Two gunicorn servers of the app, as deployed (RATELIMIT_STORAGE_URI=redis://...), on one
SQLite file; sign-in tries alternate between them, and the limits count them together.
Each test's counts have a key prefix of their own (RATELIMIT_KEY_PREFIX), so that runs at
the same time on one machine do not count each other's tries; the keys are deleted after.
Skipped when no Redis answers at 127.0.0.1:6379, unless REQUIRE_REDIS=1 (CI).
"""
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path
from uuid import uuid4

import pytest

REDIS_HOST, REDIS_PORT, REDIS_DB = "127.0.0.1", 6379, 9
PROJECT_ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
ADMIN, PASSWORD = "admin@redis.test", "the-right-password"
PREPARE = f"""
from app import app
runner = app.test_cli_runner()
for args in (["db", "upgrade"],
             ["users", "create", "{ADMIN}", "--name", "Admin", "--role", "admin",
              "--password-stdin"]):
    result = runner.invoke(args=args, input="{PASSWORD}\\n")
    assert result.exit_code == 0, result.output
"""


def _redis():
    redis = pytest.importorskip("redis")
    client = redis.Redis(REDIS_HOST, REDIS_PORT, db=REDIS_DB, socket_timeout=2)
    try:
        client.ping()
    except redis.RedisError as error:
        if os.environ.get("REQUIRE_REDIS") == "1":
            pytest.fail(f"REQUIRE_REDIS=1 but no Redis at {REDIS_HOST}:{REDIS_PORT}: {error}")
        pytest.skip(f"no Redis at {REDIS_HOST}:{REDIS_PORT} ({error}); "
                    "set REQUIRE_REDIS=1 to fail instead")
    return client


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_up(base: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"gunicorn exited: {server.stderr.read().decode()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{base}/login", timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"{base} did not answer within 30 s")


@pytest.fixture(scope="module")
def redis_client():
    return _redis()


@pytest.fixture(scope="module")
def prefix(redis_client):
    """This run's key prefix; its keys are gone afterwards."""
    prefix = f"omni-test-{uuid4().hex}"
    yield prefix
    for key in redis_client.scan_iter(f"*{prefix}*"):
        redis_client.delete(key)


@pytest.fixture(scope="module")
def servers(prefix, tmp_path_factory):
    """Two gunicorn servers sharing a migrated SQLite file with one account."""
    database = tmp_path_factory.mktemp("redis-limits") / "app.sqlite"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "SECRET_KEY": "redis-test",
           "RATELIMIT_STORAGE_URI": f"redis://{REDIS_HOST}:{REDIS_PORT}/{REDIS_DB}",
           "RATELIMIT_KEY_PREFIX": prefix,
           "LOGIN_RATE_LIMIT": "10 per minute", "LOGIN_ACCOUNT_LIMIT": "5 per 5 minutes",
           "OMNI_INSECURE_COOKIES": "1"}
    for name in ("PUBLIC_BASE_URL", "TRUSTED_HOSTS"):
        env.pop(name, None)
    # `flask db upgrade` then `flask users create`, in one process (one start-up, not two).
    subprocess.run([sys.executable, "-c", PREPARE], cwd=PROJECT_ROOT, env=env, check=True,
                   capture_output=True, input=f"{PASSWORD}\n".encode())
    ports = [_free_port(), _free_port()]
    processes = [subprocess.Popen(
        [str(BIN / "gunicorn"), "-w", "1", "-b", f"127.0.0.1:{port}", "app:app"],
        cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        for port in ports]
    bases = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        for base, process in zip(bases, processes, strict=True):
            _wait_until_up(base, process)
        yield bases
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=10)
            process.stderr.close()


@pytest.fixture
def browser(servers, prefix, redis_client):
    """One browser (cookie jar: the session holds the CSRF token) and fresh counts."""
    for key in redis_client.scan_iter(f"*{prefix}*"):
        redis_client.delete(key)
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    with opener.open(f"{servers[0]}/login") as page:
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.read().decode()).group(1)

    def sign_in(base: str, email: str, password: str) -> tuple[int, str]:
        data = urllib.parse.urlencode({"csrf_token": token,
                                       "email": email, "password": password}).encode()
        try:
            with opener.open(f"{base}/login", data=data) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    return sign_in


def test_the_address_limit_counts_the_tries_of_both_processes(servers, browser, redis_client,
                                                              prefix):
    # Another email each time: the address's limit (10 per minute), not an account's.
    statuses = [browser(servers[n % 2], f"guess{n}@redis.test", "guess")[0] for n in range(11)]

    assert statuses == [200] * 10 + [429]
    assert list(redis_client.scan_iter(f"*{prefix}*"))  # the count is in Redis, not a process


def test_the_account_limit_counts_the_wrong_passwords_sent_to_both_processes(
        servers, browser, redis_client, prefix):
    wrong = [browser(servers[n % 2], ADMIN, "wrong-password") for n in range(5)]
    status, page = browser(servers[1], ADMIN, PASSWORD)

    assert [s for s, _page in wrong] == [200] * 5
    assert all("Wrong email or password." in p for _s, p in wrong)
    assert status == 429
    assert "Too many wrong passwords for this account. Wait 5 minutes" in page
    assert any(b"login-account" in key for key in redis_client.scan_iter(f"*{prefix}*"))
