/*
 * statetest.c: the EVM conformance runner, build/<V>/evm-statetest.
 *
 *   evm-statetest [--known FILE] [--root DIR] [--slow SECS] PATH...
 *
 * Every PATH is a state test file or a folder walked recursively for *.json. Each post
 * entry of a fork the EVM runs (Frontier to Osaka; sx_fork_of) is one case, run
 * and judged by stexec.c; entries of other forks are counted as skipped. A failing case
 * prints one line, `FAIL <id> <why>`, where <id> is `<file relative to --root>:<fork>:
 * <data>:<gas>:<value>` (with `/<test name>` after the file when the file holds several
 * tests). Each PATH ends with `<PATH>: N passed, M failed, K skipped`, and the run with
 * the plain line `N passed, M failed`.
 *
 * The known-failures file (one `<id> <reason>` per line, `#` comments) lists cases
 * that may fail: they are counted in the summary, not printed, and not counted as
 * failed. The exit status is non-zero when an unlisted case fails, when a file cannot
 * be loaded, and when a listed case passes (the list must shrink: remove its line).
 * Called by scripts/evm-tests.sh, one folder per job.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "stexec.h"
#include "st_load.h"

#define SR_MAX_FILES 100000  /* json files under one run */
#define SR_MAX_PATH 4096
#define SR_MAX_KNOWN 65536   /* lines of the known-failures file */
#define SR_MAX_LINE 4096
#define SR_MAX_ID 1024

typedef struct {
  char *id;
  char *reason;
  bool seen;
} known_case;

typedef struct {
  known_case *k;
  size_t n;
} known_list;

typedef struct {
  char **v;
  size_t n, cap;
} path_list;

typedef struct {
  size_t passed, failed, skipped, known, now_passing, load_errors;
} tally;

typedef struct {
  known_list known;
  const char *root;
  double slow;
} runner;

static int cmp_known(const void *a, const void *b) {
  return strcmp(((const known_case *)a)->id, ((const known_case *)b)->id);
}

static int load_known(const char *path, known_list *kl) {
  FILE *f = fopen(path, "r");
  char line[SR_MAX_LINE];
  size_t lineno = 0;
  int rc = -1;
  if (!f) {
    fprintf(stderr, "evm-statetest: cannot open the known-failures file %s\n", path);
    return -1;
  }
  kl->k = calloc(SR_MAX_KNOWN, sizeof *kl->k);
  if (!kl->k) goto out;
  while (fgets(line, sizeof line, f)) {
    lineno++;
    char *s = line + strspn(line, " \t");
    s[strcspn(s, "\r\n")] = 0;
    if (!*s || *s == '#') continue;
    char *sp = s + strcspn(s, " \t");
    char *reason = *sp ? sp + 1 + strspn(sp + 1, " \t") : sp;
    *sp = 0;
    if (!*reason) {
      fprintf(stderr, "%s:%zu: %s has no reason; write why it fails after the id\n", path,
              lineno, s);
      goto out;
    }
    if (kl->n == SR_MAX_KNOWN) {
      fprintf(stderr, "%s: more than %d lines (SR_MAX_KNOWN)\n", path, SR_MAX_KNOWN);
      goto out;
    }
    kl->k[kl->n].id = strdup(s);
    kl->k[kl->n].reason = strdup(reason);
    if (!kl->k[kl->n].id || !kl->k[kl->n].reason) goto out;
    kl->n++;
  }
  qsort(kl->k, kl->n, sizeof *kl->k, cmp_known);
  rc = 0;
out:
  fclose(f);
  return rc;
}

