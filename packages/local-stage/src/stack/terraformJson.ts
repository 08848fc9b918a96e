import { readFile } from 'node:fs/promises';
import { StackError } from '../errors.js';

/** The subset of Terraform JSON syntax (as `cdktf synth` writes it) that the local stage reads. */
export interface TerraformJson {
  provider?: Record<string, unknown>;
  resource?: Record<string, Record<string, Record<string, unknown>>>;
  data?: Record<string, Record<string, Record<string, unknown>>>;
  output?: Record<string, unknown>;
}

export async function readTerraformJson(file: string): Promise<TerraformJson> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new StackError(
      `synthesized stack not found at ${file}: run \`npm run synth\` (cdktf synth in packages/infra) first`,
      { cause },
    );
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
    return parsed as TerraformJson;
  } catch (cause) {
    throw new StackError(`${file} is not Terraform JSON: ${(cause as Error).message}`, { cause });
  }
}

/**
 * cdktf writes single nested blocks either as an object or as a one-element array (Terraform JSON
 * accepts both); read either.
 */
export function block(value: unknown): Record<string, unknown> | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

export function blocks(value: unknown): Record<string, unknown>[] {
  if (Array.isArray(value)) return value.filter((v): v is Record<string, unknown> => v !== null && typeof v === 'object');
  const one = block(value);
  return one ? [one] : [];
}
