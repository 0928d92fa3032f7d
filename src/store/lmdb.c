/*
 * lmdb.c: the persistent finalized-entry store and blob slots on LMDB (contract, the
 * batching policy and the durability choice are in lmdb.h).
 *
 * Two named databases: "entries" (cache key -> vt_cache_entry_encode bytes) and
 * "blobs" (name -> bytes | SHA-256(name, 0, bytes)). One write transaction is open while
 * a batch is pending; reads inside a batch go through it (read-your-writes), otherwise
 * through one read transaction that is reset and renewed per get (MDB_NOTLS, so it
 * never pins a thread slot). Single-threaded like the rest of the loop side.
 *
 * This process's open handles are kept in one list (under a mutex, the only state
 * shared between handles), keyed by the directory's device and inode and the pid that
 * opened them: a second open of the same directory takes a reference instead of a
 * second MDB_env, which LMDB forbids (its locks are per process).
 */
#include "store/lmdb.h"

#include <errno.h>
#include <lmdb.h>
#include <nettle/sha2.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define ENTRY_SCRATCH_MAX (VT_LMDB_VALUE_MAX + 256u)
#define BLOB_SUM_LEN SHA256_DIGEST_SIZE

struct vt_lmdb {
  MDB_env *env;
  MDB_dbi entries, blobs;
  MDB_txn *wtxn;  /* the open batch, or NULL */
  MDB_txn *rtxn;  /* reset between gets */
  unsigned batch_puts, batch_ms;
  size_t map_size; /* as configured; an eviction may briefly use map_size/8 more */
  uint64_t batch_start_ms;
  uint64_t seq, committed_seq;
  uint64_t lost_hi; /* every put numbered <= this is treated as unacknowledged */
  vt_buf scratch;
  vt_lmdb_stats st;
  char errmsg[256];
  /* the process-wide list of open handles (g_open) */
  struct vt_lmdb *next;
  dev_t dev;
  ino_t ino;
  pid_t pid;
  unsigned refs;
};

static pthread_mutex_t g_open_mu = PTHREAD_MUTEX_INITIALIZER;
static vt_lmdb *g_open;

static uint64_t mono_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static vt_lmdb_status fail(vt_lmdb *db, vt_lmdb_status s, const char *what, int rc) {
  snprintf(db->errmsg, sizeof db->errmsg, "lmdb: %s: %s", what, rc ? mdb_strerror(rc) : "invalid");
  return s;
}

static const char *const status_names[] = {
    [VT_LMDB_OK] = "ok",
    [VT_LMDB_NOTFOUND] = "not found",
    [VT_LMDB_E_ARG] = "bad argument",
    [VT_LMDB_E_FULL] = "map full",
    [VT_LMDB_E_IO] = "lmdb error",
    [VT_LMDB_E_CORRUPT] = "corrupt entry",
};

const char *vt_lmdb_status_str(vt_lmdb_status s) {
  if ((unsigned)s >= sizeof status_names / sizeof status_names[0]) return "unknown";
  return status_names[s];
}

static void env_close(vt_lmdb *db) {
  if (!db) return;
  if (db->wtxn) vt_lmdb_flush(db);
  if (db->rtxn) mdb_txn_abort(db->rtxn);
  if (db->env) mdb_env_close(db->env);
  vt_buf_free(&db->scratch);
  free(db);
}

/* With g_open_mu held: this process's handle on (dev, ino) with one more reference, the
 * map grown to map_size if that is larger; NULL when there is none. */
static vt_lmdb *shared_ref(dev_t dev, ino_t ino, size_t map_size) {
  pid_t me = getpid();
  for (vt_lmdb *db = g_open; db; db = db->next) {
    if (db->dev != dev || db->ino != ino || db->pid != me) continue;
    if (map_size > db->map_size) {
      /* mdb_env_set_mapsize needs no transaction of this process open */
      (void)vt_lmdb_flush(db);
      if (db->rtxn) {
        mdb_txn_abort(db->rtxn);
        db->rtxn = NULL;
      }
      if (mdb_env_set_mapsize(db->env, map_size) == 0) db->map_size = map_size;
    }
    db->refs++;
    return db;
  }
  return NULL;
}

