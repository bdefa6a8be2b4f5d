import fs from 'node:fs';
import path from 'node:path';
import { toJsonLines } from '../../src/funder/formats/jsonl';
import { buildManifest } from '../../src/funder/formats/manifest';
import { dataFileName } from '../../src/funder/formats/names';

/**
 * The funder's side of the exchanges, for the tests: writes ALS files to the agreement
 * (docs/echanges) into the `retour` folder of a folder transport, as Action Logement's system would.
 */
let asd = 0;

/** A valid orientation record (orientation.v1) of a landlord; fields overridable. */
export function orientationRecord(id: string, siren: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  asd++;
  return {
    id,
    orientation_asd: `ASD-2026-${String(100000 + asd).padStart(6, '0')}`,
    date_orientation: '2026-11-20',
    salarie: { civilite: 'MME', nom: 'Lefèvre', prenoms: 'Amandine Claire', date_naissance: '1986-04-12', courriel: 'amandine.lefevre@exemple.fr' },
    employeur: { raison_sociale: 'Transports Garnier SAS', siret: '73282932000074' },
    logement: { bailleur_siren: siren, reference_bail: 'BAIL-42-0007', code_postal: '69003', commune: 'Lyon', loyer_centimes: 61250 },
    besoins: ['impaye_loyer', 'accompagnement_budget'],
    cause: 'baisse_ressources',
    composition: { adultes: 1, enfants: 2 },
    consentement: { date: '2026-11-19', mode: 'electronique', reference_preuve: 'CONS-88812' },
    ...overrides,
  };
}

/** Writes `ALS_ORIENTATIONS_<day>_<seq>.jsonl` and its manifest; `data` replaces the lines when given (broken files). */
export function writeOrientations(
  root: string,
  sequence: number,
  records: ReadonlyArray<Record<string, unknown>>,
  options: { data?: Buffer; tamper?: (manifest: Record<string, unknown>) => void; withoutManifest?: boolean } = {},
): string {
  const name = dataFileName({ sender: 'ALS', flow: 'ORIENTATIONS', periodEnd: '2026-11-23', sequence });
  const lines = toJsonLines(records);
  const data = options.data ?? lines;
  const manifest = buildManifest({
    fileName: name,
    flow: 'ORIENTATIONS',
    sender: 'ALS',
    periodStart: '2026-11-23',
    periodEnd: '2026-11-23',
    generatedAt: '2026-11-23T08:55:00+01:00',
    // the manifest describes the records as sent: a `data` cut short or altered no longer fits it
    data: lines,
  }) as unknown as Record<string, unknown>;
  options.tamper?.(manifest);
  const retour = path.join(root, 'retour');
  fs.mkdirSync(retour, { recursive: true });
  fs.writeFileSync(path.join(retour, name), data);
  if (!options.withoutManifest) fs.writeFileSync(path.join(retour, `${name}.manifest.json`), JSON.stringify(manifest));
  return name;
}

/** The lines of the acknowledgement Entraide wrote for a file, parsed. */
export function readAcknowledgement(root: string, name: string): Array<Record<string, unknown>> {
  const text = fs.readFileSync(path.join(root, 'depot', `ACK_${name}`), 'utf8');
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
