-- bench/pipeline.lua: wrk script: the same JSON-RPC POST (BODY env var), DEPTH requests
-- (default 16) written back to back on each connection before their responses are
-- read (HTTP/1.1 pipelining). wrk counts every response; its latency figures are per
-- batch of DEPTH, not per request.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = os.getenv("BODY") or '{"jsonrpc":"2.0","id":7,"method":"eth_getBalance","params":["0xd8da6bf26964af9d7eed9e03e53415d37aa96045","latest"]}'
local depth = tonumber(os.getenv("DEPTH") or "16")
local batch
init = function(args)
  local r = {}
  for i = 1, depth do r[i] = wrk.format() end
  batch = table.concat(r)
end
request = function() return batch end
