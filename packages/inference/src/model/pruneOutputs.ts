/**
 * A copy of an ONNX model without some graph outputs and the nodes only they need.
 *
 * onnxruntime runs every node of a graph whatever outputs a caller fetches, so the trained graph's
 * explanation branch costs every request (about 14% of a one-text run, measured). Plain requests
 * therefore run a pruned copy; explanations use the whole graph.
 *
 * Written against the protobuf wire format rather than decoding the model with onnx-proto: a full
 * decode and re-encode of a 5-20 MB model (tens of thousands of vocabulary strings in one attribute)
 * took 60-100 ms, most of the Lambda's cold-start budget; copying the byte ranges of the fields kept
 * takes about a millisecond. Only the fields needed are read: ModelProto.graph (7); GraphProto.node (1),
 * .initializer (5), .output (12); NodeProto.input (1), .output (2), .op_type (4);
 * TensorProto.name (8); ValueInfoProto.name (1).
 */

interface Field {
  field: number;
  /** Byte range of the whole field (tag included) and of its value. */
  start: number;
  end: number;
  valueStart: number;
  valueEnd: number;
}

function readVarint(bytes: Uint8Array, pos: number): [number, number] {
  let value = 0;
  let shift = 0;
  for (;;) {
    const b = bytes[pos++];
    if (b === undefined) throw new RangeError('truncated varint');
    value += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return [value, pos];
    shift += 7;
  }
}

function fields(bytes: Uint8Array): Field[] {
  const out: Field[] = [];
  let pos = 0;
  while (pos < bytes.length) {
    const start = pos;
    const [tag, afterTag] = readVarint(bytes, pos);
    pos = afterTag;
    const wire = tag % 8;
    let valueStart = pos;
    if (wire === 0) pos = readVarint(bytes, pos)[1];
    else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else if (wire === 2) {
      const [len, afterLen] = readVarint(bytes, pos);
      valueStart = afterLen;
      pos = afterLen + len;
    } else throw new RangeError(`unsupported wire type ${wire}`);
    if (pos > bytes.length) throw new RangeError('truncated field');
    out.push({ field: Math.floor(tag / 8), start, end: pos, valueStart, valueEnd: pos });
  }
  return out;
}

const decoder = new TextDecoder();
const text = (bytes: Uint8Array, f: Field) => decoder.decode(bytes.subarray(f.valueStart, f.valueEnd));
const strings = (bytes: Uint8Array, of: Field, field: number) =>
  fields(bytes.subarray(of.valueStart, of.valueEnd))
    .filter((f) => f.field === field)
    .map((f) => text(bytes.subarray(of.valueStart, of.valueEnd), f));

function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
  return out;
}

/** Graph output names of a model, in order. */
export function graphOutputs(model: Uint8Array): string[] {
  const graph = fields(model).find((f) => f.field === 7);
  if (!graph) return [];
  const g = model.subarray(graph.valueStart, graph.valueEnd);
  return fields(g)
    .filter((f) => f.field === 12)
    .map((f) => strings(g, f, 1)[0] ?? '');
}

/**
 * The model without the named graph outputs and every node and initializer only they need. Returns
 * the bytes unchanged when nothing would be dropped, or when the graph has control-flow nodes (their
 * subgraphs read outer values by name, which this does not trace).
 */
export function pruneOutputs(model: Uint8Array, drop: ReadonlySet<string>): Uint8Array {
  const top = fields(model);
  const graphField = top.find((f) => f.field === 7);
  if (!graphField) return model;
  const g = model.subarray(graphField.valueStart, graphField.valueEnd);
  const graphFields = fields(g);
  const outputs = graphFields.filter((f) => f.field === 12).map((f) => ({ f, name: strings(g, f, 1)[0] ?? '' }));
  if (!outputs.some((o) => drop.has(o.name))) return model;

  const nodes = graphFields
    .filter((f) => f.field === 1)
    .map((f) => ({ f, inputs: strings(g, f, 1), outputs: strings(g, f, 2), op: strings(g, f, 4)[0] ?? '' }));
  if (nodes.some((n) => n.op === 'If' || n.op === 'Loop' || n.op === 'Scan')) return model;

  const needed = new Set(outputs.filter((o) => !drop.has(o.name)).map((o) => o.name));
  const keptNodes = new Set<Field>();
  for (let i = nodes.length - 1; i >= 0; i--) {
    const n = nodes[i] as (typeof nodes)[number];
    if (n.outputs.some((o) => needed.has(o))) {
      keptNodes.add(n.f);
      for (const input of n.inputs) needed.add(input);
    }
  }
  const keep = (f: Field): boolean => {
    if (f.field === 1) return keptNodes.has(f);
    if (f.field === 12) return !drop.has(strings(g, f, 1)[0] ?? '');
    if (f.field === 5) return needed.has(strings(g, f, 8)[0] ?? '');
    return true;
  };
  const graphBytes = graphFields.filter(keep).map((f) => g.subarray(f.start, f.end));
  const graphLength = graphBytes.reduce((a, b) => a + b.length, 0);
  const parts: Uint8Array[] = [];
  for (const f of top) {
    if (f !== graphField) {
      parts.push(model.subarray(f.start, f.end));
      continue;
    }
    parts.push(Uint8Array.from([...varint(7 * 8 + 2), ...varint(graphLength)]), ...graphBytes);
  }
  const out = new Uint8Array(parts.reduce((a, b) => a + b.length, 0));
  let pos = 0;
  for (const p of parts) {
    out.set(p, pos);
    pos += p.length;
  }
  return out;
}