int vt_lmdb_open(const char *path, size_t map_size, vt_lmdb **out, char *err, size_t errlen) {
  int rc = -1, mrc = 0;
  bool locked = false;
  MDB_txn *txn = NULL;
  vt_lmdb *db = NULL;
  *out = NULL;
  if (!path || !*path || strlen(path) > 4000) {
    snprintf(err, errlen, "lmdb: path must be 1..4000 bytes");
    goto out;
  }
  if (map_size < VT_LMDB_MAP_MIN || map_size > VT_LMDB_MAP_MAX) {
    snprintf(err, errlen, "lmdb: map size %zu is outside %u..%zu", map_size, VT_LMDB_MAP_MIN,
             (size_t)VT_LMDB_MAP_MAX);
    goto out;
  }
  if (mkdir(path, 0700) != 0 && errno != EEXIST) {
    snprintf(err, errlen, "lmdb: cannot create directory %s: %s", path, strerror(errno));
    goto out;
  }
  struct stat st;
  if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
    snprintf(err, errlen, "lmdb: %s is not a directory", path);
    goto out;
  }
  pthread_mutex_lock(&g_open_mu);
  locked = true;
  if ((*out = shared_ref(st.st_dev, st.st_ino, map_size)) != NULL) {
    rc = 0;
    goto out;
  }
  db = calloc(1, sizeof *db);
  if (!db) {
    snprintf(err, errlen, "lmdb: out of memory");
    goto out;
  }
  db->batch_puts = VT_LMDB_BATCH_PUTS_DEFAULT;
  db->batch_ms = VT_LMDB_BATCH_MS_DEFAULT;
  db->map_size = map_size;
  vt_buf_init(&db->scratch, ENTRY_SCRATCH_MAX);
  int dead = 0;
  const char *what = "env_create";
  mrc = mdb_env_create(&db->env);
  if (!mrc) { what = "set_mapsize"; mrc = mdb_env_set_mapsize(db->env, map_size); }
  if (!mrc) { what = "set_maxdbs"; mrc = mdb_env_set_maxdbs(db->env, 2); }
  if (!mrc) { what = path; mrc = mdb_env_open(db->env, path, MDB_NOTLS, 0600); }
  if (!mrc) { what = "reader_check"; mrc = mdb_reader_check(db->env, &dead); }
  if (!mrc) { what = "txn_begin"; mrc = mdb_txn_begin(db->env, NULL, 0, &txn); }
  if (!mrc) { what = "open entries"; mrc = mdb_dbi_open(txn, "entries", MDB_CREATE, &db->entries); }
  if (!mrc) { what = "open blobs"; mrc = mdb_dbi_open(txn, "blobs", MDB_CREATE, &db->blobs); }
  if (!mrc) {
    what = "commit";
    mrc = mdb_txn_commit(txn);
    txn = NULL;
  }
  if (mrc) {
    snprintf(err, errlen, "lmdb: %s: %s", what, mdb_strerror(mrc));
    goto out;
  }
  db->dev = st.st_dev;
  db->ino = st.st_ino;
  db->pid = getpid();
  db->refs = 1;
  db->next = g_open;
  g_open = db;
  *out = db;
  db = NULL;
  rc = 0;
out:
  if (txn) mdb_txn_abort(txn);
  if (locked) pthread_mutex_unlock(&g_open_mu);
  env_close(db);
  return rc;
}

vt_lmdb_status vt_lmdb_set_batch(vt_lmdb *db, unsigned batch_puts, unsigned batch_ms) {
  if (!db || batch_puts < 1 || batch_puts > VT_LMDB_BATCH_PUTS_MAX || batch_ms > VT_LMDB_BATCH_MS_MAX)
    return VT_LMDB_E_ARG;
  db->batch_puts = batch_puts;
  db->batch_ms = batch_ms;
  return VT_LMDB_OK;
}

void vt_lmdb_close(vt_lmdb *db) {
  if (!db) return;
  pthread_mutex_lock(&g_open_mu);
  bool last = --db->refs == 0;
  if (last) {
    vt_lmdb **pp = &g_open;
    while (*pp && *pp != db) pp = &(*pp)->next;
    if (*pp) *pp = db->next;
  }
  pthread_mutex_unlock(&g_open_mu);
  if (last) env_close(db);
  else (void)vt_lmdb_flush(db); /* "close commits what is pending", for this opener too */
}

