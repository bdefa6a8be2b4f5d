import winston from 'winston';

export type Logger = winston.Logger;

/** JSON lines; callers pass ids (request, user, organisation), never personal data or dossier content. */
export function createLogger(level: 'error' | 'warn' | 'info' | 'debug' | 'silent'): Logger {
  return winston.createLogger({
    level: level === 'silent' ? 'error' : level,
    silent: level === 'silent',
    format: winston.format.combine(winston.format.timestamp(), winston.format.errors({ stack: true }), winston.format.json()),
    defaultMeta: { service: 'entraide' },
    transports: [new winston.transports.Console({ stderrLevels: ['error', 'warn'] })],
  });
}
