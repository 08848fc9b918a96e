/**
 * Just enough of the protobuf wire format to read and rewrite an ONNX model without decoding it.
 *
 * A full decode and re-encode with onnx-proto of a 5-20 MB model (tens of thousands of vocabulary
 * strings in one attribute) takes 60-100 ms, most of a Lambda's cold-start budget; walking the fields
 * and copying the byte ranges kept takes about a millisecond. Field numbers are onnx.proto's.
 */

export const MODEL = { graph: 7 } as const;
export const GRAPH = { node: 1, initializer: 5, input: 11, output: 12, valueInfo: 13 } as const;
export const NODE = { input: 1, output: 2, name: 3, opType: 4, attribute: 5, domain: 7 } as const;
export const ATTRIBUTE = { name: 1, f: 2, i: 3, s: 4, ints: 8, strings: 9 } as const;
export const TENSOR = { dims: 1, dataType: 2, int64Data: 7, name: 8, rawData: 9 } as const;
export const VALUE_INFO = { name: 1 } as const;
/** TensorProto.DataType values used here. */
export const ELEM = { float: 1, string: 8, int64: 7 } as const;

export interface Field {
  field: number;
  wire: number;
  /** Byte range of the whole field (tag included) and of its value (for varints: the varint). */
  start: number;
  end: number;
  valueStart: number;
  valueEnd: number;
}

export function readVarint(bytes: Uint8Array, pos: number): [number, number] {
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

/** A varint read as a signed int64 (negative values take ten bytes), exact within ±2^53. */
export function readInt64(bytes: Uint8Array, pos: number): [number, number] {
  const [value, next] = readVarint(bytes, pos);
  if (next - pos < 10) return [value, next];
  let v = 0n;
  for (let i = next - 1; i >= pos; i--) v = (v << 7n) | BigInt((bytes[i] as number) & 0x7f);
  return [Number(BigInt.asIntN(64, v)), next];
}

/** The fields of one message, in order. */
export function fields(bytes: Uint8Array): Field[] {
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
    out.push({ field: Math.floor(tag / 8), wire, start, end: pos, valueStart, valueEnd: pos });
  }
  return out;
}

const decoder = new TextDecoder();
export const value = (bytes: Uint8Array, f: Field): Uint8Array => bytes.subarray(f.valueStart, f.valueEnd);
export const text = (bytes: Uint8Array, f: Field): string => decoder.decode(value(bytes, f));

/** The first value of a string field, reading no further than needed (a name is usually first). */
export function firstString(message: Uint8Array, field: number): string | undefined {
  let pos = 0;
  while (pos < message.length) {
    const [tag, afterTag] = readVarint(message, pos);
    const wire = tag % 8;
    if (wire === 0) pos = readVarint(message, afterTag)[1];
    else if (wire === 1) pos = afterTag + 8;
    else if (wire === 5) pos = afterTag + 4;
    else if (wire === 2) {
      const [len, afterLen] = readVarint(message, afterTag);
      if (Math.floor(tag / 8) === field) return decoder.decode(message.subarray(afterLen, afterLen + len));
      pos = afterLen + len;
    } else throw new RangeError(`unsupported wire type ${wire}`);
  }
  return undefined;
}

export function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
  return out;
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, b) => a + b.length, 0));
  let pos = 0;
  for (const p of parts) {
    out.set(p, pos);
    pos += p.length;
  }
  return out;
}

const encoder = new TextEncoder();
/** A length-delimited field. */
export const lengthField = (field: number, body: Uint8Array): Uint8Array =>
  concat([Uint8Array.from([...varint(field * 8 + 2), ...varint(body.length)]), body]);
const varintField = (field: number, n: number): Uint8Array => Uint8Array.from([...varint(field * 8), ...varint(n)]);

/** ValueInfoProto for a tensor: name, element type and dims (a number or a symbolic name each). */
export function valueInfo(name: string, elemType: number, dims: readonly (number | string)[]): Uint8Array {
  const shape = concat(
    dims.map((d) => lengthField(1, typeof d === 'number' ? varintField(1, d) : lengthField(2, encoder.encode(d)))),
  );
  const tensorType = concat([varintField(1, elemType), lengthField(2, shape)]);
  return concat([lengthField(1, encoder.encode(name)), lengthField(2, lengthField(1, tensorType))]);
}

