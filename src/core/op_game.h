/*
 * op_game.h: OP-stack output roots proven on L1 through dispute games, sans I/O.
 *
 * An OP-stack chain (Base) posts output roots to Ethereum by creating dispute games in
 * its DisputeGameFactory (address from the superchain registry). The gateway, holding a
 * verified L1 state root (light client or quorum on L1), fetches eth_getProof results
 * on L1 and hands them in; these functions say which output root for which L2 block
 * the factory holds, and what became of its game. Who calls: the gateway's L1 anchor
 * (src/l1/l1.c); tests. Everything is pure; outputs are caller structs.
 *
 * WHERE EACH VALUE LIVES (contracts-bedrock, op-contracts v1.4 .. v4 snapshots):
 *
 *   DisputeGameFactory (proxy) storage, the layout after OwnableUpgradeable (slots 0..100):
 *     101 gameImpls        mapping(GameType => IDisputeGame)
 *     102 initBonds        mapping(GameType => uint256)
 *     103 _disputeGames    mapping(Hash uuid => GameId)
 *     104 _disputeGameList GameId[]      (length at 104, entry i at keccak(104) + i)
 *   (factories from before initBonds have _disputeGames at 102 and the list at 103:
 *   pass a vc_op_dgf_layout for those.)
 *     uuid   = keccak256(abi.encode(uint32 gameType, bytes32 rootClaim, bytes extraData))
 *     GameId = gameType (uint32) << 224 | createdTimestamp (uint64) << 160 | proxy (address)
 *   For FaultDisputeGame / PermissionedDisputeGame, extraData is the 32-byte L2 block
 *   number. The factory writes _disputeGames[uuid] in create() with the same arguments
 *   it puts into the game, so ONE storage proof of _disputeGames[uuid] proves that the
 *   game at `proxy` has exactly this type, rootClaim and L2 block number.
 *
 *   The game itself is a clone-with-immutable-args (Solady LibClone) of the game
 *   implementation: rootClaim, l1Head and extraData (l2BlockNumber) are NOT in storage
 *   but appended to the clone's runtime code (creator 20 bytes || rootClaim 32 ||
 *   l1Head 32 || extraData ..., then a 2-byte length), and read from calldata by the
 *   game. They are provable only through eth_getCode checked against the codeHash of
 *   the game's proven account: vc_op_claim_from_code. Because a wrong reading of that
 *   layout would give a claim whose uuid the factory does not hold, every claim read
 *   from code is still checked against _disputeGames by vc_op_verify_game.
 *
 *   FaultDisputeGame storage slot 0 (the only slot read here), packed low to high:
 *     createdAt uint64 (bytes 0..7), resolvedAt uint64 (8..15), status uint8 (16),
 *     initialized bool (17), l2BlockNumberChallenged bool (18, v1.3+)
 *   status: 0 IN_PROGRESS, 1 CHALLENGER_WINS, 2 DEFENDER_WINS.
 *
 * How this differs from nimbus-eth1's verified proxy (nimbus_verified_proxy/op/, read
 * for this design): nimbus runs eth_call on L1 through its verifying EVM
 * (SystemConfig.disputeGameFactory(), gameCount(), gameAtIndex(count-1), the game's
 * rootClaim() and l2BlockNumber(); AnchorStateRegistry.getAnchorRoot() for finality)
 * and takes the latest game whatever its status. Here the same facts are read as
 * storage and code proofs directly, with no EVM, and the game's status comes with them.
 *
 * NOT checked here (the gateway's policy, with more L1 proofs): whether the game type
 * is the portal's respected type, whether the AnchorStateRegistry blacklisted or
 * retired the game, and the challenge window (createdAt + max clock duration). A
 * DEFENDER_WINS game is the strong case; an IN_PROGRESS game is only "posted".
 */
#ifndef VC_OP_GAME_H
#define VC_OP_GAME_H

#include "core/vc_base.h"

#include <jansson.h>

#define VC_OP_CLONE_MAX_ARGS 4096 /* immutable args accepted in a game clone's code */
#define VC_OP_CLONE_MAX_CODE 24576 /* EIP-170 code size limit */

