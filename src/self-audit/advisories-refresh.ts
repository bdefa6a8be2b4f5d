import fs from 'node:fs';
import path from 'node:path';
import { ADVISORY_FILES, type Advisory, type AdvisorySnapshot, bulkRequest, lockedPackages } from './checks/advisories';

/** The npm registry's bulk advisory endpoint (what `npm audit` asks). */
export const BULK_ADVISORIES_URL = 'https://registry.npmjs.org/-/npm/v1/security/advisories/bulk';

/**
 * `npm run advisories:refresh`: asks the npm registry which advisories touch the versions of
 * package-lock.json and writes the answer, with its date, to security/advisories.json — the
 * snapshot the weekly self-audit reads offline. Run where the registry is reachable; commit the file.
 */
export async function refreshAdvisories(options: {
  lockfile: string;
  snapshot: string;
  url?: string;
  now?: Date;
}): Promise<{ packages: number; advised: number }> {
  const packages = lockedPackages(JSON.parse(fs.readFileSync(options.lockfile, 'utf8')));
  const response = await fetch(options.url ?? BULK_ADVISORIES_URL, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(bulkRequest(packages)),
  });
  if (!response.ok) throw new Error(`le registre npm a répondu ${response.status} ${response.statusText}`);
  const answer = (await response.json()) as Record<string, Array<Advisory & Record<string, unknown>>>;
  const advisories: Record<string, Advisory[]> = {};
  for (const name of Object.keys(answer).sort())
    advisories[name] = (answer[name] ?? []).map((a) => ({
      id: a.id,
      title: a.title,
      severity: a.severity,
      vulnerable_versions: a.vulnerable_versions,
      url: a.url,
    }));
  const snapshot: AdvisorySnapshot = { fetchedAt: (options.now ?? new Date()).toISOString(), source: options.url ?? BULK_ADVISORIES_URL, advisories };
  fs.mkdirSync(path.dirname(options.snapshot), { recursive: true });
  const temporary = `${options.snapshot}.tmp`;
  fs.writeFileSync(temporary, `${JSON.stringify(snapshot, null, 2)}\n`);
  fs.renameSync(temporary, options.snapshot);
  return { packages: packages.length, advised: Object.keys(advisories).length };
}

if (require.main === module) {
  refreshAdvisories(ADVISORY_FILES).then(
    (r) => process.stdout.write(`security/advisories.json : ${r.packages} versions vérifiées, ${r.advised} paquet(s) avec un avis de sécurité\n`),
    (err: unknown) => {
      process.stderr.write(`Avis de sécurité non rafraîchis : ${(err as Error).message}\n`);
      process.exitCode = 1;
    },
  );
}
