import fs from 'node:fs';
import path from 'node:path';
import express from 'express';
import { LABELS } from '../../src/labels';
import { configureViews, labelFilter, VIEWS_DIR } from '../../src/http/views';

/** One filter prints every code: `{{ code | label('dictionary') }}`, the dictionaries registered in src/labels.ts. */

function templates(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return templates(full);
    return e.name.endsWith('.njk') ? [full] : [];
  });
}

/** Every `label('name')` / `label("name")` in the views, with the file it is in. */
function usedDictionaries(): Array<{ file: string; name: string }> {
  return templates(VIEWS_DIR).flatMap((file) =>
    [...fs.readFileSync(file, 'utf8').matchAll(/\|\s*label\(\s*(['"])([^'"]*)\1\s*\)/g)].map((m) => ({
      file: path.relative(VIEWS_DIR, file),
      name: m[2] as string,
    })),
  );
}

describe('label dictionaries', () => {
  it('every dictionary a view names exists in LABELS', () => {
    const used = usedDictionaries();
    expect(used.length).toBeGreaterThan(20);
    expect(used.filter((u) => !Object.hasOwn(LABELS, u.name))).toEqual([]);
  });

  it('every label( in the views names its dictionary as a literal (so the scan above sees them all)', () => {
    const calls = templates(VIEWS_DIR).flatMap((file) =>
      [...fs.readFileSync(file, 'utf8').matchAll(/\|\s*label\b(?!\(\s*['"][a-z_]+['"]\s*\))[^}]*/g)].map((m) => `${path.relative(VIEWS_DIR, file)}: ${m[0]}`),
    );
    expect(calls).toEqual([]);
  });

  it('no view keeps the old single-purpose filters', () => {
    const old = templates(VIEWS_DIR).filter((file) => /\|\s*(statut|roleLabel|kindLabel)\b/.test(fs.readFileSync(file, 'utf8')));
    expect(old.map((f) => path.relative(VIEWS_DIR, f))).toEqual([]);
  });

  it('every dictionary maps codes to non-empty French texts', () => {
    for (const [name, labels] of Object.entries(LABELS)) {
      expect({ name, empty: Object.entries(labels).filter(([, text]) => typeof text !== 'string' || text.trim() === '') }).toEqual({ name, empty: [] });
      expect({ name, codes: Object.keys(labels).length > 0 }).toEqual({ name, codes: true });
    }
  });
});

describe('the label filter', () => {
  const label = labelFilter(LABELS);

  it('prints the label of a known code', () => {
    expect(label('draft', 'request_status')).toBe(LABELS.request_status?.draft);
    expect(label('active', 'record_status')).toBe('Actif');
    expect(label('stored', 'record_status')).toBe('Conservé (pas de SMTP)');
  });

  it('prints an unknown code as it is', () => {
    expect(label('no_such_status', 'request_status')).toBe('no_such_status');
    expect(label(42, 'job_count')).toBe('42');
  });

  it('prints nothing for null, undefined or the empty string', () => {
    expect(label(null, 'request_status')).toBe('');
    expect(label(undefined, 'request_status')).toBe('');
    expect(label('', 'request_status')).toBe('');
  });

  it('refuses an unknown dictionary, even one named like an Object property', () => {
    expect(() => label('draft', 'no_such_dictionary')).toThrow(/unknown label dictionary/);
    expect(() => label('draft', 'constructor')).toThrow(/unknown label dictionary/);
    expect(label('toString', 'request_status')).toBe('toString');
  });

  it('is the `label` filter of the views, escaped like any output', () => {
    const env = configureViews(express(), { watch: false, labels: { test: { a: 'Été <b>', b: 'Bé' } } });
    expect(
      env.renderString(`{{ 'a' | label('test') }}|{{ code | label('test') }}|{{ none | label('test') }}|{{ 'z' | label('test') }}`, { code: 'b', none: null }),
    ).toBe('Été &lt;b&gt;|Bé||z');
    expect(() => env.renderString(`{{ 'a' | label('nope') }}`, {})).toThrow(/unknown label dictionary: nope/);
  });
});