vt_lmdb_status vt_lmdb_flush(vt_lmdb *db) {
  if (!db) return VT_LMDB_E_ARG;
  if (!db->wtxn) return VT_LMDB_OK;
  int rc = mdb_txn_commit(db->wtxn);
  db->wtxn = NULL;
  uint64_t n = db->st.pending;
  db->st.pending = 0;
  if (rc != 0) {
    db->st.dropped += n;
    db->lost_hi = db->seq;
    return fail(db, rc == MDB_MAP_FULL ? VT_LMDB_E_FULL : VT_LMDB_E_IO, "commit", rc);
  }
  db->committed_seq = db->seq;
  db->st.commits++;
  return VT_LMDB_OK;
}

vt_lmdb_status vt_lmdb_tick(vt_lmdb *db) {
  if (!db) return VT_LMDB_E_ARG;
  if (db->wtxn && mono_ms() - db->batch_start_ms >= db->batch_ms) return vt_lmdb_flush(db);
  return VT_LMDB_OK;
}

uint64_t vt_lmdb_committed_seq(const vt_lmdb *db) { return db ? db->committed_seq : 0; }

bool vt_lmdb_acked(const vt_lmdb *db, uint64_t seq) {
  return db && seq && seq <= db->committed_seq && seq > db->lost_hi;
}

static vt_lmdb_status wtxn_open(vt_lmdb *db) {
  if (db->wtxn) return VT_LMDB_OK;
  int rc = mdb_txn_begin(db->env, NULL, 0, &db->wtxn);
  if (rc != 0) {
    db->wtxn = NULL;
    return fail(db, VT_LMDB_E_IO, "txn_begin", rc);
  }
  db->batch_start_ms = mono_ms();
  return VT_LMDB_OK;
}

/* Abort the open batch (its puts were never acknowledged). */
static void batch_drop(vt_lmdb *db) {
  if (!db->wtxn) return;
  mdb_txn_abort(db->wtxn);
  db->wtxn = NULL;
  if (db->st.pending) db->lost_hi = db->seq;
  db->st.dropped += db->st.pending;
  db->st.pending = 0;
}

/* Map full: delete every fourth entry in one committed transaction. */
static vt_lmdb_status evict_quarter(vt_lmdb *db) {
  MDB_txn *txn = NULL;
  MDB_cursor *cur = NULL;
  MDB_val k, v;
  vt_lmdb_status s = VT_LMDB_E_IO;
  int rc = mdb_txn_begin(db->env, NULL, 0, &txn);
  if (rc == 0) rc = mdb_cursor_open(txn, db->entries, &cur);
  if (rc != 0) goto out;
  uint64_t i = 0;
  for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
    if (i++ % 4 != 0) continue;
    if ((rc = mdb_cursor_del(cur, 0)) != 0) goto out;
    db->st.evicted++;
  }
  if (rc != MDB_NOTFOUND) goto out;
  mdb_cursor_close(cur);
  cur = NULL;
  rc = mdb_txn_commit(txn);
  txn = NULL;
  if (rc == 0) s = VT_LMDB_OK;
out:
  if (cur) mdb_cursor_close(cur);
  if (txn) mdb_txn_abort(txn);
  if (s != VT_LMDB_OK) fail(db, s, "evict", rc);
  return s;
}

/* Put one record into dbi inside the batch; on a full map, drop the batch, evict and
 * retry once. */
static vt_lmdb_status batch_put(vt_lmdb *db, MDB_dbi dbi, MDB_val *k, MDB_val *v) {
  for (int attempt = 0;; attempt++) {
    vt_lmdb_status s = wtxn_open(db);
    if (s != VT_LMDB_OK) return s;
    int rc = mdb_put(db->wtxn, dbi, k, v, 0);
    if (rc == 0) return VT_LMDB_OK;
    batch_drop(db);
    if (rc != MDB_MAP_FULL && rc != MDB_TXN_FULL) return fail(db, VT_LMDB_E_IO, "put", rc);
    if (attempt > 0) return fail(db, VT_LMDB_E_FULL, "put after eviction", rc);
    /* Deleting needs fresh copy-on-write pages, which a full map does not have: give
     * the eviction transaction map/8 of headroom, then ask for the configured size
     * again (LMDB keeps at least what is in use). */
    if (db->rtxn) {
      mdb_txn_abort(db->rtxn);
      db->rtxn = NULL;
    }
    size_t headroom = db->map_size / 8 > (256u << 10) ? db->map_size / 8 : (256u << 10);
    if ((rc = mdb_env_set_mapsize(db->env, db->map_size + headroom)) != 0)
      return fail(db, VT_LMDB_E_IO, "grow map for eviction", rc);
    s = evict_quarter(db);
    if ((rc = mdb_env_set_mapsize(db->env, db->map_size)) != 0)
      return fail(db, VT_LMDB_E_IO, "restore map size", rc);
    if (s != VT_LMDB_OK) return s;
  }
}

