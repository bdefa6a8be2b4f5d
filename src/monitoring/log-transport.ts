import Transport from 'winston-transport';
import type { Logger } from '../logger';
import type { Metrics } from './metrics';

const attached = new WeakMap<Logger, MetricsLogTransport>();

/** Hands every log line to the metrics, which count the security events among them (logins, failures, lockouts). */
export class MetricsLogTransport extends Transport {
  constructor(private metrics: Metrics) {
    super({ level: 'info' });
  }

  /** One transport per logger: services built again on the same logger (tests, the demo loader) count into their own metrics. */
  static attach(logger: Logger, metrics: Metrics): void {
    const known = attached.get(logger);
    if (known) known.metrics = metrics;
    else {
      const transport = new MetricsLogTransport(metrics);
      attached.set(logger, transport);
      logger.add(transport);
    }
  }

  override log(info: { event?: unknown }, next: () => void): void {
    this.metrics.observeLog(info);
    next();
  }
}