/** One graph node, its attributes left as byte ranges until asked for. */
export interface WireNode {
  field: Field;
  op: string;
  inputs: string[];
  outputs: string[];
  /** The attribute messages by name. */
  attributes: Map<string, Uint8Array>;
}

export interface WireGraph {
  model: Uint8Array;
  top: Field[];
  graphField: Field;
  /** The GraphProto's bytes and fields. */
  graph: Uint8Array;
  graphFields: Field[];
  nodes: WireNode[];
}

export function readGraph(model: Uint8Array): WireGraph | undefined {
  const top = fields(model);
  const graphField = top.find((f) => f.field === MODEL.graph);
  if (!graphField) return undefined;
  const graph = value(model, graphField);
  const graphFields = fields(graph);
  const nodes = graphFields
    .filter((f) => f.field === GRAPH.node)
    .map((f): WireNode => {
      const node = value(graph, f);
      const nodeFields = fields(node);
      const attributes = new Map<string, Uint8Array>();
      for (const a of nodeFields) {
        if (a.field !== NODE.attribute) continue;
        const attr = value(node, a);
        attributes.set(firstString(attr, ATTRIBUTE.name) ?? '', attr);
      }
      const all = (field: number) => nodeFields.filter((x) => x.field === field).map((x) => text(node, x));
      return { field: f, op: all(NODE.opType)[0] ?? '', inputs: all(NODE.input), outputs: all(NODE.output), attributes };
    });
  return { model, top, graphField, graph, graphFields, nodes };
}

/** Scalar attribute readers; undefined when the attribute is absent. */
export function attrInt(node: WireNode, name: string): number | undefined {
  const a = node.attributes.get(name);
  const f = a && fields(a).find((x) => x.field === ATTRIBUTE.i);
  return a && f ? readInt64(a, f.valueStart)[0] : undefined;
}

export function attrString(node: WireNode, name: string): string | undefined {
  const a = node.attributes.get(name);
  const f = a && fields(a).find((x) => x.field === ATTRIBUTE.s);
  return a && f ? text(a, f) : undefined;
}

/**
 * A repeated-bytes attribute as byte ranges into `attr`: [start0, end0, start1, end1, ...]. No string
 * is decoded and no object made per value: a vocabulary attribute holds tens of thousands of them,
 * and the generic `fields` took 45 ms of the cold start for 56,000.
 */
export function attrByteList(node: WireNode, name: string): { attr: Uint8Array; ranges: Int32Array } | undefined {
  const attr = node.attributes.get(name);
  if (!attr) return undefined;
  let ranges = new Int32Array(1024);
  let n = 0;
  let pos = 0;
  while (pos < attr.length) {
    let tag = 0;
    for (let shift = 0; ; shift += 7) {
      const b = attr[pos++] as number;
      tag += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) break;
    }
    const wire = tag % 8;
    if (wire === 0) {
      while ((attr[pos++] as number) >= 0x80);
      continue;
    }
    if (wire === 1 || wire === 5) {
      pos += wire === 1 ? 8 : 4;
      continue;
    }
    if (wire !== 2) throw new RangeError(`unsupported wire type ${wire}`);
    let len = 0;
    for (let shift = 0; ; shift += 7) {
      const b = attr[pos++] as number;
      len += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) break;
    }
    if (pos + len > attr.length) throw new RangeError('truncated field');
    if (Math.floor(tag / 8) === ATTRIBUTE.strings) {
      if (n + 2 > ranges.length) {
        const grown = new Int32Array(ranges.length * 2);
        grown.set(ranges);
        ranges = grown;
      }
      ranges[n++] = pos;
      ranges[n++] = pos + len;
    }
    pos += len;
  }
  return { attr, ranges: ranges.subarray(0, n) };
}

/** A repeated int64 attribute (packed or not). */
export function attrInts(node: WireNode, name: string): number[] | undefined {
  const a = node.attributes.get(name);
  return a ? int64s(a, ATTRIBUTE.ints) : undefined;
}

/**
 * The values of a repeated int64 field of a message, packed or not, scanned inline for the same
 * reason as `attrByteList` (a bigram table holds 160,000 keys of five bytes each: 66 ms through
 * `readInt64`, a few here).
 */