static bool key_ok(const void *key, size_t klen) {
  return key && klen > 0 && klen <= VT_LMDB_KEY_MAX;
}

vt_lmdb_status vt_lmdb_put(vt_lmdb *db, const void *key, size_t klen, const void *val,
                           size_t vlen, const vt_cache_meta *meta, uint64_t *seq) {
  if (!db) return VT_LMDB_E_ARG;
  if (!key_ok(key, klen) || vlen > VT_LMDB_VALUE_MAX || !meta || !meta->finalized)
    return fail(db, VT_LMDB_E_ARG, "put (key 1..511 bytes, value <= 16 MiB, finalized only)", 0);
  vt_cache_meta m = *meta;
  if (!m.inserted_ms) m.inserted_ms = vt_cache_now_ms();
  vt_buf_reset(&db->scratch);
  if (!vt_cache_entry_encode(&db->scratch, &m, val, vlen))
    return fail(db, VT_LMDB_E_ARG, "put (bad trust string)", 0);
  MDB_val k = {klen, (void *)key}, v = {db->scratch.len, db->scratch.data};
  vt_lmdb_status s = batch_put(db, db->entries, &k, &v);
  if (s != VT_LMDB_OK) return s;
  db->st.puts++;
  db->st.pending++;
  if (seq) *seq = db->seq + 1;
  db->seq++;
  if (db->st.pending >= db->batch_puts || mono_ms() - db->batch_start_ms >= db->batch_ms)
    return vt_lmdb_flush(db);
  return VT_LMDB_OK;
}

/* The transaction reads go through: the open batch, or the renewed read transaction. */
static vt_lmdb_status read_txn(vt_lmdb *db, MDB_txn **txn) {
  int rc;
  if (db->wtxn) {
    *txn = db->wtxn;
    return VT_LMDB_OK;
  }
  if (db->rtxn) rc = mdb_txn_renew(db->rtxn);
  else rc = mdb_txn_begin(db->env, NULL, MDB_RDONLY, &db->rtxn);
  if (rc != 0) return fail(db, VT_LMDB_E_IO, "read txn", rc);
  *txn = db->rtxn;
  return VT_LMDB_OK;
}

static void read_done(vt_lmdb *db, MDB_txn *txn) {
  if (txn == db->rtxn) mdb_txn_reset(db->rtxn);
}

static vt_lmdb_status read_copy(vt_lmdb *db, MDB_dbi dbi, const void *key, size_t klen,
                                uint8_t **out, size_t *outlen, vt_cache_meta *meta) {
  MDB_txn *txn;
  MDB_val k = {klen, (void *)key}, v;
  uint8_t *copy = NULL;
  vt_lmdb_status s = read_txn(db, &txn);
  if (s != VT_LMDB_OK) return s;
  int rc = mdb_get(txn, dbi, &k, &v);
  if (rc == MDB_NOTFOUND) {
    s = VT_LMDB_NOTFOUND;
    goto out;
  }
  if (rc != 0) {
    s = fail(db, VT_LMDB_E_IO, "get", rc);
    goto out;
  }
  const uint8_t *src = v.mv_data;
  size_t n = v.mv_size;
  if (meta && !vt_cache_entry_decode(v.mv_data, v.mv_size, meta, &src, &n)) {
    s = fail(db, VT_LMDB_E_CORRUPT, "get (entry does not decode)", 0);
    goto out;
  }
  copy = malloc(n ? n : 1);
  if (!copy) {
    s = fail(db, VT_LMDB_E_IO, "get (out of memory)", 0);
    goto out;
  }
  memcpy(copy, src, n);
  *out = copy;
  *outlen = n;
  copy = NULL;
  s = VT_LMDB_OK;
out:
  read_done(db, txn);
  free(copy);
  return s;
}

vt_lmdb_status vt_lmdb_get(vt_lmdb *db, const void *key, size_t klen, uint8_t **val,
                           size_t *vlen, vt_cache_meta *meta) {
  vt_cache_meta scratch;
  if (!db || !key_ok(key, klen) || !val || !vlen) return VT_LMDB_E_ARG;
  db->st.gets++;
  vt_lmdb_status s = read_copy(db, db->entries, key, klen, val, vlen, meta ? meta : &scratch);
  if (s == VT_LMDB_OK) db->st.hits++;
  else db->st.misses++;
  return s;
}

