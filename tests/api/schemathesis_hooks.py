"""Schemathesis hooks, for the in-process run (test_schemathesis) and for a run against a
server: `SCHEMATHESIS_HOOKS=tests.api.schemathesis_hooks schemathesis run ...`."""
from itertools import count

import schemathesis

from omni_store.api.idempotency import MAX_KEY_LENGTH

_fresh = count(1)


@schemathesis.hook
def before_call(_context, case, _kwargs):
    """A client sends a fresh Idempotency-Key with each new request: generated keys repeat,
    and one sent again with another body is rightly refused (the document says so)."""
    key = (case.headers or {}).get("Idempotency-Key")
    if key and len(key) <= MAX_KEY_LENGTH:  # as long as the generated one: a bound is tested
        fresh = f"{next(_fresh)}-"
        case.headers["Idempotency-Key"] = (fresh + key)[:max(len(key), len(fresh))]
