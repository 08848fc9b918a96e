import onnxProto from 'onnx-proto';
import { describe, expect, it } from 'vitest';
import { attrInts, varint, type WireNode } from '../src/model/onnxWire.js';

const { onnx } = onnxProto;
// Negative values: the ten-byte fast path down to -2^49, and the exact reader past it.
const VALUES = [0, 1, 127, 128, 2 ** 28 - 1, 2 ** 28, 2 ** 35 + 5, 2 ** 48 + 3, 2 ** 49, 2 ** 53 - 1, -1, -2, -3, -(2 ** 40), -(2 ** 49), -(2 ** 49) - 1, -(2 ** 53) + 1];

const nodeWith = (attr: Uint8Array): WireNode => ({ field: undefined as never, op: 'LabelEncoder', inputs: [], outputs: [], attributes: new Map([['keys', attr]]) });

/** A varint of a signed int64 as protobuf writes it (negative values as ten bytes, two's complement). */
function int64Varint(v: number): number[] {
  let u = BigInt.asUintN(64, BigInt(v));
  const out: number[] = [];
  while (u >= 0x80n) {
    out.push(Number(u & 0x7fn) | 0x80);
    u >>= 7n;
  }
  out.push(Number(u));
  return out;
}

describe('attrInts', () => {
  it('reads unpacked int64 values of every length exactly (as onnx-proto writes them)', () => {
    const attr = onnx.AttributeProto.encode({ name: 'keys', type: onnx.AttributeProto.AttributeType.INTS, ints: VALUES }).finish();
    expect(attrInts(nodeWith(attr), 'keys')).toEqual(VALUES);
  });

  it('reads a packed run exactly, and skips other fields', () => {
    const body = VALUES.flatMap(int64Varint);
    const attr = Uint8Array.from([
      ...[(1 << 3) | 2, 4, ...new TextEncoder().encode('keys')],
      ...varint((20 << 3) | 0),
      7,
      ...[(8 << 3) | 2, ...varint(body.length), ...body],
    ]);
    expect(attrInts(nodeWith(attr), 'keys')).toEqual(VALUES);
    expect(attrInts(nodeWith(attr), 'missing')).toBeUndefined();
  });
});
