-- bench/post.lua: wrk script: POST one JSON-RPC call (BODY env var, default eth_getBalance).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = os.getenv("BODY") or '{"jsonrpc":"2.0","id":7,"method":"eth_getBalance","params":["0xd8da6bf26964af9d7eed9e03e53415d37aa96045","latest"]}'
