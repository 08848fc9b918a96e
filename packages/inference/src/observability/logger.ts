import { Logger } from '@aws-lambda-powertools/logger';

/** The structured JSON logger (Powertools): service name and level from POWERTOOLS_* variables. */
export function createLogger(serviceName: string): Logger {
  return new Logger({ serviceName });
}

export type { Logger };
