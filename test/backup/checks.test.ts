import { compareWithManifest, formatDuration, type RestoredFindings } from '../../src/backup/checks';
import type { BackupManifest } from '../../src/backup/manifest';
import type { DatabaseFacts } from '../../src/backup/repository';

/**
 * The restore drill's checks of a restored copy against its manifest (docs/continuite.md, § 4),
 * rule by rule: what passes, and what each failure says.
 */
const facts = (): DatabaseFacts => ({
  schemaVersion: '070_create_restore_drills',
  migrations: 70,
  tables: { organisations: 3, ledger_entries: 5, audit_events: 12 },
  ledger: { entries: 5, lines: 12, sequences: [{ fiscalYear: 2026, counter: '*', count: 5, maxNumber: 5 }] },
  audit: { count: 12, lastId: '14' },
  sepa: { batchId: 'b1', number: '7', fileSha256: 'a'.repeat(64), fileBlobId: 'f1' },
});
const manifest = (): BackupManifest => ({
  format: 1,
  file: 'entraide-20261201-003000.dump',
  kind: 'postgres',
  backupAt: '2026-12-01T00:30:00.000Z',
  ...facts(),
});
const clean = (over: Partial<RestoredFindings> = {}): RestoredFindings => ({
  facts: facts(),
  unbalanced: [],
  gaps: [],
  sepaFileSha256: 'a'.repeat(64),
  ...over,
});
const failed = (found: RestoredFindings, m = manifest()) =>
  compareWithManifest(m, found)
    .filter((c) => !c.ok)
    .map((c) => [c.key, c.detail.replace(/\u202f/g, ' ')]);

describe('the checks of a restored copy', () => {
  it('all pass when the copy is what the manifest says', () => {
    const checks = compareWithManifest(manifest(), clean());
    expect(checks.map((c) => [c.key, c.ok])).toEqual([
      ['tables', true],
      ['ledger-balanced', true],
      ['ledger-numbers', true],
      ['audit', true],
      ['sepa', true],
      ['migrations', true],
    ]);
    expect(checks.find((c) => c.key === 'ledger-numbers')?.detail).toBe('exercice 2026 : 1 à 5');
  });

  it('names the table whose rows differ, and a table missing on either side', () => {
    const f = facts();
    f.tables = { organisations: 2, ledger_entries: 5, sessions: 1 };
    expect(failed(clean({ facts: f }))).toEqual([
      [
        'tables',
        'différences : audit_events (manifeste 12, restaurée absente), organisations (manifeste 3, restaurée 2), sessions (manifeste absente, restaurée 1)',
      ],
    ]);
  });

  it('fails on an unbalanced entry, naming it', () => {
    expect(failed(clean({ unbalanced: ['2026-000003'] }))).toEqual([['ledger-balanced', 'écritures déséquilibrées : 2026-000003']]);
  });

  it('fails on a gap, a double or a counter ahead of the entries, and on a sequence that differs from the manifest', () => {
    const gaps = [{ fiscalYear: 2026, counter: 'BQ', count: 4, distinct: 3, low: 1, high: 5, last: 6 }];
    expect(failed(clean({ gaps }))).toEqual([
      ['ledger-numbers', 'exercice 2026, journal BQ : 4 écritures numérotées de 1 à 5, numéros en double, compteur à 6'],
    ]);
    const f = facts();
    f.ledger.sequences = [{ fiscalYear: 2026, counter: '*', count: 4, maxNumber: 4 }];
    expect(failed(clean({ facts: f }))).toEqual([['ledger-numbers', 'exercice 2026 : 4 écritures jusqu’au n° 4 (manifeste : 5 jusqu’au n° 5)']]);
    f.ledger.sequences = [];
    expect(failed(clean({ facts: f }))).toEqual([['ledger-numbers', 'exercice 2026 : aucune écriture restaurée (manifeste : 5 écritures)']]);
  });

  it('fails when the audit trail lost its last events', () => {
    const f = facts();
    f.audit = { count: 11, lastId: '13' };
    expect(failed(clean({ facts: f }))).toEqual([['audit', 'restaurée : 11 événements, dernier n° 13 ; manifeste : 12, dernier n° 14']]);
  });

  it('fails when the latest SEPA file reads with another hash, cannot be read, or the latest batch is another', () => {
    expect(failed(clean({ sepaFileSha256: 'b'.repeat(64) }))).toEqual([['sepa', 'lot n° 7 : empreinte bbbbbbbbbbbb… au lieu de aaaaaaaaaaaa…']]);
    expect(failed(clean({ sepaFileSha256: null }))).toEqual([['sepa', 'lot n° 7 : empreinte illisible au lieu de aaaaaaaaaaaa…']]);
    const f = facts();
    f.sepa = null;
    expect(failed(clean({ facts: f }))).toEqual([['sepa', 'dernier lot restauré : aucun ; manifeste : n° 7']]);
    const none = manifest();
    none.sepa = null;
    expect(failed(clean({ facts: f }), none)).toEqual([]);
  });

  it('fails when the schema version differs', () => {
    const f = facts();
    f.schemaVersion = '069_create_self_audit_reports';
    f.migrations = 69;
    expect(failed(clean({ facts: f }))).toEqual([
      ['migrations', 'restaurée : 69, la dernière 069_create_self_audit_reports ; manifeste : 70, la dernière 070_create_restore_drills'],
    ]);
  });

  it.each([
    [0, '0 s'],
    [45.4, '45 s'],
    [245, '4 min 05 s'],
    [18_000, '5 h 00 min'],
    [7 * 3600 + 7 * 60, '7 h 07 min'],
    [3 * 86_400 + 4 * 3600, '3 j 4 h'],
  ])('writes %d seconds as « %s »', (seconds, words) => {
    expect(formatDuration(seconds)).toBe(words);
  });
});