static known_case *find_known(known_list *kl, const char *id) {
  known_case key = {(char *)id, NULL, false};
  return kl->n ? bsearch(&key, kl->k, kl->n, sizeof *kl->k, cmp_known) : NULL;
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static int walk(const char *path, path_list *out) {
  struct stat st;
  if (stat(path, &st) != 0) {
    fprintf(stderr, "evm-statetest: %s: no such file or folder\n", path);
    return -1;
  }
  if (!S_ISDIR(st.st_mode)) {
    size_t n = strlen(path);
    if (n < 5 || strcmp(path + n - 5, ".json") != 0) return 0;
    if (out->n == SR_MAX_FILES) {
      fprintf(stderr, "evm-statetest: more than %d files (SR_MAX_FILES)\n", SR_MAX_FILES);
      return -1;
    }
    if (out->n == out->cap) {
      out->cap = out->cap ? 2 * out->cap : 256;
      char **nv = realloc(out->v, out->cap * sizeof *nv);
      if (!nv) return -1;
      out->v = nv;
    }
    return (out->v[out->n] = strdup(path)) ? (out->n++, 0) : -1;
  }
  DIR *d = opendir(path);
  if (!d) return -1;
  struct dirent *de;
  int rc = 0;
  while (rc == 0 && (de = readdir(d))) {
    if (de->d_name[0] == '.') continue;
    char sub[SR_MAX_PATH];
    if ((size_t)snprintf(sub, sizeof sub, "%s/%s", path, de->d_name) >= sizeof sub) continue;
    rc = walk(sub, out);
  }
  closedir(d);
  return rc;
}

static const char *rel_to(const char *path, const char *root) {
  size_t n = root ? strlen(root) : 0;
  if (n && strncmp(path, root, n) == 0) {
    path += n;
    while (*path == '/') path++;
  }
  return path;
}

static void run_case(runner *rn, const char *file, const st_file *f, const st_test *t,
                     const st_post *p, tally *ty) {
  int fork = sx_fork_of(p->fork);
  if (fork < 0) {
    ty->skipped++;
    return;
  }
  char id[SR_MAX_ID];
  snprintf(id, sizeof id, "%s%s%s:%s:%zu:%zu:%zu", rel_to(file, rn->root), f->n_tests > 1 ? "/" : "",
           f->n_tests > 1 ? t->name : "", p->fork, p->d, p->g, p->v);
  for (char *c = id; *c; c++)
    if (*c == ' ' || *c == '\t') *c = '_';
  sx_outcome o;
  int rc = sx_run(t, p, (evm_fork)fork, &o);
  if (rc == 0 && o.seconds > rn->slow && rn->slow > 0) printf("SLOW %s %.2f s\n", id, o.seconds);
  known_case *k = find_known(&rn->known, id);
  if (k) k->seen = true;
  if (rc == 0 && o.pass) {
    ty->passed++;
    if (k) {
      ty->now_passing++;
      printf("NOW PASSING %s (listed as: %s): remove it from the known-failures list\n", id,
             k->reason);
    }
  } else if (k) {
    ty->known++; /* counted, not printed: the list itself says why */
  } else {
    ty->failed++;
    printf("FAIL %s %s%s\n", id, rc ? "setup: " : "", o.why);
  }
}

static void run_path(runner *rn, const char *arg, tally *all) {
  sx_use_bls_draft(strstr(arg, "stEIP2537") != NULL); /* filled with the draft EIP */
  path_list pl = {0};
  tally ty = {0};
  if (walk(arg, &pl) != 0) ty.load_errors++;
  qsort(pl.v, pl.n, sizeof *pl.v, cmp_str);
  for (size_t i = 0; i < pl.n; i++) {
    st_file f;
    st_err err;
    if (st_file_load(pl.v[i], &f, &err) != 0) {
      printf("FAIL %s load: %s\n", rel_to(pl.v[i], rn->root), err.msg);
      ty.load_errors++;
      ty.failed++;
      continue;
    }
    for (size_t t = 0; t < f.n_tests; t++)
      for (size_t p = 0; p < f.tests[t].n_post; p++)
        run_case(rn, pl.v[i], &f, &f.tests[t], &f.tests[t].post[p], &ty);
    st_file_free(&f);
    free(pl.v[i]);
  }
  free(pl.v);
  printf("%s: %zu passed, %zu failed, %zu skipped", rel_to(arg, rn->root), ty.passed, ty.failed,
         ty.skipped);
  if (ty.known) printf(", %zu known failures", ty.known);
  if (ty.now_passing) printf(", %zu listed but passing", ty.now_passing);
  printf("\n");
  all->passed += ty.passed;
  all->failed += ty.failed;
  all->skipped += ty.skipped;
  all->known += ty.known;
  all->now_passing += ty.now_passing;
  all->load_errors += ty.load_errors;
}

static int usage(void) {
  fprintf(stderr, "usage: evm-statetest [--known FILE] [--root DIR] [--slow SECS] PATH...\n"
                  "  PATH: a GeneralStateTests file or folder (walked recursively)\n");
  return 2;
}

int main(int argc, char **argv) {
  runner rn = {{NULL, 0}, NULL, 0};
  tally all = {0};
  int i = 1, rc = 1;
  for (; i < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
    if (i + 1 >= argc) return usage();
    if (strcmp(argv[i], "--known") == 0) {
      if (load_known(argv[i + 1], &rn.known)) goto out;
    } else if (strcmp(argv[i], "--root") == 0) {
      rn.root = argv[i + 1];
    } else if (strcmp(argv[i], "--slow") == 0) {
      char *end;
      rn.slow = strtod(argv[i + 1], &end);
      if (*end || rn.slow < 0) return usage();
    } else {
      return usage();
    }
  }
  if (i >= argc) return usage();
  for (; i < argc; i++) run_path(&rn, argv[i], &all);
  printf("%zu passed, %zu failed\n", all.passed, all.failed);
  if (all.known || all.skipped)
    printf("(%zu known failures not counted, %zu entries of other forks skipped)\n", all.known,
           all.skipped);
  rc = all.failed || all.now_passing || all.load_errors ? 1 : 0;
out:
  for (size_t k = 0; k < rn.known.n; k++) {
    free(rn.known.k[k].id);
    free(rn.known.k[k].reason);
  }
  free(rn.known.k);
  return rc;
}
