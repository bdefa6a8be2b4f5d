import fs from 'node:fs';
import path from 'node:path';
import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { PROJECT_ROOT } from '../../paths';

/** The JSON Schemas of the exchanges, as published in docs/echanges (the agreement's and ours). */
export const SCHEMA_DIR = path.join(PROJECT_ROOT, 'docs', 'echanges');
/** The agreement's three schemas and the four Entraide publishes for what it sends (one per outbound flow). */
export const SCHEMAS = ['orientation', 'accuse', 'manifest', 'suivi', 'facturation', 'ecritures', 'reporting'] as const;
export type SchemaName = (typeof SCHEMAS)[number];

let ajv: Ajv2020 | null = null;
const compiled = new Map<SchemaName, ValidateFunction>();

/** A schema's validator, compiled on first use (strict: a schema with a typo fails loudly). */
function validator(name: SchemaName): ValidateFunction {
  const known = compiled.get(name);
  if (known) return known;
  if (!SCHEMAS.includes(name)) throw new Error(`schéma inconnu : ${String(name)}`);
  // allErrors off: the first problem is the one reported; strictRequired off: our schemas require
  // fields per event or nature with if/then, where `required` names properties declared at the top
  ajv ??= addFormats(new Ajv2020({ strict: true, strictRequired: false, allErrors: false }), ['date', 'date-time', 'email']);
  const schema = JSON.parse(fs.readFileSync(path.join(SCHEMA_DIR, `${name}.v1.schema.json`), 'utf8')) as object;
  const validate = ajv.compile(schema);
  compiled.set(name, validate);
  return validate;
}

/** Null when the value is valid, else one French sentence naming the field at fault. */
export function schemaProblem(name: SchemaName, value: unknown): string | null {
  const validate = validator(name);
  if (validate(value)) return null;
  const errors = validate.errors ?? [];
  // oneOf (acknowledgements): the branch errors say more than "must match exactly one schema", and a
  // branch that fails only on a missing field is likely the wrong branch: another one's error is the one to tell
  const branches = errors.filter((e) => e.keyword !== 'oneOf' && e.keyword !== 'if');
  const error = branches.find((e) => e.keyword !== 'required') ?? branches[0] ?? errors[0];
  return error ? describe(error) : 'enregistrement invalide';
}

const fieldOf = (error: ErrorObject): string => {
  const at = error.instancePath.replace(/^\//, '').replace(/\//g, '.');
  return at === '' ? 'l’enregistrement' : at;
};

function describe(error: ErrorObject): string {
  const field = fieldOf(error);
  const p = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return `${field === 'l’enregistrement' ? '' : `${field}.`}${String(p.missingProperty)} : champ obligatoire absent`;
    case 'additionalProperties':
      return `${field === 'l’enregistrement' ? '' : `${field}.`}${String(p.additionalProperty)} : champ inconnu du format`;
    case 'type':
      return `${field} : doit être de type ${String(p.type)}`;
    case 'enum':
      return `${field} : valeur hors de la liste (${(p.allowedValues as unknown[]).map(String).join(', ')})`;
    case 'const':
      return `${field} : doit valoir ${JSON.stringify(p.allowedValue)}`;
    case 'pattern':
      return `${field} : format ou caractères non admis`;
    case 'format':
      return `${field} : n’est pas au format ${String(p.format)}`;
    case 'maxLength':
      return `${field} : ${String(p.limit)} caractères au plus`;
    case 'minLength':
      return `${field} : ${String(p.limit)} caractère(s) au moins`;
    case 'minimum':
      return `${field} : ${String(p.limit)} au moins`;
    case 'maximum':
      return `${field} : ${String(p.limit)} au plus`;
    case 'minItems':
      return `${field} : ${String(p.limit)} élément(s) au moins`;
    case 'uniqueItems':
      return `${field} : valeurs en double`;
    default:
      return `${field} : ${error.message ?? 'invalide'}`;
  }
}
