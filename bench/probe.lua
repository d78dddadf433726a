-- wrk script of bench/probe.sh: POST /v1/client/sign_ups with a new email
-- address each time and no cookie (a new client each), with a password when
-- PROBE_PASSWORD is set.
local password = os.getenv("PROBE_PASSWORD")
local counter = 0
local run = tostring(os.time()) .. "-" .. tostring(math.random(1, 1000000000))

request = function()
  counter = counter + 1
  local email = "probe-" .. run .. "-" .. counter .. "@example.com"
  local body = '{"email_address":"' .. email .. '"'
  if password then
    body = body .. ',"password":"' .. password .. '"'
  end
  return wrk.format("POST", "/v1/client/sign_ups", { ["Content-Type"] = "application/json" }, body .. "}")
end
