-- bench/balance_random.lua: wrk script: eth_getBalance of a different address on every
-- request, so no answer is ever served from verity's cache (what is measured is the
-- upstream round plus, with verify on, the proof check).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local n = 0
request = function()
  n = n + 1
  local addr = string.format("0x%040x", n * 7919 + math.random(1, 1000000))
  return wrk.format(nil, nil, nil,
    '{"jsonrpc":"2.0","id":7,"method":"eth_getBalance","params":["' .. addr .. '","latest"]}')
end
