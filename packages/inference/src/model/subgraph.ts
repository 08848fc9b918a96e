import {
  concat,
  type Field,
  GRAPH,
  firstString,
  graphOutputNames,
  lengthField,
  MODEL,
  varint,
  readGraph,
  TENSOR,
  VALUE_INFO,
  value,
  valueInfo,
  type WireGraph,
} from './onnxWire.js';

/** A tensor's name, element type (TensorProto.DataType) and dims (numbers or symbolic names). */
export interface TensorSpec {
  name: string;
  elemType: number;
  dims: readonly (number | string)[];
}

export interface SubgraphSpec {
  /** Graph outputs of the result: a name of an existing graph output, or an inner tensor with its type. */
  outputs: readonly (string | TensorSpec)[];
  /** Inner tensors that become graph inputs: the nodes producing them (and all only they need) go. */
  inputs?: readonly TensorSpec[];
}

/**
 * A copy of a model that computes `spec.outputs` from `spec.inputs` (or the graph's own inputs):
 * every node, initializer, input and value_info nothing kept needs is left out.
 *
 * Why: onnxruntime runs every node of a graph whatever outputs a caller fetches, so a branch a request
 * does not need (the explanation outputs, about 14% of a one-text run) or a front end the server does
 * itself (tokenising and counting, see featurize/) still costs every request unless it is cut away.
 * Throws when the graph has control-flow nodes (their subgraphs read outer values by name, which this
 * does not trace) or when an input tensor's producer is also needed for another output.
 */
export function subgraph(model: Uint8Array | WireGraph, spec: SubgraphSpec): Uint8Array {
  const g = model instanceof Uint8Array ? readGraph(model) : model;
  if (!g) throw new RangeError('the model has no graph');
  if (g.nodes.some((n) => n.op === 'If' || n.op === 'Loop' || n.op === 'Scan')) throw new RangeError('the graph has control-flow nodes');
  const fed = new Map((spec.inputs ?? []).map((t) => [t.name, t]));
  const outputNames = spec.outputs.map((o) => (typeof o === 'string' ? o : o.name));
  const existingOutputs = new Map(
    g.graphFields.filter((f) => f.field === GRAPH.output).map((f) => [firstString(value(g.graph, f), VALUE_INFO.name) ?? '', f]),
  );

  const needed = new Set(outputNames);
  const keptNodes = new Set<Field>();
  for (let i = g.nodes.length - 1; i >= 0; i--) {
    const n = g.nodes[i] as WireGraph['nodes'][number];
    if (!n.outputs.some((o) => needed.has(o) && !fed.has(o))) continue;
    const clash = n.outputs.find((o) => fed.has(o));
    if (clash) throw new RangeError(`"${clash}" cannot become an input: its ${n.op} node is also needed for another output`);
    keptNodes.add(n.field);
    for (const input of n.inputs) if (input !== '') needed.add(input);
  }

  const nameOf = (f: Field, field: number) => firstString(value(g.graph, f), field) ?? '';
  const parts: Uint8Array[] = [];
  for (const f of g.graphFields) {
    const keep =
      f.field === GRAPH.node
        ? keptNodes.has(f)
        : f.field === GRAPH.initializer
          ? needed.has(nameOf(f, TENSOR.name))
          : f.field === GRAPH.input
            ? needed.has(nameOf(f, VALUE_INFO.name)) && !fed.has(nameOf(f, VALUE_INFO.name))
            : f.field === GRAPH.valueInfo
              ? needed.has(nameOf(f, VALUE_INFO.name))
              : f.field !== GRAPH.output;
    if (keep) parts.push(g.graph.subarray(f.start, f.end));
  }
  for (const t of fed.values()) parts.push(lengthField(GRAPH.input, valueInfo(t.name, t.elemType, t.dims)));
  for (const o of spec.outputs) {
    const existing = typeof o === 'string' ? existingOutputs.get(o) : undefined;
    if (existing) parts.push(g.graph.subarray(existing.start, existing.end));
    else if (typeof o === 'string') throw new RangeError(`the graph has no output "${o}"`);
    else parts.push(lengthField(GRAPH.output, valueInfo(o.name, o.elemType, o.dims)));
  }
  return replaceGraph(g, parts);
}

/** The model with its graph's fields replaced by `parts`, written in one copy (the coefficients are megabytes). */
function replaceGraph(g: WireGraph, parts: readonly Uint8Array[]): Uint8Array {
  const graphLength = parts.reduce((a, p) => a + p.length, 0);
  const header = Uint8Array.from([...varint(MODEL.graph * 8 + 2), ...varint(graphLength)]);
  const pieces = g.top.flatMap((f) => (f === g.graphField ? [header, ...parts] : [g.model.subarray(f.start, f.end)]));
  return concat(pieces);
}

/**
 * The model without the named graph outputs and what only they need. Returns the bytes unchanged
 * when nothing would be dropped or the graph cannot be cut (see `subgraph`).
 */
export function pruneOutputs(model: Uint8Array | WireGraph, drop: ReadonlySet<string>): Uint8Array {
  const g = model instanceof Uint8Array ? readGraph(model) : model;
  const bytes = model instanceof Uint8Array ? model : model.model;
  const outputs = g ? graphOutputNames(g) : [];
  if (!g || !outputs.some((o) => drop.has(o))) return bytes;
  try {
    return subgraph(g, { outputs: outputs.filter((o) => !drop.has(o)) });
  } catch {
    return bytes;
  }
}
