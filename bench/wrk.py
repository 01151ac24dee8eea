"""Driving one endpoint with Debian's wrk and reading back what its Lua `done` hook wrote.

wrk runs 16 threads with one connection each (-t16 -c16), so every connection has its own Lua state:
a signed-in endpoint gives each connection its own buyer (cookie + CSRF token), and "order placement"
can alternate add-to-cart and checkout on one buyer's cart without another connection emptying it.
The `response` hook counts statuses, SQL queries and server time from the bench-only headers.
"""
from __future__ import annotations

import json
import secrets
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode

from bench.sessions import USER_AGENT, Buyer

WRK = "/usr/bin/wrk"
CONNECTIONS = 16
CHECKOUT_FIELDS = urlencode({"recipient_name": "벤치구매자", "recipient_phone": "010-5000-0000", "postcode": "04524",
                             "address1": "서울특별시 중구 세종대로 110", "address2": "벤치동 1호", "agree": "y"})

LUA = r"""
local kind = %(kind)s
local paths = %(paths)s
local sessions = %(sessions)s
local variants = %(variants)s
local out = %(out)s
local ua = %(ua)s
local checkout = %(checkout)s
local run_id = %(run_id)s
local counter = 0
local threads = {}

function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
  table.insert(threads, thread)
end

function init(args)
  n = 0
  ok, s3, s4, s5, orders, refused = 0, 0, 0, 0, 0, 0
  q_sum, q_n, q_min, q_max = 0, 0, 1000000, 0
  times = {}
  ctimes = {}
  last = ""
  me = nil
  if #sessions > 0 then me = sessions[((tid - 1) %% #sessions) + 1] end
  pos = tid * 7
end

local function form_post(path, body)
  return wrk.format("POST", path, {["User-Agent"] = ua, ["Cookie"] = me.cookie,
    ["Content-Type"] = "application/x-www-form-urlencoded"}, body)
end

local function add_body()
  pos = pos + 1
  return "variant_id=" .. variants[(pos %% #variants) + 1] .. "&quantity=1&csrf_token=" .. me.csrf
end

function request()
  n = n + 1
  if kind == "get" then
    last = "get"
    local headers = {["User-Agent"] = ua}
    if me then headers["Cookie"] = me.cookie end
    return wrk.format("GET", paths[((tid * 131 + n) %% #paths) + 1], headers)
  elseif kind == "add" then
    last = "add"
    return form_post("/cart/items", add_body())
  else
    if last ~= "add" then
      last = "add"
      return form_post("/cart/items", add_body())
    end
    last = "checkout"
    -- run_id: wrk's math.random starts from the same seed every run, and a rerun on the same database
    -- (--no-seed) would otherwise send the keys of the last run's orders and get those orders back.
    local key = string.format("b%%s%%02d%%08d%%06d", run_id, tid, n, math.random(0, 999999))
    return form_post("/checkout", "csrf_token=" .. me.csrf .. "&idempotency_key=" .. key .. "&" .. checkout)
  end
end

function response(status, headers, body)
  if status >= 500 then s5 = s5 + 1
  elseif status >= 400 then s4 = s4 + 1
  elseif status >= 300 then s3 = s3 + 1; ok = ok + 1
  else ok = ok + 1 end
  if last == "checkout" then
    local where = headers["Location"] or ""
    if status == 303 and string.find(where, "/payments/", 1, true) then orders = orders + 1 else refused = refused + 1 end
  end
  local q = tonumber(headers["X-Bench-Queries"] or "")
  if q then
    q_sum = q_sum + q; q_n = q_n + 1
    if q < q_min then q_min = q end
    if q > q_max then q_max = q end
  end
  local us = tonumber(headers["X-Bench-Server-Us"] or "")
  if us and #times < 200000 then times[#times + 1] = us end
  if us and last == "checkout" and #ctimes < 100000 then ctimes[#ctimes + 1] = us end
end

function done(summary, latency, requests)
  local t = {ok = 0, s3 = 0, s4 = 0, s5 = 0, orders = 0, refused = 0, q_sum = 0, q_n = 0, q_min = 1000000, q_max = 0}
  local all_times = {}
  local checkout_times = {}
  for _, thread in ipairs(threads) do
    for _, name in ipairs({"ok", "s3", "s4", "s5", "orders", "refused", "q_sum", "q_n"}) do
      t[name] = t[name] + (thread:get(name) or 0)
    end
    t.q_min = math.min(t.q_min, thread:get("q_min") or 1000000)
    t.q_max = math.max(t.q_max, thread:get("q_max") or 0)
    local ts = thread:get("times") or {}
    for _, v in ipairs(ts) do all_times[#all_times + 1] = v end
    for _, v in ipairs(thread:get("ctimes") or {}) do checkout_times[#checkout_times + 1] = v end
  end
  table.sort(all_times)
  table.sort(checkout_times)
  local function pct(p, values)
    values = values or all_times
    if #values == 0 then return -1 end
    local i = math.max(1, math.ceil(#values * p / 100))
    return values[i]
  end
  local e = summary.errors
  local f = io.open(out, "w")
  f:write(string.format('{"requests": %%d, "duration_us": %%d, "bytes": %%d, ' ..
    '"errors": {"connect": %%d, "read": %%d, "write": %%d, "status": %%d, "timeout": %%d}, ' ..
    '"latency_us": {"p50": %%d, "p90": %%d, "p95": %%d, "p99": %%d, "max": %%d, "mean": %%.1f}, ' ..
    '"server_us": {"p50": %%d, "p95": %%d, "p99": %%d, "n": %%d}, ' ..
    '"checkout_server_us": {"p50": %%d, "p95": %%d, "n": %%d}, ' ..
    '"status": {"ok": %%d, "s3": %%d, "s4": %%d, "s5": %%d}, "orders": %%d, "refused": %%d, ' ..
    '"queries": {"sum": %%d, "n": %%d, "min": %%d, "max": %%d}}',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(95), latency:percentile(99),
    latency.max, latency.mean, pct(50), pct(95), pct(99), #all_times,
    pct(50, checkout_times), pct(95, checkout_times), #checkout_times,
    t.ok, t.s3, t.s4, t.s5, t.orders, t.refused, t.q_sum, t.q_n, t.q_min, t.q_max))
  f:close()
end
"""


