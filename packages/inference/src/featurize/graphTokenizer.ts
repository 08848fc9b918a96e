import { Tensor } from 'onnxruntime-node';
import type { GraphSession } from '../model/graphSession.js';
import type { GraphTokenizer } from './charClasses.js';

/** The graph's front end as a function: texts in, each text's tokens out (padding left out). */
export function graphTokenizer(session: GraphSession, input: string, output: string, padValue: string): GraphTokenizer {
  return async (texts) => {
    const out = await session.run({ [input]: new Tensor('string', texts, [texts.length]) }, [output]);
    const grid = out[output];
    if (!grid || grid.dims.length !== 2 || grid.dims[0] !== texts.length) throw new Error(`the graph's Tokenizer gave shape [${grid?.dims.join(', ') ?? ''}]`);
    const width = grid.dims[1] as number;
    const data = grid.data as string[];
    return texts.map((_, i) => data.slice(i * width, (i + 1) * width).filter((t) => t !== padValue));
  };
}
