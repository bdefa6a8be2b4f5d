import type { Delivery, PreparedFile } from '../../funder/outbound/sender';
import { addMonths, parisDate } from '../../shared/dates';
import type { JobOutput } from '../repository';

/**
 * What the jobs of the exchanges with Action Logement share: the month a monthly flow covers, the
 * files a run made (listed on the jobs page, one JSON line each on the command line) and what the
 * delivery did.
 */

/** The month before the one `now` falls in, Paris time (what a monthly flow sends). */
export const monthBefore = (now: Date): string => addMonths(`${parisDate(now).slice(0, 7)}-01`, -1).slice(0, 7);

/** The month a run covers: its period `AAAA-MM`, or for `--date AAAA-MM-JJ` the month before that day. */
export function monthOfRun(period: string): string {
  if (/^\d{4}-\d{2}$/.test(period)) return period;
  return addMonths(`${period.slice(0, 7)}-01`, -1).slice(0, 7);
}

/** A file and its manifest as a run's outputs; the data file's meta is the command line's JSON line. */
export function fileOutputs(files: ReadonlyArray<PreparedFile>): JobOutput[] {
  return files.flatMap((f) => [
    {
      label: `${f.flow} — ${f.records} enregistrement(s)`,
      fileName: f.file,
      blobId: f.dataBlobId,
      contentType: 'application/jsonl',
      meta: { flow: f.flow, file: f.file, manifest: f.manifest, records: f.records, sha256: f.sha256 },
    },
    { label: `Manifeste de ${f.file}`, fileName: f.manifest, blobId: f.manifestBlobId, contentType: 'application/json' },
  ]);
}

export const deliveryCounts = (deliveries: ReadonlyArray<Delivery>) => ({
  delivered: deliveries.filter((d) => d.status === 'depose').length,
  undelivered: deliveries.filter((d) => d.status !== 'depose').length,
});
