import Transport from 'winston-transport';
import type { Metrics } from './metrics';

/** Hands every log line to the metrics, which count the security events among them (logins, failures, lockouts). */
export class MetricsLogTransport extends Transport {
  constructor(private readonly metrics: Metrics) {
    super({ level: 'info' });
  }

  override log(info: { event?: unknown }, next: () => void): void {
    this.metrics.observeLog(info);
    next();
  }
}
