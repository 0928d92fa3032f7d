// A dApp's reads through verity with viem, while one upstream is refused and another
// is slow: contract code, storage, eth_call, gas estimation and nonces must equal what
// the chain says at the same block.  The contract is hand-assembled (no compiler):
// its constructor stores 7 in slot 0; its runtime returns slot 0 as one 32-byte word.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicClient, http, defineChain, numberToHex } from 'viem';
import { withWorld } from './lib/world.mjs';
import { devWallet, devAddress } from './lib/accounts.mjs';
import { rpc } from './lib/util.mjs';

// runtime: PUSH1 0 SLOAD PUSH1 0 MSTORE PUSH1 32 PUSH1 0 RETURN (11 bytes)
const RUNTIME = '600054600052602060' + '00f3';
// init: SSTORE(0, 7); CODECOPY(0, 0x11, 11); RETURN(0, 11); then the runtime
const INIT = '0x6007600055600b6011600039600b6000f3' + RUNTIME;

const devnetChain = defineChain({
  id: 31337, name: 'devnet', nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
  rpcUrls: { default: { http: ['http://127.0.0.1:1'] } },
});

test('dApp reads with viem (code, storage, eth_call, estimateGas, nonce) while upstreams fail', async (t) => {
  await withWorld(t, {}, async (w) => {
    const raw = await devWallet(6).signTransaction({
      type: 2, chainId: 31337, nonce: 0, data: INIT, gasLimit: 200000n,
      maxFeePerGas: 20n * 10n ** 9n, maxPriorityFeePerGas: 10n ** 9n,
    });
    const sent = await w.devnet.broadcast(raw);
    assert.ok(sent.result, JSON.stringify(sent.error));
    const rcpt = await w.devnet.waitForReceipt(sent.result);
    const contract = rcpt.contractAddress;
    assert.equal(await rpc(w.devnet.truthUrl, 'eth_getCode', [contract, 'latest']), `0x${RUNTIME}`);
    await w.devnet.waitForBlock(Number(rcpt.blockNumber) + 2);

    w.proxies[0].setMode('refuse');
    w.proxies[1].setMode('delay(300)');
    const client = createPublicClient({ chain: devnetChain, transport: http(w.verity.url, { timeout: 10000 }) });
    for (let round = 0; round < 3; round++) {
      const n = await client.getBlockNumber();
      const tag = numberToHex(n);
      const truth = (method, params) => rpc(w.devnet.truthUrl, method, params);
      assert.equal(await client.getCode({ address: contract, blockNumber: n }), await truth('eth_getCode', [contract, tag]));
      assert.equal(await client.getStorageAt({ address: contract, slot: '0x0', blockNumber: n }),
        await truth('eth_getStorageAt', [contract, '0x0', tag]));
      const call = await client.call({ to: contract, data: '0x', blockNumber: n });
      assert.equal(BigInt(call.data), 7n, `eth_call returned ${call.data}`);
      assert.equal(await client.getTransactionCount({ address: devAddress(6), blockNumber: n }), 1);
      const gas = await client.estimateGas({ account: devAddress(0), to: contract, data: '0x' });
      assert.ok(gas > 21000n && gas < 100000n, `estimateGas ${gas}`);
      const latest = await client.call({ to: contract, data: '0x' });
      assert.equal(BigInt(latest.data), 7n);
    }
    w.proxies[0].setMode('pass');
    w.proxies[1].setMode('pass');
  });
});