@dataclass
class Endpoint:
    """One row of the report: `get` rotates over paths (as signed-in buyers unless `guests`); `add` and
    `order` need signed-in buyers."""

    name: str
    kind: str = "get"
    paths: list[str] = field(default_factory=list)
    storefront: bool = False
    search_syllables: int = 0
    guests: bool = False


@dataclass
class Result:
    endpoint: Endpoint
    data: dict
    seconds: float

    @property
    def rps(self) -> float:
        return self.data["requests"] / (self.data["duration_us"] / 1e6) if self.data["duration_us"] else 0.0

    @property
    def errors(self) -> int:
        """Requests without a 2xx/3xx answer (4xx, 5xx) plus connection-level failures."""
        e = self.data["errors"]
        return self.data["status"]["s4"] + self.data["status"]["s5"] + e["connect"] + e["read"] + e["write"] + e["timeout"]

    def latency_ms(self, name: str) -> float:
        return self.data["latency_us"][name] / 1000

    def server_ms(self, name: str) -> float | None:
        value = self.data["server_us"][name]
        return None if value < 0 else value / 1000

    @property
    def queries(self) -> tuple[float, int, int] | None:
        q = self.data["queries"]
        return (q["sum"] / q["n"], q["min"], q["max"]) if q["n"] else None


def _lua_list(values: list) -> str:
    return "{" + ", ".join(json.dumps(v) for v in values) + "}"


def script(endpoint: Endpoint, buyers: list[Buyer], variants: list[int], out: Path) -> str:
    sessions = "{" + ", ".join(
        f"{{cookie = {json.dumps(b.cookie_header)}, csrf = {json.dumps(b.csrf)}}}" for b in buyers) + "}"
    paths = [quote(p, safe="/?=&%") for p in endpoint.paths] or ["/"]
    return LUA % {"kind": json.dumps(endpoint.kind), "paths": _lua_list(paths), "sessions": sessions,
                  "variants": _lua_list(variants or [0]), "out": json.dumps(str(out)), "ua": json.dumps(USER_AGENT),
                  "checkout": json.dumps(CHECKOUT_FIELDS), "run_id": json.dumps(secrets.token_hex(4))}


def run(base: str, endpoint: Endpoint, seconds: float, workdir: Path, *, buyers: list[Buyer] = (),
        variants: list[int] = (), connections: int = CONNECTIONS) -> Result:
    slug = endpoint.name.replace(" ", "_").replace("/", "_")
    lua, out = workdir / f"{slug}.lua", workdir / f"{slug}.json"
    out.unlink(missing_ok=True)
    lua.write_text(script(endpoint, list(buyers), list(variants), out))
    command = [WRK, f"-t{connections}", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "30s",
               "--latency", "-s", str(lua), base]
    completed = subprocess.run(command, check=False, capture_output=True, text=True, timeout=seconds + 120)
    if completed.returncode != 0 or not out.exists():
        raise RuntimeError(f"wrk failed for {endpoint.name}: {completed.stderr[-1000:]} {completed.stdout[-1000:]}")
    (workdir / f"{slug}.txt").write_text(completed.stdout)
    return Result(endpoint, json.loads(out.read_text()), seconds)
