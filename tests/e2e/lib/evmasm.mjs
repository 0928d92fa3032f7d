// evmasm.mjs: a tiny EVM assembler for the differential test and the benchmark:
// raw opcodes, PUSH of a value in its shortest form (PUSH0 for zero), labels, and
// PUSH2 references to labels resolved in a second pass. hex() returns 0x-prefixed code.

export class Asm {
  constructor() { this.items = []; }
  op(...bs) { for (const b of bs) this.items.push({ b }); return this; }
  push(v) {
    let x = BigInt(v);
    if (x === 0n) return this.op(0x5f);
    const bs = [];
    while (x > 0n) { bs.unshift(Number(x & 0xffn)); x >>= 8n; }
    return this.op(0x5f + bs.length, ...bs);
  }
  label(name) { this.items.push({ label: name }); return this; }
  ref(name) { this.items.push({ ref: name }); return this; }
  hex() {
    const pos = {};
    let pc = 0;
    for (const it of this.items) {
      if (it.label) pos[it.label] = pc;
      else pc += it.ref ? 3 : 1;
    }
    const out = [];
    for (const it of this.items) {
      if (it.label) continue;
      if (it.ref) out.push(0x61, pos[it.ref] >> 8, pos[it.ref] & 0xff);
      else out.push(it.b);
    }
    return '0x' + Buffer.from(out).toString('hex');
  }
}