typedef struct {
  uint64_t games_slot; /* mapping(Hash => GameId) _disputeGames */
  uint64_t list_slot;  /* GameId[] _disputeGameList */
} vc_op_dgf_layout;

/* 103 / 104: op-contracts v1.4 and later (Base, OP Mainnet today). */
extern const vc_op_dgf_layout vc_op_dgf_layout_default;

enum {
  VC_OP_GAME_IN_PROGRESS = 0,
  VC_OP_GAME_CHALLENGER_WINS = 1,
  VC_OP_GAME_DEFENDER_WINS = 2,
};

/* What a game claims: the output root for an L2 block, under a game type. */
typedef struct {
  uint32_t game_type;
  uint8_t root_claim[32];
  uint64_t l2_block_number;
} vc_op_claim;

typedef struct {
  vc_op_claim claim;
  uint8_t proxy[20];        /* the game's address (from the factory) */
  uint64_t created_ts;      /* the factory's timestamp in the GameId */
  uint64_t created_at;      /* game slot 0 */
  uint64_t resolved_at;     /* 0 while in progress */
  uint8_t status;           /* VC_OP_GAME_* */
  bool l2_number_challenged;
  bool index_proven;        /* the game is _disputeGameList[index] */
  uint64_t index;
} vc_op_game;

/* "IN_PROGRESS", "CHALLENGER_WINS", "DEFENDER_WINS", or "unknown". */
const char *vc_op_game_status_name(uint8_t status);

/* Storage slots, as eth_getProof keys (32 bytes big-endian). layout NULL = default. */
void vc_op_game_uuid(const vc_op_claim *c, uint8_t uuid[32]);
void vc_op_slot_games(const vc_op_dgf_layout *layout, const uint8_t uuid[32], uint8_t slot[32]);
void vc_op_slot_list_len(const vc_op_dgf_layout *layout, uint8_t slot[32]);
void vc_op_slot_list_entry(const vc_op_dgf_layout *layout, uint64_t index, uint8_t slot[32]);

/* Unpack a GameId word. */
void vc_op_game_id_unpack(const uint8_t id[32], uint32_t *game_type, uint64_t *ts,
                          uint8_t proxy[20]);

/* Prove a claim on L1. factory_proof: eth_getProof(factory, [slot_games(uuid(claim)),
 * and slot_list_entry(*index) when index is not NULL]) at the L1 block whose state root
 * is l1_state_root (trusted by the caller). game_proof: eth_getProof(proxy, [0x0]) at
 * the same block, proxy being the address in the factory's GameId. Fails unless the
 * factory holds the claim (and, with index, lists it there) and the game account exists
 * with a valid status. out gets the game. */
vc_status vc_op_verify_game(const uint8_t l1_state_root[32], const uint8_t factory[20],
                            const vc_op_dgf_layout *layout, const vc_op_claim *claim,
                            const uint64_t *index, const json_t *factory_proof,
                            const json_t *game_proof, vc_op_game *out,
                            vc_err *err) VC_MUST_CHECK;

/* The factory's game list: eth_getProof(factory, [slot_list_len, slot_list_entry(index)])
 * proves how many games there are (*count) and, when index < *count, the GameId at
 * index (type, timestamp, proxy). Finding the latest game: count first (a proof of
 * slot_list_len alone is accepted when index >= the count), then entry count-1. */
vc_status vc_op_verify_game_list(const uint8_t l1_state_root[32], const uint8_t factory[20],
                                 const vc_op_dgf_layout *layout, const json_t *factory_proof,
                                 uint64_t index, uint64_t *count, uint32_t *game_type,
                                 uint64_t *ts, uint8_t proxy[20], vc_err *err) VC_MUST_CHECK;

/* A game clone's immutable args from its runtime code (eth_getCode of the proxy),
 * checked against code_hash (the proxy's proven codeHash, from game_proof). Fills
 * claim->root_claim and claim->l2_block_number (game_type is left to the caller: it is
 * in the GameId); l1_head (may be NULL) gets the L1 head the game was created at. */
vc_status vc_op_claim_from_code(const uint8_t *code, size_t len, const uint8_t code_hash[32],
                                vc_op_claim *claim, uint8_t l1_head[32],
                                vc_err *err) VC_MUST_CHECK;

#endif
