/*
 * policy.c: the method row as the config allows it (see policy.h).
 */
#include "plan/policy.h"

const vt_method *vt_plan_method(const vt_config *cfg, const char *name, bool *denied) {
  const vt_method *m = vt_method_find(name);
  const vt_method_cfg *mc = vt_config_method(cfg, name);
  *denied = false;
  if (mc && mc->policy == VT_POLICY_DENY) { *denied = true; return m; }
  if (mc && mc->policy == VT_POLICY_ALLOW && (!m || m->kind == VT_M_DENY)) return vt_method_generic_read();
  if (m && m->kind == VT_M_DENY) *denied = true;
  return m;
}