export function int64s(a: Uint8Array, field: number): number[] {
  const out: number[] = [];
  let pos = 0;
  while (pos < a.length) {
    const [tag, afterTag] = readVarint(a, pos);
    const wire = tag % 8;
    pos = afterTag;
    if (wire === 1 || wire === 5) {
      pos += wire === 1 ? 8 : 4;
      continue;
    }
    if (wire !== 0 && wire !== 2) throw new RangeError(`unsupported wire type ${wire}`);
    let end = pos + 1;
    if (wire === 2) {
      const [length, start] = readVarint(a, pos);
      pos = start;
      end = start + length;
    }
    if (Math.floor(tag / 8) !== field) {
      pos = wire === 2 ? end : readVarint(a, pos)[1];
      continue;
    }
    // One value (wire 0) or a packed run (wire 2).
    do {
      // Up to seven bytes (values below 2^49) without allocating; longer ones (negative values take
      // ten) through the exact reader.
      let v = 0;
      let i = 0;
      let b = 0x80;
      // Four bytes (28 bits) in integer arithmetic, then up to three more in floating point.
      for (; i < 4 && b >= 0x80; i++) {
        b = a[pos + i] as number;
        v |= (b & 0x7f) << (7 * i);
      }
      for (let scale = 2 ** 28; i < 7 && b >= 0x80; i++, scale *= 128) {
        b = a[pos + i] as number;
        v += (b & 0x7f) * scale;
      }
      if (b >= 0x80) i = 7;
      else i--;
      if (i < 7) {
        out.push(v);
        pos += i + 1;
      } else if (a[pos + 7] === 0xff && a[pos + 8] === 0xff && a[pos + 9] === 0x01) {
        // A negative value down to -2^49 (the LabelEncoder's -2 for stop words, say): its ten bytes
        // are 49 low bits, then all ones. v holds the low 49 bits; no BigInt, which cost about 10 us
        // per value in a cold start.
        out.push(v - 2 ** 49);
        pos += 10;
      } else {
        const [big, next] = readInt64(a, pos);
        out.push(big);
        pos = next;
      }
    } while (wire === 2 && pos < end);
  }
  return out;
}

export function graphOutputNames(g: WireGraph): string[] {
  return g.graphFields.filter((f) => f.field === GRAPH.output).map((f) => firstString(value(g.graph, f), VALUE_INFO.name) ?? '');
}

/** The initializer `name`'s TensorProto and its fields, when there is one of element type `elemType`. */
function initializer(g: WireGraph, name: string, elemType: number): { tensor: Uint8Array; tensorFields: Field[] } | undefined {
  const field = g.graphFields.find((f) => f.field === GRAPH.initializer && firstString(value(g.graph, f), TENSOR.name) === name);
  if (!field) return undefined;
  const tensor = value(g.graph, field);
  const tensorFields = fields(tensor);
  const dataType = tensorFields.find((f) => f.field === TENSOR.dataType);
  if (!dataType || readVarint(tensor, dataType.valueStart)[0] !== elemType) return undefined;
  return { tensor, tensorFields };
}

/** The values of an int64 initializer (raw_data or int64_data), or undefined when there is none by that name. */
export function int64Initializer(g: WireGraph, name: string): number[] | undefined {
  const found = initializer(g, name, ELEM.int64);
  if (!found) return undefined;
  const { tensor, tensorFields } = found;
  const raw = tensorFields.find((f) => f.field === TENSOR.rawData);
  if (raw) {
    const bytes = value(tensor, raw);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return Array.from({ length: Math.floor(bytes.length / 8) }, (_, i) => Number(view.getBigInt64(8 * i, true)));
  }
  return int64s(tensor, TENSOR.int64Data);
}

/**
 * The raw little-endian bytes of a float initializer (a view into the model, not a copy) and its
 * dims, or undefined when there is none by that name or it does not keep its values in raw_data.
 */
export function floatInitializerBytes(g: WireGraph, name: string): { bytes: Uint8Array; dims: number[] } | undefined {
  const found = initializer(g, name, ELEM.float);
  const raw = found?.tensorFields.find((f) => f.field === TENSOR.rawData);
  if (!found || !raw) return undefined;
  return { bytes: value(found.tensor, raw), dims: int64s(found.tensor, TENSOR.dims) };
}
