-- wrk script for bench/run.sh and bench/fastfail.sh.
--
-- BENCH_POST_BYTES=N turns every request into a POST of N bytes (Content-Type
-- application/octet-stream). BENCH_HEADERS=browser adds the request fields of a browser's navigation
-- (17 with Host, about 1.5 KB with its cookies). The done hook prints one machine-readable line for
-- bench/report.py:
--   BENCH_JSON {"requests":...,"duration_us":...,"errors":{...},"latency_us":{...}}
-- No response() hook: wrk would then hand every body to Lua, which slows wrk itself down.
-- "status" errors are wrk's count of responses with a status >= 400.

local post_bytes = tonumber(os.getenv("BENCH_POST_BYTES") or "")
if post_bytes and post_bytes > 0 then
  wrk.method = "POST"
  wrk.body = string.rep("r", post_bytes)
  wrk.headers["Content-Type"] = "application/octet-stream"
end

if os.getenv("BENCH_HEADERS") == "browser" then
  local h = wrk.headers
  h["User-Agent"] = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"
  h["Accept"] = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7"
  h["Accept-Encoding"] = "gzip, deflate, br, zstd"
  h["Accept-Language"] = "en-GB,en-US;q=0.9,en;q=0.8,de;q=0.7"
  h["Cache-Control"] = "max-age=0"
  h["Cookie"] = "_ga=GA1.1.1183920745.1701864381; _ga_7QX2ZK4N1P=GS1.1.1701864381.3.1.1701866210.0.0.0; " ..
    "session=eyJ1aWQiOjQ4MjkxMCwicm9sZSI6ImN1c3RvbWVyIiwiZXhwIjoxNzAxOTUwNzgxfQ.Zm9vYmFyYmF6cXV4cXV1eHF1dXo; " ..
    "csrftoken=k3J9xQm2Vb7LpN0sYt4Rw8Ez1Hc6Ua5Df; locale=en-GB; theme=dark; consent=analytics%3Dtrue%2Cads%3Dfalse; " ..
    "cart=7c1e9a52-3b4d-4f6e-8a9b-0c1d2e3f4a5b; recently_viewed=1029384%2C2938475%2C3847566%2C4756677; " ..
    "ab_bucket=checkout_v3_b; _fbp=fb.1.1701864381123.1928374650"
  h["Referer"] = "https://shop.example.com/catalogue/outdoor/tents?sort=price_asc&page=2&filter=4-person"
  h["sec-ch-ua"] = '"Not_A Brand";v="8", "Chromium";v="120", "Google Chrome";v="120"'
  h["sec-ch-ua-mobile"] = "?0"
  h["sec-ch-ua-platform"] = '"Windows"'
  h["Sec-Fetch-Dest"] = "document"
  h["Sec-Fetch-Mode"] = "navigate"
  h["Sec-Fetch-Site"] = "same-origin"
  h["Sec-Fetch-User"] = "?1"
  h["Upgrade-Insecure-Requests"] = "1"
  h["Connection"] = "keep-alive"
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
