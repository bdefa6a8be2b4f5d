import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/**
 * ASVS 4.0.3 V5.3.4: every query is parameterised. Knex builds bound queries; the only way to put a
 * value into SQL text is a raw fragment. This reads every source file (the TypeScript parser, not
 * a regular expression, so multi-line templates count too) and requires each raw fragment's SQL to
 * be a plain string with `?` bindings. A template literal may interpolate only the expressions of
 * this allow-list: constants or closed enums, each justified. A new interpolation fails this test
 * until it is reviewed and listed here (or, better, turned into a binding).
 */
const ALLOWED: Record<string, Record<string, string>> = {
  'src/satisfaction/repository.ts': {
    MISSION_RECIPIENT: 'a constant SQL text written in the module (the household member a mission’s questionnaire goes to)',
    APPOINTMENT_RECIPIENT: 'a constant SQL text written in the module (the same, the appointment’s contact first)',
  },
  'src/statistics/extract-repository.ts': {
    REQUESTS_SQL: 'a constant SQL text written in the module (the period’s requests), values as named :bindings',
    MISSIONS_SQL: 'a constant SQL text written in the module (the period’s missions), values as named :bindings',
    AGGREGATES_SQL: 'a constant SQL text written in the module (the aggregate cells), values as named :bindings',
    'this.pageSize': 'an integer set in the code (FETCH takes no binding)',
    cursor: "one of two constant cursor names: 'extract_requests' | 'extract_missions'",
  },
  'src/statistics/refresh-repository.ts': {
    EVENTS_SQL: 'a constant SQL text written in the module (a month’s events), values as named :bindings',
    CELLS_SQL: 'a constant SQL text written in the module (the sums per cell)',
    DELAYS_SQL: 'a constant SQL text written in the module (the delays per cell)',
    HOUSEHOLDS_SQL: 'a constant SQL text written in the module (the households per cell)',
  },
  'src/aid-requests/lists/repository.ts': {
    column: 'SORTS[f.tri]: a column from a constant map, keyed by a zod enum of the query string',
    'f.ordre': "a zod enum: 'asc' | 'desc'",
    nulls: "a constant: ' nulls last' or ''",
    order: 'one of two constant ORDER BY clauses chosen by the tab (a zod enum)',
  },
  'src/aid-requests/repository.ts': {
    column: "a column name written in the code (org('name'), type('code')…), never from a request",
    as: 'an alias written in the code',
  },
  'src/households/repository.ts': {
    HOLDER_NAME: 'a constant SQL sub-select (the holder’s name)',
    'SORTS[f.sort]': 'an ORDER BY clause from a constant map, keyed by a zod enum',
  },
  'src/funder/reporting/repository.ts': {
    CELLS_SQL: 'a constant SQL text written in the module (the month’s aggregates), every value a named :binding',
  },
  'src/funds/repository.ts': {
    column: "'name' | 'analytic_code': a column written by the caller in the code (a TypeScript union), never from a request",
    COMMITTED_SQL: 'a constant SQL expression written in the module (commitments less releases)',
    CONSUMED_SQL: 'a constant SQL expression written in the module (consumption less rejections)',
    'BREAKDOWN_KEYS[by]': "a column from a constant map keyed by 'organisation' | 'aid_type' (a TypeScript union set in the code)",
    'BREAKDOWN_LABELS[by]': "a column from a constant map keyed by 'organisation' | 'aid_type' (a TypeScript union set in the code)",
  },
  'src/accounts/repository.ts': {
    fresh: 'a constant SQL expression whose value is bound with ? (the lock check)',
  },
  'src/db/rotate-key.ts': {
    't.table': 'a table name from the constant ENCRYPTED_TABLES list',
    sets: 'column names from the constant ENCRYPTED_TABLES list',
    "names.map((n) => `${n} text`).join(', ')": 'column names from the constant ENCRYPTED_TABLES list',
    't.idType': "'uuid' | 'bigint' from the constant ENCRYPTED_TABLES list",
    guards: 'column names from the constant ENCRYPTED_TABLES list; the values are bound (jsonb_to_recordset(?))',
  },
};

const RAW_METHODS =
  /^(raw|whereRaw|andWhereRaw|orWhereRaw|whereNotRaw|orWhereNotRaw|orderByRaw|havingRaw|orHavingRaw|andHavingRaw|joinRaw|onRaw|groupByRaw|fromRaw|selectRaw)$/;
const ROOT = path.resolve(__dirname, '../..');

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(full);
    return e.name.endsWith('.ts') ? [full] : [];
  });
}

interface RawCall {
  file: string;
  line: number;
  /** the interpolated expressions, or the whole argument when it is not a literal */
  dynamic: string[];
}

function rawCalls(): { calls: number; dynamic: RawCall[] } {
  let calls = 0;
  const dynamic: RawCall[] = [];
  for (const full of sourceFiles(path.join(ROOT, 'src'))) {
    const file = path.relative(ROOT, full).split(path.sep).join('/');
    const source = ts.createSourceFile(file, fs.readFileSync(full, 'utf8'), ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node): void => {
      if (
        ts.isCallExpression(node) &&
        ts.isPropertyAccessExpression(node.expression) &&
        RAW_METHODS.test(node.expression.name.text) &&
        node.arguments.length > 0
      ) {
        calls++;
        const sql = node.arguments[0] as ts.Expression;
        if (!ts.isStringLiteral(sql) && !ts.isNoSubstitutionTemplateLiteral(sql)) {
          const parts = ts.isTemplateExpression(sql) ? sql.templateSpans.map((s) => s.expression.getText(source)) : [sql.getText(source)];
          dynamic.push({ file, line: source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1, dynamic: parts });
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return { calls, dynamic };
}

describe('raw SQL fragments (ASVS 5.3.4)', () => {
  const { calls, dynamic } = rawCalls();

  it('finds the raw calls it is meant to check', () => {
    expect(calls).toBeGreaterThan(20);
  });

  it('interpolates nothing but the allow-listed constants: every value goes through a ? binding', () => {
    const unreviewed = dynamic.flatMap((c) => c.dynamic.filter((expr) => !ALLOWED[c.file]?.[expr]).map((expr) => `${c.file}:${c.line} interpolates ${expr}`));
    expect(unreviewed).toEqual([]);
  });

  it('keeps the allow-list short and current (no entry for an interpolation that is gone)', () => {
    const used = new Set(dynamic.flatMap((c) => c.dynamic.map((expr) => `${c.file} ${expr}`)));
    const stale = Object.entries(ALLOWED).flatMap(([file, exprs]) =>
      Object.keys(exprs)
        .filter((e) => !used.has(`${file} ${e}`))
        .map((e) => `${file} ${e}`),
    );
    expect(stale).toEqual([]);
  });
});
