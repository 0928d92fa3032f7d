/*
 * policy.h: which method row serves a client's method: the method table's row
 * (rpc/methods.h), as the config's `methods:` entries allow or deny it. The first step
 * of planning, before params are checked and pinned (params.h). No state, no I/O.
 */
#ifndef VT_POLICY_H
#define VT_POLICY_H

#include <stdbool.h>

#include "config/config.h"
#include "rpc/methods.h"

/* The row for name: NULL when verity does not know the method (and the config does not
 * allow it); *denied when the row or the config denies it (the row is still returned).
 * A method the config allows by name or prefix that is unknown or denied by default is
 * served as a plain read (vt_method_generic_read). */
const vt_method *vt_plan_method(const vt_config *cfg, const char *name, bool *denied);

#endif