vt_lmdb_status vt_lmdb_delete(vt_lmdb *db, const void *key, size_t klen) {
  if (!db || !key_ok(key, klen)) return VT_LMDB_E_ARG;
  vt_lmdb_status s = wtxn_open(db);
  if (s != VT_LMDB_OK) return s;
  MDB_val k = {klen, (void *)key};
  int rc = mdb_del(db->wtxn, db->entries, &k, NULL);
  if (rc == MDB_NOTFOUND) return VT_LMDB_NOTFOUND;
  if (rc != 0) {
    batch_drop(db);
    return fail(db, VT_LMDB_E_IO, "delete", rc);
  }
  return vt_lmdb_flush(db);
}

static bool name_ok(const char *name) {
  size_t n = name ? strnlen(name, VT_LMDB_BLOB_NAME_MAX + 1) : 0;
  return n > 0 && n <= VT_LMDB_BLOB_NAME_MAX;
}

/* SHA-256 of (name, 0, bytes): binds a blob to its slot as well as to its bytes. */
static void blob_sum(const char *name, const uint8_t *bytes, size_t len, uint8_t out[BLOB_SUM_LEN]) {
  struct sha256_ctx c;
  sha256_init(&c);
  sha256_update(&c, strlen(name) + 1, (const uint8_t *)name);
  if (len) sha256_update(&c, len, bytes);
  sha256_digest(&c, BLOB_SUM_LEN, out);
}

vt_lmdb_status vt_lmdb_put_blob(vt_lmdb *db, const char *name, const void *bytes, size_t len) {
  uint8_t sum[BLOB_SUM_LEN];
  if (!db) return VT_LMDB_E_ARG;
  if (!name_ok(name) || len > VT_LMDB_BLOB_MAX || (!bytes && len))
    return fail(db, VT_LMDB_E_ARG, "put_blob (name 1..64 bytes, blob <= 16 MiB)", 0);
  blob_sum(name, bytes, len, sum);
  vt_buf_reset(&db->scratch);
  if ((len && !vt_buf_append(&db->scratch, bytes, len)) ||
      !vt_buf_append(&db->scratch, sum, sizeof sum))
    return fail(db, VT_LMDB_E_IO, "put_blob (out of memory)", 0);
  MDB_val k = {strlen(name), (void *)name}, v = {db->scratch.len, db->scratch.data};
  vt_lmdb_status s = batch_put(db, db->blobs, &k, &v);
  if (s != VT_LMDB_OK) return s;
  return vt_lmdb_flush(db);
}

vt_lmdb_status vt_lmdb_get_blob(vt_lmdb *db, const char *name, uint8_t **bytes, size_t *len) {
  uint8_t *v = NULL, sum[BLOB_SUM_LEN];
  size_t n = 0;
  if (!db || !name_ok(name) || !bytes || !len) return VT_LMDB_E_ARG;
  vt_lmdb_status s = read_copy(db, db->blobs, name, strlen(name), &v, &n, NULL);
  if (s != VT_LMDB_OK) return s;
  if (n < BLOB_SUM_LEN || n - BLOB_SUM_LEN > VT_LMDB_BLOB_MAX) goto corrupt;
  n -= BLOB_SUM_LEN;
  blob_sum(name, v, n, sum);
  if (memcmp(sum, v + n, BLOB_SUM_LEN) != 0) goto corrupt;
  *bytes = v;
  *len = n;
  return VT_LMDB_OK;
corrupt:
  free(v);
  return fail(db, VT_LMDB_E_CORRUPT, "get_blob (checksum mismatch)", 0);
}

void vt_lmdb_stats_get(vt_lmdb *db, vt_lmdb_stats *out) {
  memset(out, 0, sizeof *out);
  if (!db) return;
  *out = db->st;
  MDB_envinfo info;
  MDB_stat mst;
  if (mdb_env_info(db->env, &info) == 0 && mdb_env_stat(db->env, &mst) == 0) {
    out->map_size = info.me_mapsize;
    out->map_used = (info.me_last_pgno + 1) * (size_t)mst.ms_psize;
  }
}

const char *vt_lmdb_errmsg(const vt_lmdb *db) { return db ? db->errmsg : ""; }
