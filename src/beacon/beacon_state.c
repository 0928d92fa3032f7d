/*
 * beacon_state.c: where the light client's verified store is kept between runs (see
 * beacon.h, "Persistence"). Called by beacon.c: vt_beacon__state_open() from
 * vt_beacon_new(), vt_beacon__load() from vt_beacon_start(), vt_beacon__save() after
 * a durable change and on close, vt_beacon__state_close() when the beacon is freed.
 *
 * Two backends, one blob format (lc_save, with its checksum and its checkpoint):
 *   - a file (anchor.lightclient.state): temp file next to it, fsync, rename, fsync of
 *     the directory;
 *   - the LMDB store in cache.path: blob slot "lightclient" in its own named database
 *     (src/store/lmdb.h), committed with fsync before the save counts as done.
 * An explicit file wins over cache.path: an operator who named a file gets that file.
 * The LMDB handle is shared with the answer cache (vt_lmdb_open of a directory already
 * open in this process takes a reference); this module owns one reference.
 *
 * Whatever is read back goes through lc_load (checksum, network, preset, strict SSZ);
 * a blob from another checkpoint, or one that fails a check, is ignored (logged, and
 * reported in the status's last_error) and the client syncs from its checkpoint.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "beacon/beacon_int.h"
#include "obs/log.h"
#include "store/lmdb.h"

#define STATE_PATH_MAX 4096u

/* One row per backend: its name in logs and status, and how it reads and writes. */
typedef struct {
  const char *name;   /* "state file" | "lmdb store" */
  const char *source; /* checkpoint_source after a restore of an agreed checkpoint */
  const char *(*write)(vt_beacon *b, const uint8_t *blob, size_t len);
  const char *(*read)(vt_beacon *b, uint8_t **blob, size_t *len); /* NULL *blob: none */
} backend;

static bool write_all(int fd, const uint8_t *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= (size_t)w;
  }
  return true;
}

/* fsync the directory holding path, so a rename in it survives a power loss. */
static bool sync_parent(const char *path) {
  char dir[STATE_PATH_MAX];
  const char *slash = strrchr(path, '/');
  size_t n = slash ? (size_t)(slash - path) : 0;
  if (!slash) snprintf(dir, sizeof dir, ".");
  else snprintf(dir, sizeof dir, "%.*s", n ? (int)n : 1, n ? path : "/");
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = fsync(fd) == 0;
  close(fd);
  return ok;
}

/* Temp file next to state_path, fsync, rename over it, fsync the directory. NULL or
 * why not. */
static const char *file_write(vt_beacon *b, const uint8_t *blob, size_t len) {
  char tmp[STATE_PATH_MAX + 32];
  const char *why = NULL;
  snprintf(tmp, sizeof tmp, "%s.tmp.%ld", b->state_path, (long)getpid());
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0 || !write_all(fd, blob, len) || fsync(fd) != 0) {
    why = strerror(errno);
    goto out;
  }
  int rc = close(fd);
  fd = -1;
  if (rc != 0 || rename(tmp, b->state_path) != 0 || !sync_parent(b->state_path))
    why = strerror(errno);
out:
  if (fd >= 0) close(fd);
  if (why) unlink(tmp);
  return why;
}

static const char *file_read(vt_beacon *b, uint8_t **out, size_t *outlen) {
  uint8_t *blob = NULL;
  size_t len = 0;
  const char *why = NULL;
  struct stat st;
  int fd = open(b->state_path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno != ENOENT) why = strerror(errno);
    goto out;
  }
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
      (uint64_t)st.st_size > LC_SAVE_MAX) {
    why = "empty, not a regular file, or over the LC_SAVE_MAX cap";
    goto out;
  }
  if (!(blob = malloc((size_t)st.st_size))) {
    why = "out of memory";
    goto out;
  }
  while (len < (size_t)st.st_size) {
    ssize_t r = read(fd, blob + len, (size_t)st.st_size - len);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    len += (size_t)r;
  }
  if (len != (size_t)st.st_size) {
    why = "short read";
    goto out;
  }
  *out = blob;
  *outlen = len;
  blob = NULL;
out:
  if (fd >= 0) close(fd);
  free(blob);
  return why;
}

static const char *lmdb_write(vt_beacon *b, const uint8_t *blob, size_t len) {
  if (vt_lmdb_put_blob(b->store, VT_BEACON_LMDB_SLOT, blob, len) != VT_LMDB_OK)
    return vt_lmdb_errmsg(b->store);
  return NULL;
}

