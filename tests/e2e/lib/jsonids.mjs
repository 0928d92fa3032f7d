// Byte-exact JSON-RPC ids for the fault proxy.  JSON.parse turns the id
// 123456789012345678901234567890 into a rounded double, so the proxy never lets a
// parsed id reach the wire: it reads the raw text of each top-level "id" member with
// the scanner below, forwards its own small ids upstream, and writes the original
// text back into the response.  The scanner only runs on text JSON.parse already
// accepted, so it only needs to walk valid JSON.  Used by proxy.mjs (and its tests).

export const MAX_SCAN_DEPTH = 64;

/**
 * For a JSON-RPC body (one object, or an array of them), the raw source text of
 * each top-level object's "id" member; undefined where an element has no id or is
 * not an object.  Throws on text that is not valid JSON.
 */
export function rawIds(text) {
  let i = 0;
  const n = text.length;
  const ws = () => { while (i < n && (text[i] === ' ' || text[i] === '\t' || text[i] === '\r' || text[i] === '\n')) i++; };
  const fail = (what) => { throw new Error(`rawIds: ${what} at offset ${i}`); };

  function skipString() {
    i++;
    while (i < n) {
      const c = text[i];
      if (c === '\\') i += 2;
      else if (c === '"') { i++; return; }
      else i++;
    }
    fail('unterminated string');
  }

  function skipValue() {
    ws();
    const c = text[i];
    if (c === '"') return skipString();
    if (c === '{' || c === '[') {
      let depth = 0;
      while (i < n) {
        const d = text[i];
        if (d === '"') { skipString(); continue; }
        if (d === '{' || d === '[') {
          if (++depth > MAX_SCAN_DEPTH) fail('too deep');
        } else if (d === '}' || d === ']') {
          if (--depth === 0) { i++; return; }
        }
        i++;
      }
      fail('unterminated container');
    }
    const start = i;
    while (i < n && !',}] \t\r\n'.includes(text[i])) i++;
    if (i === start) fail('empty value');
  }

  function objectId() {
    i++;
    let id;
    ws();
    if (text[i] === '}') { i++; return id; }
    for (;;) {
      ws();
      if (text[i] !== '"') fail('expected key');
      const ks = i;
      skipString();
      const key = JSON.parse(text.slice(ks, i));
      ws();
      if (text[i] !== ':') fail('expected colon');
      i++;
      ws();
      const vs = i;
      skipValue();
      if (key === 'id') id = text.slice(vs, i);
      ws();
      if (text[i] === ',') { i++; continue; }
      if (text[i] === '}') { i++; return id; }
      fail('expected , or }');
    }
  }

  ws();
  if (text[i] === '{') return [objectId()];
  if (text[i] !== '[') fail('expected object or array');
  i++;
  const out = [];
  ws();
  if (text[i] === ']') return out;
  for (;;) {
    ws();
    if (text[i] === '{') out.push(objectId());
    else { skipValue(); out.push(undefined); }
    ws();
    if (text[i] === ',') { i++; continue; }
    if (text[i] === ']') return out;
    fail('expected , or ]');
  }
}

/**
 * Serialize a response object whose id must be the raw text `idText` (or absent when
 * idText is undefined).  The placeholder cannot collide: it is not valid in any
 * JSON-RPC response the proxy builds from a node's answer.
 */
export function stringifyWithRawId(obj, idText) {
  const PLACEHOLDER = '\u0000verity-proxy-id\u0000';
  const copy = { jsonrpc: '2.0', id: PLACEHOLDER, ...obj };
  copy.id = PLACEHOLDER;
  const s = JSON.stringify(copy);
  return s.replace(JSON.stringify(PLACEHOLDER), idText === undefined ? 'null' : idText);
}
