-- bench/block_random.lua: wrk script: eth_getBlockByNumber (hashes only) of a random
-- block in 1..BLOCKS (env, default 200); run against a verity with cache.memory 0 so
-- every request is carried upstream (and, with verify on, proven).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local blocks = tonumber(os.getenv("BLOCKS") or "200")
request = function()
  local n = math.random(1, blocks)
  return wrk.format(nil, nil, nil,
    '{"jsonrpc":"2.0","id":7,"method":"eth_getBlockByNumber","params":["' .. string.format("0x%x", n) .. '",false]}')
end
