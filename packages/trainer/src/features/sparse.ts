/** A compressed sparse row matrix: row i holds columns indices[indptr[i]..indptr[i+1]). */
export interface Csr {
  rows: number;
  cols: number;
  indptr: Int32Array;
  indices: Int32Array;
  data: Float64Array;
}
