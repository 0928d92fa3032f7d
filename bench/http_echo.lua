-- http_echo.lua: wrk script for bench/http_echo.c: every request is a JSON-RPC POST.
wrk.method = "POST"
wrk.body   = '{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber","params":[]}'
wrk.headers["Content-Type"] = "application/json"
