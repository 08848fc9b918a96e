import onnxProto from 'onnx-proto';

// onnx-proto is the protobufjs build of onnx.proto: writing ModelProto with it keeps the artifact a
// plain, standard ONNX file (no pickle, nothing executable) without hand-rolled protobuf encoding.
const { onnx } = onnxProto;
type AttributeProto = InstanceType<typeof onnx.AttributeProto>;
type NodeProto = InstanceType<typeof onnx.NodeProto>;
type TensorProto = InstanceType<typeof onnx.TensorProto>;
type ValueInfoProto = InstanceType<typeof onnx.ValueInfoProto>;

export const DataType = onnx.TensorProto.DataType;
type ElemType = (typeof DataType)[keyof typeof DataType];

export type AttrValue = number | string | number[] | string[] | bigint[] | { float: number } | { floats: number[] };

export interface Opset {
  domain: string;
  version: number;
}

/** One dimension of a graph input or output: a number, or a symbolic name such as `N`. */
export type Dim = number | string;

/**
 * A small, typed way to assemble an ONNX graph node by node. Names are made unique by a counter so
 * callers can think in values rather than in tensor names.
 */
export class GraphBuilder {
  private readonly nodes: NodeProto[] = [];
  private readonly initializers: TensorProto[] = [];
  private readonly inputs: ValueInfoProto[] = [];
  private readonly outputs: ValueInfoProto[] = [];
  private counter = 0;

  input(name: string, elemType: ElemType, dims: Dim[]): string {
    this.inputs.push(valueInfo(name, elemType, dims));
    return name;
  }

  /** Declares `value` as a graph output named `name` (an Identity node keeps names stable). */
  output(name: string, value: string, elemType: ElemType, dims: Dim[]): string {
    this.node('Identity', [value], {}, '', name);
    this.outputs.push(valueInfo(name, elemType, dims));
    return name;
  }

  /** Adds a node and returns the name of its first output (or all outputs when `outputCount` > 1). */
  node(op: string, inputs: string[], attrs: Record<string, AttrValue> = {}, domain = '', outputName?: string): string {
    return this.nodeMulti(op, inputs, 1, attrs, domain, outputName)[0] as string;
  }

  nodeMulti(
    op: string,
    inputs: string[],
    outputCount: number,
    attrs: Record<string, AttrValue> = {},
    domain = '',
    outputName?: string | readonly (string | undefined)[],
  ): string[] {
    const id = this.counter++;
    const names = typeof outputName === 'string' ? [outputName] : (outputName ?? []);
    const outputs = Array.from({ length: outputCount }, (_, i) => names[i] ?? `${op.toLowerCase()}_${id}_${i}`);
    this.nodes.push(
      onnx.NodeProto.create({
        opType: op,
        domain,
        name: `${op}_${id}`,
        input: inputs,
        output: outputs,
        attribute: Object.entries(attrs).map(([name, value]) => attribute(name, value)),
      }),
    );
    return outputs;
  }

  floatTensor(name: string, dims: number[], values: Float32Array): string {
    this.initializers.push(
      onnx.TensorProto.create({
        name,
        dims,
        dataType: DataType.FLOAT,
        rawData: new Uint8Array(values.buffer, values.byteOffset, values.byteLength),
      }),
    );
    return name;
  }

  int64Tensor(name: string, dims: number[], values: readonly number[]): string {
    const data = new BigInt64Array(values.map((v) => BigInt(v)));
    this.initializers.push(
      onnx.TensorProto.create({
        name,
        dims,
        dataType: DataType.INT64,
        rawData: new Uint8Array(data.buffer),
      }),
    );
    return name;
  }

  stringTensor(name: string, dims: number[], values: readonly string[]): string {
    const encoder = new TextEncoder();
    this.initializers.push(
      onnx.TensorProto.create({ name, dims, dataType: DataType.STRING, stringData: values.map((v) => encoder.encode(v)) }),
    );
    return name;
  }

  /** A scalar or 1-D int64 constant, the common case for shapes and axes. */
  ints(values: readonly number[], scalar = false): string {
    return this.int64Tensor(`const_${this.counter++}`, scalar ? [] : [values.length], values);
  }

  floats(values: readonly number[], scalar = false): string {
    return this.floatTensor(`const_${this.counter++}`, scalar ? [] : [values.length], Float32Array.from(values));
  }

  encode(options: { name: string; opsets: Opset[]; metadata?: Record<string, string>; docString?: string }): Uint8Array {
    const model = onnx.ModelProto.create({
      // ONNX's versioning table pairs ai.onnx opset 20 (exportOnnx's OPSETS) with IR version 9 (ONNX
      // 1.15); IR 8 covers opsets up to 18, so a checker or an older runtime may refuse the pair.
      irVersion: 9,
      producerName: options.name,
      producerVersion: '1',
      opsetImport: options.opsets.map((o) => onnx.OperatorSetIdProto.create(o)),
      docString: options.docString ?? '',
      metadataProps: Object.entries(options.metadata ?? {}).map(([key, value]) =>
        onnx.StringStringEntryProto.create({ key, value }),
      ),
      graph: onnx.GraphProto.create({
        name: options.name,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      }),
    });
    return onnx.ModelProto.encode(model).finish();
  }
}

function valueInfo(name: string, elemType: ElemType, dims: Dim[]): ValueInfoProto {
  return onnx.ValueInfoProto.create({
    name,
    type: onnx.TypeProto.create({
      tensorType: onnx.TypeProto.Tensor.create({
        elemType,
        shape: onnx.TensorShapeProto.create({
          dim: dims.map((d) =>
            typeof d === 'number'
              ? onnx.TensorShapeProto.Dimension.create({ dimValue: d })
              : onnx.TensorShapeProto.Dimension.create({ dimParam: d }),
          ),
        }),
      }),
    }),
  });
}

function attribute(name: string, value: AttrValue): AttributeProto {
  const A = onnx.AttributeProto.AttributeType;
  const encoder = new TextEncoder();
  if (typeof value === 'number') {
    return onnx.AttributeProto.create({ name, type: A.INT, i: value });
  }
  if (typeof value === 'string') {
    return onnx.AttributeProto.create({ name, type: A.STRING, s: encoder.encode(value) });
  }
  if (!Array.isArray(value)) {
    if ('float' in value) return onnx.AttributeProto.create({ name, type: A.FLOAT, f: value.float });
    return onnx.AttributeProto.create({ name, type: A.FLOATS, floats: value.floats });
  }
  if (value.length > 0 && typeof value[0] === 'string') {
    return onnx.AttributeProto.create({ name, type: A.STRINGS, strings: (value as string[]).map((s) => encoder.encode(s)) });
  }
  // protobufjs takes int64 values as numbers (exact below 2^53, which every id and key here is).
  return onnx.AttributeProto.create({ name, type: A.INTS, ints: (value as (number | bigint)[]).map(Number) });
}
