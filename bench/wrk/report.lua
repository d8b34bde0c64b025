-- report.lua - wrk's summary as one key=value line (sourced by the other scripts, or used alone):
-- requests per second, latency percentiles in ms, and how many answers were not 2xx/3xx.
function done(summary, latency, requests)
   local secs = summary.duration / 1e6
   local bad = summary.errors.status + summary.errors.connect + summary.errors.read +
      summary.errors.write + summary.errors.timeout
   io.write(string.format("requests=%d rps=%.0f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f bad=%d\n",
      summary.requests, summary.requests / secs, latency:percentile(50) / 1000,
      latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000, bad))
end
