/*
 * presets.c: the built-in chain presets, one table row per chain.
 *
 * Each row lists public, keyless JSON-RPC endpoints run by different operators (so one
 * company or cloud going down costs a fraction of the pool), chosen from the endpoints
 * chainlist.org (DefiLlama/chainlist constants/extraRpcs.js) and ethereum-lists/chains
 * mark as public with no API key, preferring those that state they do not track users.
 * Beacon API endpoints (for the light client) are public keyless ones from at least three
 * operators per chain: PublicNode (Allnodes), ChainSafe (Lodestar), the Nimbus team
 * (Status) and, for mainnet, a16z's Helios (lightclientdata.org), for sepolia
 * lightclient.xyz. Taken from the community list of light-sync endpoints,
 * github.com/s1na/light-sync-endpoints (endpoints/{mainnet,sepolia,hoodi}.yaml), plus
 * PublicNode's beacon API. The Nimbus ones are plain http: every light-client object is
 * signature-checked, and the checkpoint must be agreed by two endpoints, so a tampered
 * answer costs that endpoint its vote, not the anchor. All of them are third-party
 * services with rate limits and no guarantees; docs/config.md says so and shows how to
 * add your own.
 *
 * The anchor default for the Ethereum chains is auto: the light client while it is
 * synced, quorum 2 of the upstreams before that (and whenever it falls behind). No
 * checkpoint is built in: a weak-subjectivity checkpoint must be recent, so without
 * anchor.checkpoint the beacon endpoints agree on one at first start (beacon_checkpoint.c).
 *
 * Base and Base Sepolia are OP-stack chains (kind VC_CHAIN_OP_STACK: deposit
 * transactions, OP receipts; core/op.h). They make a block every 2 s, so their heads are
 * polled every second (Ethereum's 12 s slots are polled every 2 s).
 */
#include "config/presets.h"

#include <string.h>

static const vt_preset g_presets[] = {
    {
        .name = "mainnet",
        .chain_id = 1,
        .anchor_mode = VT_ANCHOR_AUTO,
        .quorum = 2,
        .head_poll_ms = 2000,
        .checkpoint = NULL,
        .upstreams =
            {
                {"publicnode", "https://ethereum-rpc.publicnode.com"},
                {"drpc", "https://eth.drpc.org"},
                {"1rpc", "https://public.1rpc.io/eth"},
                {"merkle", "https://eth.merkle.io"},
                {"mevblocker", "https://rpc.mevblocker.io"},
                {"flashbots", "https://rpc.flashbots.net"},
                {"blockpi", "https://ethereum.public.blockpi.network/v1/rpc/public"},
                {"pocket", "https://eth.api.pocket.network"},
            },
        .beacon = {"https://ethereum-beacon-api.publicnode.com", "https://lodestar-mainnet.chainsafe.io",
                   "http://unstable.mainnet.beacon-api.nimbus.team", "https://www.lightclientdata.org"},
    },
    {
        .name = "sepolia",
        .chain_id = 11155111,
        .anchor_mode = VT_ANCHOR_AUTO,
        .quorum = 2,
        .head_poll_ms = 2000,
        .checkpoint = NULL,
        .upstreams =
            {
                {"publicnode", "https://ethereum-sepolia-rpc.publicnode.com"},
                {"drpc", "https://sepolia.drpc.org"},
                {"1rpc", "https://public.1rpc.io/sepolia"},
                {"ethpandaops", "https://rpc.sepolia.ethpandaops.io"},
                {"0xrpc", "https://0xrpc.io/sep"},
                {"pocket", "https://eth-sepolia-testnet.api.pocket.network"},
            },
        .beacon = {"https://ethereum-sepolia-beacon-api.publicnode.com", "https://lodestar-sepolia.chainsafe.io",
                   "http://unstable.sepolia.beacon-api.nimbus.team", "https://sepolia.lightclient.xyz"},
    },
    {
        .name = "hoodi",
        .chain_id = 560048,
        .anchor_mode = VT_ANCHOR_AUTO,
        .quorum = 2,
        .head_poll_ms = 2000,
        .checkpoint = NULL,
        .upstreams =
            {
                {"publicnode", "https://ethereum-hoodi-rpc.publicnode.com"},
                {"ethpandaops", "https://rpc.hoodi.ethpandaops.io"},
                {"drpc", "https://hoodi.drpc.org"},
                {"0xrpc", "https://0xrpc.io/hoodi"},
                {"sentio", "https://hoodi.rpc.sentio.xyz"},
            },
        .beacon = {"https://ethereum-hoodi-beacon-api.publicnode.com", "https://lodestar-hoodi.chainsafe.io",
                   "http://testing.hoodi.beacon-api.nimbus.team"},
    },
    {
        .name = "base",
        .chain_id = 8453,
        .kind = VC_CHAIN_OP_STACK,
        .anchor_mode = VT_ANCHOR_QUORUM,
        .quorum = 2,
        .head_poll_ms = 1000, /* a block every 2 s: polled twice per block */
        .checkpoint = NULL,
        .upstreams =
            {
                {"base-org", "https://mainnet.base.org"},
                {"publicnode", "https://base-rpc.publicnode.com"},
                {"drpc", "https://base.drpc.org"},
                {"1rpc", "https://public.1rpc.io/base"},
                {"blockpi", "https://base.public.blockpi.network/v1/rpc/public"},
                {"pocket", "https://base.api.pocket.network"},
                {"meowrpc", "https://base.meowrpc.com"},
            },
        .beacon = {NULL},  /* an L2: no beacon light client */
        /* DisputeGameFactoryProxy of Base on Ethereum (superchain registry, base.toml;
         * viem's base chain definition names the same address) */
        .l1_preset = "mainnet",
        .l1_factory = "0x43edB88C4B80fDD2AdFF2412A7BebF9dF42cB40e",
    },
    {
        .name = "base-sepolia",
        .chain_id = 84532,
        .kind = VC_CHAIN_OP_STACK,
        .anchor_mode = VT_ANCHOR_QUORUM,
        .quorum = 2,
        .head_poll_ms = 1000, /* a block every 2 s, as on Base mainnet */
        .checkpoint = NULL,
        .upstreams =
            {
                {"base-org", "https://sepolia.base.org"},
                {"publicnode", "https://base-sepolia-rpc.publicnode.com"},
                {"drpc", "https://base-sepolia.drpc.org"},
                {"tenderly", "https://base-sepolia.gateway.tenderly.co"},
                {"blockpi", "https://base-sepolia.blockpi.network/v1/rpc/public"},
            },
        .beacon = {NULL},
        /* DisputeGameFactoryProxy of Base Sepolia on Sepolia (superchain registry) */
        .l1_preset = "sepolia",
        .l1_factory = "0xd6E6dBf4F7EA0ac412fD8b65ED297e64BB7a06E1",
    },
};

#define NPRESETS (sizeof g_presets / sizeof g_presets[0])

const vt_preset *vt_preset_find(const char *name) {
  if (!name) return NULL;
  for (size_t i = 0; i < NPRESETS; i++)
    if (strcmp(g_presets[i].name, name) == 0) return &g_presets[i];
  return NULL;
}

const vt_preset *vt_preset_by_chain_id(uint64_t chain_id) {
  for (size_t i = 0; i < NPRESETS; i++)
    if (g_presets[i].chain_id == chain_id) return &g_presets[i];
  return NULL;
}

size_t vt_preset_count(void) { return NPRESETS; }

const vt_preset *vt_preset_at(size_t i) { return i < NPRESETS ? &g_presets[i] : NULL; }
