-- wrk script for bench/run.py: every request POSTs a new order to /api/v1/orders.
--
--   wrk -t2 -c8 -d15s -s bench/orders.lua http://127.0.0.1:PORT -- MODE TOKEN SKU_COUNT
--
-- MODE intake: 2 lines over two different random SKUs BENCH-0001 … BENCH-<SKU_COUNT>.
-- MODE flash:  1 line of the hot SKU HOT-1; a thread stops at its first 409 (sold out).
-- Buyers are random (nickname and phone), so orders do not queue on one customer row.
-- done() prints one line "WRK-RESULT {json}" with counts by status and the latency
-- percentiles (microseconds), which bench/run.py parses.

local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  mode = args[1]
  sku_count = tonumber(args[3])
  math.randomseed(os.time() * 1000 + id * 7919)
  wrk.method = "POST"
  wrk.path = "/api/v1/orders"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. args[2]
  status_201, status_409, status_other_4xx, status_5xx, status_other = 0, 0, 0, 0, 0
end

local function sku(n)
  return string.format("BENCH-%04d", n)
end

local function line(code, price)
  return string.format('{"sku": "%s", "quantity": 1, "unit_price": "%s"}', code, price)
end

function request()
  local lines
  if mode == "flash" then
    lines = line("HOT-1", "99.00")
  else
    local first = math.random(sku_count)
    local second = math.random(sku_count - 1)
    if second >= first then
      second = second + 1
    end
    lines = line(sku(first), "99.50") .. ", " .. line(sku(second), "99.50")
  end
  local buyer = math.random(1, 99999999)
  local body = string.format(
    '{"buyer": {"name": "买家%d", "phone": "138%08d", "nickname": "bench-%d-%d"}, '
      .. '"address": {"province": "浙江省", "city": "杭州市", "district": "西湖区", "detail": "文三路1号"}, '
      .. '"lines": [%s]}',
    buyer % 1000, buyer, id, buyer, lines
  )
  return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
  if status == 201 then
    status_201 = status_201 + 1
  elseif status == 409 then
    status_409 = status_409 + 1
    if mode == "flash" then
      wrk.thread:stop()
    end
  elseif status >= 500 then
    status_5xx = status_5xx + 1
  elseif status >= 400 then
    status_other_4xx = status_other_4xx + 1
  else
    status_other = status_other + 1
  end
end

function done(summary, latency, requests)
  local totals = { status_201 = 0, status_409 = 0, status_other_4xx = 0, status_5xx = 0, status_other = 0 }
  for _, thread in ipairs(threads) do
    for name, _ in pairs(totals) do
      totals[name] = totals[name] + (thread:get(name) or 0)
    end
  end
  local errors = summary.errors
  io.write(string.format(
    'WRK-RESULT {"requests": %d, "duration_us": %d, "status_201": %d, "status_409": %d, '
      .. '"status_other_4xx": %d, "status_5xx": %d, "status_other": %d, '
      .. '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, '
      .. '"latency_us": {"p50": %d, "p90": %d, "p99": %d, "max": %d, "mean": %.1f}}\n',
    summary.requests, summary.duration, totals.status_201, totals.status_409,
    totals.status_other_4xx, totals.status_5xx, totals.status_other,
    errors.connect, errors.read, errors.write, errors.status, errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean
  ))
end
