import { ARTICLE } from '../constants.js';
import { sampleTestSplit } from '../offline.js';

/**
 * Request bodies for load and soak: the article's form (a JSON array of one post) over real test-split
 * posts, so latency reflects real post lengths, plus the article's example itself.
 */
export async function postBodies(n: number): Promise<string[]> {
  const { texts } = await sampleTestSplit(n);
  return [JSON.stringify([ARTICLE.text]), ...texts.map((t) => JSON.stringify([t]))];
}
