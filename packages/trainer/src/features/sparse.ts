/** A compressed sparse row matrix: row i holds columns indices[indptr[i]..indptr[i+1]). */
export interface Csr {
  rows: number;
  cols: number;
  indptr: Int32Array;
  indices: Int32Array;
  data: Float64Array;
}

/** A compressed sparse column matrix: column j holds rows rowIdx[colptr[j]..colptr[j+1]). */
export interface Csc {
  rows: number;
  cols: number;
  colptr: Int32Array;
  rowIdx: Int32Array;
  data: Float64Array;
}

/** The same matrix by column; rows ascend within each column (a counting sort, so deterministic). */
export function toCsc(X: Csr): Csc {
  const nnz = X.indptr[X.rows] as number;
  const colptr = new Int32Array(X.cols + 1);
  for (let p = 0; p < nnz; p++) colptr[(X.indices[p] as number) + 1] = (colptr[(X.indices[p] as number) + 1] as number) + 1;
  for (let j = 0; j < X.cols; j++) colptr[j + 1] = (colptr[j + 1] as number) + (colptr[j] as number);
  const next = colptr.slice(0, X.cols);
  const rowIdx = new Int32Array(nnz);
  const data = new Float64Array(nnz);
  for (let i = 0; i < X.rows; i++) {
    for (let p = X.indptr[i] as number; p < (X.indptr[i + 1] as number); p++) {
      const j = X.indices[p] as number;
      const q = next[j] as number;
      next[j] = q + 1;
      rowIdx[q] = i;
      data[q] = X.data[p] as number;
    }
  }
  return { rows: X.rows, cols: X.cols, colptr, rowIdx, data };
}
