-- wrk script for bench/run.sh and bench/fastfail.sh.
--
-- BENCH_POST_BYTES=N turns every request into a POST of N bytes (Content-Type
-- application/octet-stream). The done hook prints one machine-readable line for bench/report.py:
--   BENCH_JSON {"requests":...,"duration_us":...,"errors":{...},"latency_us":{...}}
-- No response() hook: wrk would then hand every body to Lua, which slows wrk itself down.
-- "status" errors are wrk's count of responses with a status >= 400.

local post_bytes = tonumber(os.getenv("BENCH_POST_BYTES") or "")
if post_bytes and post_bytes > 0 then
  wrk.method = "POST"
  wrk.body = string.rep("r", post_bytes)
  wrk.headers["Content-Type"] = "application/octet-stream"
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"timeout":%d,"status":%d},' ..
    '"latency_us":{"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%.1f}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.timeout, e.status,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean))
end
