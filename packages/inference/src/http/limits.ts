import { DEFAULT_LIMITS, ENV } from '../constants.js';
import { ConfigError } from '../errors.js';

export interface Limits {
  /** Texts per request. */
  maxTexts: number;
  /** Characters (UTF-16 code units, JavaScript's `length`) per text. */
  maxTextChars: number;
  /** Bytes of the (decoded) request body. */
  maxBodyBytes: number;
}

function positiveInt(env: Record<string, string | undefined>, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 1) throw new ConfigError(`${name} must be a positive integer, got "${raw}"`);
  return value;
}

/** Reads the limits from the environment; an invalid value fails init rather than serving unbounded. */
export function readLimits(env: Record<string, string | undefined> = process.env): Limits {
  return {
    maxTexts: positiveInt(env, ENV.maxTexts, DEFAULT_LIMITS.maxTexts),
    maxTextChars: positiveInt(env, ENV.maxTextChars, DEFAULT_LIMITS.maxTextChars),
    maxBodyBytes: positiveInt(env, ENV.maxBodyBytes, DEFAULT_LIMITS.maxBodyBytes),
  };
}
