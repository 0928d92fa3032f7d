// An L1 that holds an OP-stack chain's dispute games, for the L1-anchoring tests.
//
// The factory and its games are written into an anvil L1 with anvil_setCode and
// anvil_setStorageAt in the storage layout of the OP contracts (contracts-bedrock
// DisputeGameFactory v1.4+, read from the specs, not deployed from their bytecode):
//   factory slot 103  _disputeGames   mapping(uuid => GameId)
//   factory slot 104  _disputeGameList GameId[] (length at 104, entry i at keccak(104) + i)
//   GameId = gameType << 224 | timestamp << 160 | proxy
//   uuid   = keccak256(abi.encode(uint32 gameType, bytes32 rootClaim, bytes extraData))
//   game   = a clone-with-immutable-args: some code, then creator || rootClaim || l1Head ||
//            l2BlockNumber, then uint16(args length + 2); slot 0 = createdAt | resolvedAt << 64 |
//            status << 128 | initialized << 136.
// publish() computes the L2 block's real output root from an L2 node (keccak(0 || stateRoot
// || messagePasserStorageRoot || blockHash)) unless told to post a wrong one.

import { AbiCoder, concat, keccak256, toBeHex, zeroPadValue } from 'ethers';
import { rpc, hex } from './util.mjs';

export const MESSAGE_PASSER = '0x4200000000000000000000000000000000000016';
export const STATUS = { IN_PROGRESS: 0, CHALLENGER_WINS: 1, DEFENDER_WINS: 2 };
const CLONE_PREFIX = '3d3d3d3d363d3d375af4';
const word = (v) => zeroPadValue(toBeHex(BigInt(v)), 32);

/** The output root of L2 block n as an L2 node reports it. */
export async function outputRootOf(l2Url, n) {
  const blk = await rpc(l2Url, 'eth_getBlockByNumber', [hex(n), false]);
  let mp;
  if (blk.requestsHash) mp = blk.withdrawalsRoot; // Isthmus: the header carries it
  else mp = (await rpc(l2Url, 'eth_getProof', [MESSAGE_PASSER, [], hex(n)])).storageHash;
  return { root: keccak256(concat([word(0), blk.stateRoot, mp, blk.hash])), hash: blk.hash };
}

export class L1Games {
  constructor(l1Url, factory) {
    this.url = l1Url;
    this.factory = factory;
    this.games = [];
  }

  async set(addr, slot, value) {
    await rpc(this.url, 'anvil_setStorageAt', [addr, word(slot), word(value)]);
  }

  static slot0(status, createdAt, resolvedAt) {
    return BigInt(createdAt) | (BigInt(resolvedAt) << 64n) | (BigInt(status) << 128n) | (1n << 136n);
  }

  /** Post a game for L2 block `number` (its real output root unless `root` is given). */
  async publish(l2Url, number, { status = STATUS.IN_PROGRESS, root = null, gameType = 0 } = {}) {
    if (!this.games.length) await rpc(this.url, 'anvil_setCode', [this.factory, '0x60006000fd']);
    const claim = root ?? (await outputRootOf(l2Url, number)).root;
    const index = this.games.length;
    const proxy = '0x' + (0x6a00n * 2n ** 144n + BigInt(index + 1)).toString(16).padStart(40, '0');
    const ts = BigInt(Math.floor(Date.now() / 1000));
    const gameId = (BigInt(gameType) << 224n) | (ts << 160n) | BigInt(proxy);
    const extra = word(number);
    const uuid = keccak256(AbiCoder.defaultAbiCoder().encode(['uint32', 'bytes32', 'bytes'], [gameType, claim, extra]));
    const code = '0x' + CLONE_PREFIX + this.factory.slice(2) + claim.slice(2) + '00'.repeat(32) + extra.slice(2) + '0076';
    await rpc(this.url, 'anvil_setCode', [proxy, code]);
    await this.set(proxy, 0, L1Games.slot0(status, ts, status === STATUS.IN_PROGRESS ? 0 : ts));
    await this.set(this.factory, BigInt(keccak256(concat([uuid, word(103)]))), gameId);
    await this.set(this.factory, BigInt(keccak256(word(104))) + BigInt(index), gameId);
    await this.set(this.factory, 104, index + 1);
    const g = { index, proxy, number, root: claim, ts };
    this.games.push(g);
    return g;
  }

  /** The game resolves (or is found wrong). */
  async resolve(index, status) {
    const g = this.games[index];
    await this.set(g.proxy, 0, L1Games.slot0(status, g.ts, g.ts + 1n));
  }
}
