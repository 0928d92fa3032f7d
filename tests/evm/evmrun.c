/*
 * evmrun.c: run bytecode on the core's EVM and print what happened, build/<V>/evmrun.
 *
 *   evmrun [--gas N] [--repeat N] [--fork cancun|prague|osaka] [--input HEX]
 *          [--slot KEY=VALUE]... [--code-file FILE] [--call 1] [CODEHEX]
 *
 * A fresh complete state holds the code at EVMRUN_CONTRACT (with the given storage
 * slots) and a caller EVMRUN_CALLER with a large balance. One transaction (type 2, zero
 * fees, block base fee zero) from the caller to the contract with the input as calldata
 * runs through evm_execute_tx, so gasUsed is what a transaction is charged: intrinsic
 * gas, execution, refund, and the EIP-7623 floor from Prague on. Printed as one JSON
 * object: {status, gasUsed, output, logs, storage, error}, where storage is every
 * non-zero slot of the contract afterwards (pre slots included) and status is
 * "success", "revert", "halt" (with the halt name in error) or "invalid".
 *
 * --call 1 runs it through evm_call instead (eth_call semantics: the state is left as
 * it was, so storage shows the pre slots; gasUsed is what eth_call would report), the
 * path the gateway's verified eth_call takes.
 *
 * --repeat N runs the same transaction N times (nonce 0..N-1, state carried over) and
 * adds {runs, seconds, usPerRun} for the benchmarks; the printed result is the last
 * run's. Used by tests/e2e/evm_diff.test.mjs and bench/evm.sh. Test tooling: reads
 * files, prints, allocates freely, exits non-zero on bad usage or a setup failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/evm/evm.h"
#include "core/keccak.h"

#define EVMRUN_MAX_CODE ((size_t)1 << 24) /* bytes of code (hex file up to twice that) */
#define EVMRUN_MAX_INPUT ((size_t)1 << 24)
#define EVMRUN_MAX_SLOTS 4096
#define EVMRUN_MAX_REPEAT 100000000UL
#define EVMRUN_DEFAULT_GAS 30000000ULL

static const uint8_t EVMRUN_CONTRACT[20] = {0xc0, 0xde, 0xc0, 0xde, 0xc0, 0xde, 0xc0, 0xde, 0xc0, 0xde,
                                            0xc0, 0xde, 0xc0, 0xde, 0xc0, 0xde, 0xc0, 0xde, 0xc0, 0xde};
static const uint8_t EVMRUN_CALLER[20] = {0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                          0,    0, 0, 0, 0, 0, 0, 0, 0, 0x01};
static const uint8_t EVMRUN_COINBASE[20] = {0xcb, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                            0,    0, 0, 0, 0, 0, 0, 0, 0, 0xcb};

typedef struct {
  uint64_t gas;
  unsigned long repeat;
  bool call;
  evm_fork fork;
  uint8_t *code, *input;
  size_t code_len, input_len;
  uint8_t (*slots)[2][32];
  size_t n_slots;
} opts;

static const struct {
  const char *name;
  evm_fork fork;
} forks[] = {{"cancun", EVM_CANCUN}, {"prague", EVM_PRAGUE}, {"osaka", EVM_OSAKA}};

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = (char)(c | 0x20);
  return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Hex (0x optional, whitespace ignored) -> malloc'd bytes; NULL on bad hex or over cap. */
static uint8_t *unhex(const char *s, size_t cap, size_t *len) {
  if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) s += 2;
  uint8_t *out = malloc(strlen(s) / 2 + 1), *ret = NULL;
  size_t n = 0;
  int hi = -1;
  if (!out) goto out;
  for (; *s; s++) {
    if (*s == ' ' || *s == '\n' || *s == '\r' || *s == '\t') continue;
    int v = hexval(*s);
    if (v < 0 || n >= cap) goto out;
    if (hi < 0) {
      hi = v;
    } else {
      out[n++] = (uint8_t)(hi << 4 | v);
      hi = -1;
    }
  }
  if (hi >= 0) goto out;
  *len = n;
  ret = out;
  out = NULL; /* the caller owns it now */
out:
  free(out);
  return ret;
}

/* A 32-byte word from hex of at most 64 digits (0x optional, odd counts allowed),
 * right-aligned. */
