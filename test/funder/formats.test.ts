import fs from 'node:fs';
import path from 'node:path';
import { JsonLinesError, parseJsonLines, toJsonLines } from '../../src/funder/formats/jsonl';
import { buildManifest, manifestProblem } from '../../src/funder/formats/manifest';
import { acknowledgedFile, acknowledgementName, dataFileName, manifestName, parseDataFileName } from '../../src/funder/formats/names';
import { SCHEMA_DIR, schemaProblem } from '../../src/funder/formats/schemas';

const AGREEMENT_SCHEMAS = ['orientation', 'accuse', 'manifest'] as const;

/** The formats of the interface agreement with Action Logement (docs/echanges). */
describe('the exchange formats', () => {
  it('loads the agreement’s schemas from docs/echanges, byte for byte the published ones', () => {
    for (const name of AGREEMENT_SCHEMAS) {
      const ours = fs.readFileSync(path.join(SCHEMA_DIR, `${name}.v1.schema.json`));
      const published = fs.readFileSync(path.join(SCHEMA_DIR, '..', 'standards', 'action-logement', `${name}.v1.schema.json`));
      expect(ours.equals(published)).toBe(true);
    }
  });

  it('names files <SENDER>_<FLOW>_<AAAAMMJJ>_<NNNNNN>.jsonl and reads the names back', () => {
    const name = dataFileName({ sender: 'ENTRAIDE', flow: 'SUIVI', periodEnd: '2026-12-01', sequence: 42 });
    expect(name).toBe('ENTRAIDE_SUIVI_20261201_000042.jsonl');
    expect(parseDataFileName(name)).toEqual({ sender: 'ENTRAIDE', flow: 'SUIVI', periodEnd: '2026-12-01', sequence: 42, encrypted: false });
    expect(parseDataFileName('ALS_ORIENTATIONS_20261201_000001.jsonl.pgp')?.encrypted).toBe(true);
    expect(parseDataFileName('ALS_ORIENTATIONS_20261201_1.jsonl')).toBeNull();
    expect(parseDataFileName('../ALS_ORIENTATIONS_20261201_000001.jsonl')).toBeNull();
    expect(manifestName(name)).toBe('ENTRAIDE_SUIVI_20261201_000042.jsonl.manifest.json');
    expect(acknowledgedFile(acknowledgementName(name))).toBe(name);
    expect(() => dataFileName({ sender: 'ALS', flow: 'SUIVI', periodEnd: '2026-12-01', sequence: 1_000_000 })).toThrow(RangeError);
  });

  it('writes JSON Lines with LF after each record, and refuses a BOM, CR, a blank line or bytes that are not UTF-8', () => {
    expect(toJsonLines([{ a: 1 }, { b: 'é' }]).toString('utf8')).toBe('{"a":1}\n{"b":"é"}\n');
    expect(parseJsonLines(Buffer.from('{"a":1}\n[1]\nnot json\n'))).toEqual([
      { line: 1, value: { a: 1 } },
      { line: 2, problem: 'la ligne n’est pas un objet JSON' },
      { line: 3, problem: 'JSON illisible' },
    ]);
    expect(() => parseJsonLines(Buffer.from('\ufeff{"a":1}\n'))).toThrow(JsonLinesError);
    expect(() => parseJsonLines(Buffer.from('{"a":1}\r\n'))).toThrow(/CR/);
    expect(() => parseJsonLines(Buffer.from('{"a":1}\n\n{"b":2}\n'))).toThrow(/ligne 2 vide/);
    expect(() => parseJsonLines(Buffer.from([0x7b, 0xff, 0x7d, 0x0a]))).toThrow(/UTF-8/);
  });

  it('builds a manifest valid against its schema, and says why a received one does not fit its file', () => {
    const data = toJsonLines([{ id: '1' }, { id: '2' }]);
    const fileName = 'ALS_ORIENTATIONS_20261201_000001.jsonl';
    const manifest = buildManifest({
      fileName,
      flow: 'ORIENTATIONS',
      sender: 'ALS',
      periodStart: '2026-12-01',
      periodEnd: '2026-12-01',
      generatedAt: '2026-12-01T08:00:00+01:00',
      data,
    });
    expect(schemaProblem('manifest', manifest)).toBeNull();
    expect(manifest.enregistrements).toBe(2);
    const bytes = Buffer.from(JSON.stringify(manifest));
    const expected = { fileName, flow: 'ORIENTATIONS', sender: 'ALS' } as const;
    expect(manifestProblem(bytes, data, expected)).toBeNull();
    expect(manifestProblem(bytes, data.subarray(0, data.length - 3), expected)).toMatch(/SHA-256/);
    expect(manifestProblem(bytes, data, { ...expected, fileName: 'ALS_ORIENTATIONS_20261201_000002.jsonl' })).toMatch(/décrit le fichier/);
    expect(manifestProblem(Buffer.from('{'), data, expected)).toMatch(/illisible/);
    expect(manifestProblem(Buffer.from(JSON.stringify({ ...manifest, version: 2 })), data, expected)).toMatch(/version : doit valoir 1/);
  });
});
