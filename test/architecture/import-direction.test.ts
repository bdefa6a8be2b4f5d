import fs from 'node:fs';
import path from 'node:path';
import { ALLOWED, KERNEL, mermaid, ROOT } from './areas';
import { SRC, sourceImports, type SourceImport } from './imports';

/** The name an import's end is checked under: a folder, or a file at the root of src/. */
const unit = (file: string): string => file.split(path.sep)[0] as string;
const isKernel = (u: string) => (KERNEL as readonly string[]).includes(u);
const isRoot = (u: string) => (ROOT as readonly string[]).includes(u);
const imports = sourceImports();
const show = (list: SourceImport[]) => list.map((i) => `${i.from} → ${i.to}${i.typeOnly ? ' (type)' : ''}`).join('\n');

describe('the areas import one way (docs/architecture.md)', () => {
  it('every folder and root file of src/ is declared as kernel, root or area', () => {
    const undeclared = fs.readdirSync(SRC).filter((name) => !isKernel(name) && !isRoot(name) && !(name in ALLOWED));
    expect(undeclared).toEqual([]);
  });

  it('the kernel imports only the kernel', () => {
    const wrong = imports.filter((i) => isKernel(unit(i.from)) && !isKernel(unit(i.to)));
    expect(show(wrong)).toBe('');
  });

  it('an area imports only the areas its arrows allow, and the kernel', () => {
    const wrong = imports.filter((i) => {
      const from = unit(i.from);
      const to = unit(i.to);
      if (!(from in ALLOWED) || from === to || isKernel(to) || isRoot(to)) return false;
      return !(ALLOWED[from] as readonly string[]).includes(to);
    });
    expect(show(wrong)).toBe('');
  });

  it('an area imports the root only for the type of the assembled services', () => {
    const wrong = imports.filter((i) => !isRoot(unit(i.from)) && isRoot(unit(i.to)) && !(i.to === 'services.ts' && i.typeOnly));
    expect(show(wrong)).toBe('');
  });

  it('the allowed arrows have no cycle', () => {
    const state = new Map<string, 'open' | 'done'>();
    const cycles: string[] = [];
    const visit = (area: string, trail: string[]): void => {
      if (state.get(area) === 'done') return;
      if (state.get(area) === 'open') {
        cycles.push([...trail.slice(trail.indexOf(area)), area].join(' → '));
        return;
      }
      state.set(area, 'open');
      for (const next of ALLOWED[area] ?? []) visit(next, [...trail, area]);
      state.set(area, 'done');
    };
    for (const area of Object.keys(ALLOWED)) visit(area, []);
    expect(cycles).toEqual([]);
  });

  it('every allowed arrow is used (a stale arrow hides a dependency that left)', () => {
    const used = new Set(imports.map((i) => `${unit(i.from)}→${unit(i.to)}`));
    const stale = Object.entries(ALLOWED).flatMap(([from, targets]) => targets.filter((t) => !used.has(`${from}→${t}`)).map((t) => `${from} → ${t}`));
    expect(stale).toEqual([]);
  });

  it('docs/architecture.md draws the same graph', () => {
    const doc = fs.readFileSync(path.join(SRC, '..', 'docs', 'architecture.md'), 'utf8');
    const drawn = doc.match(/```mermaid\n([\s\S]*?)\n```/)?.[1];
    expect(drawn).toBe(mermaid());
  });
});