static int word(const char *s, uint8_t out[32]) {
  char even[68];
  size_t n;
  if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) s += 2;
  if (strlen(s) > 64) return -1;
  snprintf(even, sizeof even, "%s%s", strlen(s) % 2 ? "0" : "", s);
  uint8_t *b = unhex(even, 32, &n);
  if (!b) return -1;
  memset(out, 0, 32);
  memcpy(out + 32 - n, b, n);
  free(b);
  return 0;
}

static char *read_text(const char *path) {
  FILE *f = fopen(path, "rb");
  char *buf = NULL;
  if (!f) return NULL;
  if (fseek(f, 0, SEEK_END) == 0) {
    long n = ftell(f);
    if (n >= 0 && (size_t)n <= 2 * EVMRUN_MAX_CODE + 16 && fseek(f, 0, SEEK_SET) == 0 &&
        (buf = malloc((size_t)n + 1))) {
      if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
      } else {
        buf[n] = 0;
      }
    }
  }
  fclose(f);
  return buf;
}

static int usage(const char *why) {
  fprintf(stderr, "evmrun: %s\nusage: evmrun [--gas N] [--repeat N] [--fork cancun|prague|osaka] "
                  "[--input HEX] [--slot KEY=VALUE]... [--code-file FILE] [--call 1] [CODEHEX]\n", why);
  return 2;
}

static int parse_num(const char *s, unsigned long long max, unsigned long long *out) {
  char *end;
  unsigned long long v = strtoull(s, &end, 0);
  if (!*s || *end || v > max) return -1;
  *out = v;
  return 0;
}

static int parse_opt(opts *o, const char *k, const char *v) {
  unsigned long long n;
  if (strcmp(k, "--gas") == 0) {
    if (parse_num(v, UINT64_MAX, &n)) return usage("--gas: expected a number");
    o->gas = n;
  } else if (strcmp(k, "--repeat") == 0) {
    if (parse_num(v, EVMRUN_MAX_REPEAT, &n) || n == 0) return usage("--repeat: 1..100000000");
    o->repeat = (unsigned long)n;
  } else if (strcmp(k, "--call") == 0) {
    if (strcmp(v, "0") != 0 && strcmp(v, "1") != 0) return usage("--call: 0 or 1");
    o->call = v[0] == '1';
  } else if (strcmp(k, "--fork") == 0) {
    size_t i = 0;
    while (i < sizeof forks / sizeof forks[0] && strcmp(forks[i].name, v) != 0) i++;
    if (i == sizeof forks / sizeof forks[0]) return usage("--fork: cancun, prague or osaka");
    o->fork = forks[i].fork;
  } else if (strcmp(k, "--input") == 0) {
    free(o->input);
    if (!(o->input = unhex(v, EVMRUN_MAX_INPUT, &o->input_len))) return usage("--input: bad hex");
  } else if (strcmp(k, "--slot") == 0) {
    char key[80];
    const char *eq = strchr(v, '=');
    if (!eq || (size_t)(eq - v) >= sizeof key || o->n_slots == EVMRUN_MAX_SLOTS)
      return usage("--slot: KEY=VALUE, at most 4096 of them");
    memcpy(key, v, (size_t)(eq - v));
    key[eq - v] = 0;
    if (word(key, o->slots[o->n_slots][0]) || word(eq + 1, o->slots[o->n_slots][1]))
      return usage("--slot: KEY and VALUE are hex words");
    o->n_slots++;
  } else if (strcmp(k, "--code-file") == 0) {
    char *txt = read_text(v);
    free(o->code);
    o->code = txt ? unhex(txt, EVMRUN_MAX_CODE, &o->code_len) : NULL;
    free(txt);
    if (!o->code) return usage("--code-file: unreadable, bad hex or over 16 MiB");
  } else {
    return usage("unknown option");
  }
  return 0;
}

static void print_hex(const uint8_t *b, size_t n) {
  static const char d[] = "0123456789abcdef";
  putchar('"');
  putchar('0');
  putchar('x');
  for (size_t i = 0; i < n; i++) {
    putchar(d[b[i] >> 4]);
    putchar(d[b[i] & 15]);
  }
  putchar('"');
}

