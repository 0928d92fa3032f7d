-- bench/mixed.lua: wrk script: a mixed read workload over old (final) blocks, skewed
-- like real traffic: a few addresses and blocks are asked for often, most rarely.
--   method: eth_getBalance 40%, eth_getTransactionCount 20%, eth_getBlockByNumber 15%,
--           eth_call 15% (the sha256 precompile over an address), eth_getBlockReceipts 10%
--   address: rank r of ADDRS (default 300) with P(r) ~ 1/r (Zipf, s = 1): r = floor(ADDRS^u)
--   block:   TOP - r + 1 for rank r of BLOCKS (default 120), the same Zipf-like law
-- The addresses are 0x…1000 + r (bench/mixed.sh funds them). Env: TOP (default 130).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local ADDRS = tonumber(os.getenv("ADDRS") or "300")
local BLOCKS = tonumber(os.getenv("BLOCKS") or "120")
local TOP = tonumber(os.getenv("TOP") or "130")
local function zipf(k) -- 1..k, P(r) ~ 1/r
  local r = math.floor((k + 1) ^ math.random())
  if r < 1 then r = 1 elseif r > k then r = k end
  return r
end
local function addr() return string.format("0x%040x", 0x1000 + zipf(ADDRS) - 1) end
local function block() return string.format("0x%x", TOP - zipf(BLOCKS) + 1) end
local function call(method, params)
  return wrk.format(nil, nil, nil, '{"jsonrpc":"2.0","id":1,"method":"' .. method .. '","params":' .. params .. '}')
end
request = function()
  local u = math.random(100)
  if u <= 40 then
    return call("eth_getBalance", '["' .. addr() .. '","' .. block() .. '"]')
  elseif u <= 60 then
    return call("eth_getTransactionCount", '["' .. addr() .. '","' .. block() .. '"]')
  elseif u <= 75 then
    return call("eth_getBlockByNumber", '["' .. block() .. '",false]')
  elseif u <= 90 then
    local a = addr()
    return call("eth_call", '[{"to":"0x0000000000000000000000000000000000000002","data":"0x' .. a:sub(3) .. '"},"' .. block() .. '"]')
  else
    return call("eth_getBlockReceipts", '["' .. block() .. '"]')
  end
end
