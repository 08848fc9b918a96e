export function accumulateRows(
  indptr: Int32Array,
  indices: Int32Array,
  data: Float64Array,
  y: Int32Array,
  K: number,
  w: Float64Array,
  grad: Float64Array,
  from: number,
  to: number,
): number;
