import fs from 'node:fs';
import path from 'node:path';
import { memoryPages, validateXML } from 'xmllint-wasm';
import { PROJECT_ROOT } from '../../paths';

/** The schemas live beside this file in the source tree (the compiled build reads them there too). */
const DIR = path.join(PROJECT_ROOT, 'src/payments/sepa');

/** The two pain.001.001.03 schemas every file must pass: the base ISO one and the EPC-restricted one. */
export const PAIN001_SCHEMAS = [
  { label: 'ISO 20022 pain.001.001.03', file: path.join(DIR, 'pain.001.001.03.xsd') },
  { label: 'EPC pain.001.001.03', file: path.join(DIR, 'pain.001.001.03.EPC.xsd') },
] as const;

const schemaTexts = new Map<string, string>();
function schemaText(file: string): string {
  let text = schemaTexts.get(file);
  if (text === undefined) {
    text = fs.readFileSync(file, 'utf8');
    schemaTexts.set(file, text);
  }
  return text;
}

export interface XsdVerdict {
  valid: boolean;
  /** the first errors, each "schema: message" */
  errors: string[];
}

/**
 * Validates a document against both pain.001.001.03 schemas (libxml2 in WebAssembly, in worker
 * threads: no native tool needed). A validator that cannot run is a failure, never a pass.
 */
export async function validatePain001(xml: string): Promise<XsdVerdict> {
  // the wasm memory grows with the document: room for the largest batches (20,000 transfers ≈ 13 MB)
  const pages = Math.min(memoryPages.GiB, Math.max(memoryPages.defaultMaxMemoryPages, Math.ceil((Buffer.byteLength(xml) * 40) / 65_536)));
  // one schema after the other: two wasm heaps of a large file at once would double the memory
  const verdicts: Array<{ label: string; valid: boolean; errors: string[] }> = [];
  for (const s of PAIN001_SCHEMAS) {
    try {
      const r = await validateXML({ xml: [{ fileName: 'lot.xml', contents: xml }], schema: [schemaText(s.file)], maxMemoryPages: pages });
      verdicts.push({ label: s.label, valid: r.valid, errors: r.errors.map((e) => e.rawMessage ?? e.message) });
    } catch (err) {
      verdicts.push({ label: s.label, valid: false, errors: [`validation impossible : ${(err as Error).message}`] });
    }
  }
  const errors = verdicts.flatMap((v) => v.errors.slice(0, 5).map((e) => `${v.label} : ${e}`));
  return { valid: verdicts.every((v) => v.valid), errors };
}
