-- The wrk script of `make bench`. Script arguments (after --):
--   1  HTTP method (GET, POST)
--   2  file holding the request body, or "-" for none
--   3  prefix of a fresh Idempotency-Key for every request, or "-" for none
-- done() prints one line, "WRK_JSON {...}", that bench/http_load.py parses.

local key_prefix = nil
local sent = 0
local next_thread = 0

function setup(thread)
  -- Each thread has its own Lua state: number them so that their keys never collide.
  next_thread = next_thread + 1
  thread:set("thread_number", next_thread)
end

function init(args)
  wrk.method = args[1] or "GET"
  if args[2] and args[2] ~= "-" then
    local file = assert(io.open(args[2], "rb"))
    wrk.body = file:read("*a")
    file:close()
  end
  if args[3] and args[3] ~= "-" then
    key_prefix = args[3] .. "-" .. thread_number .. "-"
  else
    request = nil -- no per-request work: wrk sends its prebuilt request, as fast as it can
  end
end

function request()
  sent = sent + 1
  local headers = {}
  for name, value in pairs(wrk.headers) do
    headers[name] = value
  end
  headers["Idempotency-Key"] = key_prefix .. sent
  return wrk.format(nil, nil, headers, nil)
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests": %d, "duration_us": %d, "non_2xx_3xx": %d, "connect_errors": %d, ' ..
    '"read_errors": %d, "write_errors": %d, "timeouts": %d, ' ..
    '"p50_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d}\n',
    summary.requests, summary.duration, errors.status, errors.connect, errors.read, errors.write,
    errors.timeout, latency:percentile(50), latency:percentile(95), latency:percentile(99),
    latency.max))
end