static void print_result(const evm_state *s, const evm_result *r) {
  static const char *const st[] = {"success", "revert", "halt", "invalid", "missing"};
  printf("{\"status\":\"%s\",\"gasUsed\":%llu,\"output\":", st[r->status],
         (unsigned long long)r->gas_used);
  print_hex(r->output, r->output_len);
  printf(",\"logs\":[");
  for (size_t i = 0; i < r->n_logs; i++) {
    printf("%s{\"address\":", i ? "," : "");
    print_hex(r->logs[i].addr, 20);
    printf(",\"topics\":[");
    for (size_t t = 0; t < r->logs[i].n_topics; t++) {
      if (t) putchar(',');
      print_hex(r->logs[i].topics[t], 32);
    }
    printf("],\"data\":");
    print_hex(r->logs[i].data, r->logs[i].data_len);
    putchar('}');
  }
  printf("],\"storage\":{");
  size_t cur = 0, n = 0;
  uint8_t k[32], v[32];
  while (evm_state_next_slot(s, EVMRUN_CONTRACT, &cur, k, v)) {
    if (n++) putchar(',');
    print_hex(k, 32);
    putchar(':');
    print_hex(v, 32);
  }
  printf("},\"error\":\"");
  for (const char *c = r->err.msg; *c; c++)
    if (*c != '"' && *c != '\\' && (unsigned char)*c >= 0x20) putchar(*c);
  if (r->status == EVM_HALT && !r->err.msg[0]) printf("%s", evm_halt_name(r->halt));
  printf("\"");
}

static int setup(evm_state *s, const opts *o) {
  vc_err err;
  vc_u256 rich = {{0, 0, 1, 0}}, zero = {{0}};
  int rc = -1;
  if (evm_state_put_account(s, EVMRUN_CALLER, &rich, 0, NULL, &err) != VC_OK ||
      evm_state_put_account(s, EVMRUN_CONTRACT, &zero, 1, NULL, &err) != VC_OK ||
      (o->code_len && evm_state_set_code(s, EVMRUN_CONTRACT, o->code, o->code_len, &err) != VC_OK))
    goto out;
  for (size_t i = 0; i < o->n_slots; i++)
    if (evm_state_put_slot(s, EVMRUN_CONTRACT, o->slots[i][0], o->slots[i][1], &err) != VC_OK)
      goto out;
  rc = 0;
out:
  if (rc) fprintf(stderr, "evmrun: setting up the state: %s\n", err.msg);
  return rc;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  opts o = {EVMRUN_DEFAULT_GAS, 1, false, EVM_PRAGUE, NULL, NULL, 0, 0, NULL, 0};
  evm_state *s = NULL;
  evm_result r;
  int rc = 2;
  memset(&r, 0, sizeof r);
  if (!(o.slots = calloc(EVMRUN_MAX_SLOTS, sizeof *o.slots))) goto out;
  int i = 1;
  for (; i < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
    if (i + 1 >= argc) {
      rc = usage("option without a value");
      goto out;
    }
    if ((rc = parse_opt(&o, argv[i], argv[i + 1])) != 0) goto out;
  }
  rc = 2;
  if (i < argc) {
    free(o.code);
    if (i + 1 != argc || !(o.code = unhex(argv[i], EVMRUN_MAX_CODE, &o.code_len))) {
      rc = usage("CODEHEX: one hex string");
      goto out;
    }
  }
  if (!(s = evm_state_new(EVM_STATE_COMPLETE)) || setup(s, &o)) goto out;
  evm_block b = {.fork = o.fork, .number = 1, .timestamp = 1000, .gas_limit = UINT64_MAX / 2,
                 .chain_id = 1};
  memcpy(b.coinbase, EVMRUN_COINBASE, 20);
  evm_tx tx = {.type = 2, .gas_limit = o.gas, .data = o.input, .data_len = o.input_len};
  memcpy(tx.from, EVMRUN_CALLER, 20);
  memcpy(tx.to, EVMRUN_CONTRACT, 20);
  double t0 = now_s();
  for (unsigned long k = 0; k < o.repeat; k++) {
    evm_result_free(&r);
    tx.nonce = k;
    vc_status st = o.call ? evm_call(s, &b, &tx, o.gas, &r) : evm_execute_tx(s, &b, &tx, &r);
    if (st != VC_OK) {
      fprintf(stderr, "evmrun: %s: %s\n", o.call ? "evm_call" : "evm_execute_tx", r.err.msg);
      goto out;
    }
  }
  double secs = now_s() - t0;
  print_result(s, &r);
  if (o.repeat > 1)
    printf(",\"runs\":%lu,\"seconds\":%.6f,\"usPerRun\":%.3f", o.repeat, secs,
           secs * 1e6 / (double)o.repeat);
  printf("}\n");
  rc = 0;
out:
  evm_result_free(&r);
  if (s) evm_state_free(s);
  free(o.code);
  free(o.input);
  free(o.slots);
  return rc;
}