static const char *lmdb_read(vt_beacon *b, uint8_t **out, size_t *outlen) {
  vt_lmdb_status s = vt_lmdb_get_blob(b->store, VT_BEACON_LMDB_SLOT, out, outlen);
  if (s == VT_LMDB_NOTFOUND) return NULL;
  if (s != VT_LMDB_OK) {
    *out = NULL;
    return vt_lmdb_errmsg(b->store);
  }
  if (*outlen == 0 || *outlen > LC_SAVE_MAX) {
    free(*out);
    *out = NULL;
    return "empty or over the LC_SAVE_MAX cap";
  }
  return NULL;
}

static const backend backends[] = {
    {"state file", "agreed by beacon endpoints (state file)", file_write, file_read},
    {"lmdb store", "agreed by beacon endpoints (lmdb store)", lmdb_write, lmdb_read},
};

/* The backend in use, or NULL when nothing persists. */
static const backend *backend_of(const vt_beacon *b) {
  if (b->state_path) return &backends[0];
  if (b->store) return &backends[1];
  return NULL;
}

static bool state_err(char *err, size_t errlen, const char *what, const char *detail) {
  if (err && errlen) snprintf(err, errlen, "%s%s", what, detail);
  return false;
}

bool vt_beacon__state_open(vt_beacon *b, const vt_beacon_opts *o, char *err, size_t errlen) {
  char e[256];
  if (o->state_path) {
    if (!*o->state_path || strlen(o->state_path) >= STATE_PATH_MAX)
      return state_err(err, errlen, "anchor state path: empty or over 4095 bytes", "");
    if (!(b->state_path = strdup(o->state_path))) return state_err(err, errlen, "out of memory", "");
    if (o->store_path && *o->store_path)
      VT_LOG(VT_LOG_INFO, "beacon_state", "where=file not_used=cache.path");
    return true;
  }
  if (!o->store_path || !*o->store_path) return true;
  if (vt_lmdb_open(o->store_path, VT_LMDB_MAP_DEFAULT, &b->store, e, sizeof e) != 0)
    return state_err(err, errlen, "cache.path: ", e);
  return true;
}

void vt_beacon__state_close(vt_beacon *b) {
  vt_lmdb_close(b->store);
  b->store = NULL;
  free(b->state_path);
  b->state_path = NULL;
}

void vt_beacon__save(vt_beacon *b) {
  const backend *be = backend_of(b);
  if (!be || !b->lc->bootstrapped) return;
  uint8_t *blob = malloc(LC_SAVE_MAX);
  size_t len = 0;
  vc_err err = {{0}};
  const char *why = NULL;
  if (!blob) {
    why = "out of memory";
    goto out;
  }
  if (lc_save(b->lc, blob, LC_SAVE_MAX, &len, &err) != VC_OK) {
    why = err.msg;
    goto out;
  }
  if ((why = be->write(b, blob, len)) != NULL) goto out;
  b->dirty = false;
  VT_LOG(VT_LOG_DEBUG, "beacon_state_saved", "where=%s bytes=%zu finalized_slot=%llu", be->name,
         len, (unsigned long long)b->lc->finalized_header.beacon.slot);
out:
  if (why) {
    snprintf(b->last_error, sizeof b->last_error, "%s not saved: %s", be->name, why);
    VT_LOG(VT_LOG_WARN, "beacon_state_save_failed", "where=%s error=%s", be->name, why);
  }
  free(blob);
}

void vt_beacon__load(vt_beacon *b) {
  const backend *be = backend_of(b);
  if (!be) return;
  uint8_t *blob = NULL;
  size_t len = 0;
  vc_err err = {{0}};
  const char *why = be->read(b, &blob, &len);
  if (why || !blob) goto out;
  if (lc_load(b->lc, vc_bytes_of(blob, len), &err) != VC_OK) {
    why = err.msg;
    goto out;
  }
  if (b->need_checkpoint) {
    /* Agreed at an earlier start and persisted with the store: never asked again. */
    memcpy(b->checkpoint, b->lc->checkpoint, 32);
    b->need_checkpoint = false;
    snprintf(b->checkpoint_source, sizeof b->checkpoint_source, "%s", be->source);
  } else if (memcmp(b->lc->checkpoint, b->checkpoint, 32) != 0) {
    /* The operator chose another checkpoint: honour it, resync from there. */
    lc_free(b->lc);
    lc_init(b->lc, &b->cfg, b->checkpoint);
    why = "made from another checkpoint";
    goto out;
  }
  b->restored = true;
  VT_LOG(VT_LOG_INFO, "beacon_state_restored",
         "where=%s finalized_slot=%llu optimistic_slot=%llu", be->name,
         (unsigned long long)b->lc->finalized_header.beacon.slot,
         (unsigned long long)b->lc->optimistic_header.beacon.slot);
out:
  if (why) {
    snprintf(b->last_error, sizeof b->last_error, "%s ignored: %s", be->name, why);
    VT_LOG(VT_LOG_WARN, "beacon_state_ignored", "where=%s error=%s", be->name, why);
  }
  free(blob);
}
