import * as cheerio from 'cheerio';
import type { Express } from 'express';
import request from 'supertest';
import { startTestApp, type TestContext } from '../support/app';
import { csrfToken, loginAs, type Agent } from '../support/http';
import { requireLogin } from '../../src/http/guards';
import type { World } from '../factories/world';
import { TEST_PASSWORD } from '../factories/user';
import { householdAgent } from '../support/household';
import { requireHousehold } from '../../src/household-space/session';
import { buildRouteWorld, concreteUrl, personaEmails, registeredRoutes, type Layer, type Persona, type RouteWorld } from '../support/route-world';

/**
 * Issue 14, "no 500 from any input": every registered route, as the personas allowed to use it,
 * receives hostile inputs (NUL bytes, 10,000-character values, prototype words as keys and values,
 * repeated and bracketed keys, numbers and dates out of range, multipart bodies holding the same).
 * Not one answer may be a 500, nor may anything be logged at level error.
 *
 * The world (records of landlord A, a draft, a submitted request, a mission…) and the way `:id`
 * parameters are substituted are those of route-matrix.test.ts. The forms each page renders give
 * the fields of its POST routes and their valid values: each field is then made hostile in turn
 * while the others keep a valid value, so a bad value goes as deep as the schema lets it.
 */
const ASSOCIATION: Persona[] = ['admin', 'operator', 'social_adviser', 'accountant', 'auditor'];
const LANDLORDS: Persona[] = ['adminA', 'instructorA', 'adminB'];
const HOUSEHOLDS: Persona[] = ['menage'];

/** Every route registered in the app, as [METHOD, path]. */
const routesOf = (app: Express): Array<['GET' | 'POST', string]> => registeredRoutes(app).map((r) => r.split(' ') as ['GET' | 'POST', string]);

let ctx: TestContext;
let routeWorld: RouteWorld;
let world: World;
const agents = new Map<Persona, Agent>();
/** A household of landlord A (two members), its second membership, and a duplicate suspicion. */
let householdA: { id: string; holderId: string; membershipIds: string[] };
/** A submitted request of landlord A with a message attachment and a decision letter. */
let submittedId: string;
/** Payments: a bank account with its RIB, a supplier, a debtor account, an approved batch and its paid payment, job runs. */
const pay: Record<string, string> = {};

beforeAll(async () => {
  ctx = await startTestApp();
  const rw = await buildRouteWorld(ctx.knex);
  ({ world, householdA, submittedId } = rw);
  routeWorld = rw;
  Object.assign(pay, rw.pay);
  // unlike the matrix, the fuzz also needs open missions, so their action forms are shown and their posts go deep:
  // one proposed (accept, decline, assign, start) and one in progress with a planned appointment (sessions, appointments, end)
  const openMission = (reference: string, status: string) =>
    ctx
      .knex('missions')
      .insert({
        reference,
        organisation_id: world.landlordA.id,
        household_id: householdA.id,
        mission_type_id: pay.missionType,
        status,
        origin: 'association',
        reason: 'Test',
        planned_minutes: 240,
        ordered_by: world.users.operator.id,
        ordered_by_label: 'Op',
        ordered_at: new Date(),
        adviser_id: world.users.social_adviser.id,
        consent: status === 'proposed' ? null : JSON.stringify({ date: '2026-11-20', method: 'in_person', recordedBy: 'x' }),
      })
      .returning('id');
  pay.proposedMission = ((await openMission('M2026-90002', 'proposed'))[0] as { id: string }).id;
  pay.openMission = ((await openMission('M2026-90003', 'in_progress'))[0] as { id: string }).id;
  const [planned] = await ctx
    .knex('appointments')
    .insert({
      mission_id: pay.openMission,
      adviser_id: world.users.social_adviser.id,
      starts_at: new Date('2026-11-25T09:00:00Z'),
      duration_minutes: 60,
      mode: 'phone',
      place: 'Tél.',
      contact_name: 'X',
      status: 'scheduled',
      created_at: new Date('2026-11-19T09:00:00Z'),
    })
    .returning('id');
  pay.plannedAppointment = (planned as { id: string }).id;
  agents.set('anonymous', request.agent(ctx.app));
  const emails = personaEmails(world);
  for (const [persona, email] of Object.entries(emails)) {
    const agent = await loginAs(ctx.app, email);
    agents.set(persona as Persona, agent);
    tokens.set(persona as Persona, await csrfToken(agent, '/mon-compte'));
  }
  tokens.set('anonymous', await csrfToken(agents.get('anonymous') as Agent, '/connexion'));
  // the household space: household A's holder in their own session, and the anonymous visitor of its door
  agents.set('menage', await householdAgent(ctx, rw.household.personA as string));
  spaceTokens.set('menage', await csrfToken(agents.get('menage') as Agent, '/mon-espace'));
  spaceTokens.set('anonymous', await csrfToken(agents.get('anonymous') as Agent, '/mon-espace/acces'));
});
afterAll(() => ctx.close());

function concrete(path: string): string {
  // the open missions take the action routes, so their forms are shown and their posts go deep
  const missionAction = path.split('/')[3] ?? '';
  if (path.startsWith('/accompagnement/:id') && ['accord', 'refus', 'attribuer', 'commencer'].includes(missionAction))
    return path.replace(':id', pay.proposedMission as string);
  if (path.startsWith('/accompagnement/:id') && ['entretiens', 'rendez-vous', 'terminer', 'interrompre'].includes(missionAction))
    return path.replace(':id', pay.openMission as string).replace(':appointmentId', pay.plannedAppointment as string);
  return concreteUrl(routeWorld, path);
}

// ---------------------------------------------------------------------------------------------
// Hostile values

const LONG = ['a'.repeat(10_000), '9'.repeat(10_000)];
const PROTO_WORDS = ['__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toString'];
const NUMBERS = ['1e400', '-0', 'NaN', '-1', '99999999999999999999', 'Infinity', '1,5e308'];
const DATES = ['2026-02-30', '9999-99-99', '0000-00-00', '2026-13-01', '99999-01-01'];
const PDF = Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');

/** A value of a list, turning with the case number so every value is sent somewhere. */
const pick = (values: string[], n: number) => values[n % values.length] as string;

/** One field made hostile, the others keeping their valid value. */
const FIELD_KINDS: Record<string, (name: string, n: number) => Pairs> = {
  'long value': (name, n) => [[name, pick(LONG, n)]],
  'repeated key': (name) => [
    [name, '1'],
    [name, '2'],
  ],
  'bracketed key': (name, n) => [[`${name}[${pick(['y', '__proto__', 'constructor', '0'], n)}]`, '1']],
  'empty value': (name) => [[name, '']],
  'prototype word': (name, n) => [[name, pick(PROTO_WORDS, n)]],
  'number out of range': (name, n) => [[name, pick(NUMBERS, n)]],
  'impossible date': (name, n) => [[name, pick(DATES, n)]],
};

type Pairs = Array<[string, string]>;
type Method = 'GET' | 'POST';

/** What a page's form posts: its fields with a valid value (the page's own), its file inputs. */
interface FormSpec {
  baseline: Pairs;
  /** each field once, with what the page says of it (input type, select…) */
  names: string[];
  types: Record<string, string>;
  files: string[];
  multipart: boolean;
  /** the page (and who opened it) that showed the form: read again for the record's new version */
  source?: { url: string; persona: Persona };
}

interface Case {
  method: Method;
  pattern: string;
  persona: Persona;
  kind: string;
  url: string;
  body?: Pairs;
  files?: Array<{ field: string; filename: string }>;
  multipart?: boolean;
  /** the form's target, whose record version the body carries */
  form?: string;
}

interface Outcome {
  method: Method;
  pattern: string;
  persona: Persona;
  kind: string;
  status: number;
  requestId: string;
  note?: string;
  csrf?: boolean;
  /** the answer shows one of zod's default English messages instead of a French one */
  english?: string;
}

const tokens = new Map<Persona, string>();
/** The household space has its own session and CSRF cookies: each persona's token there (anonymous: the access page's). */
const spaceTokens = new Map<Persona, string>();
const inSpace = (url: string) => url.startsWith('/mon-espace');
const tokenFor = (persona: Persona, url: string) => (inSpace(url) ? spaceTokens.get(persona) : tokens.get(persona)) as string;
const tokenPage = (persona: Persona, url: string) =>
  inSpace(url) ? (persona === 'menage' ? '/mon-espace' : '/mon-espace/acces') : persona === 'anonymous' ? '/connexion' : '/mon-compte';
const outcomes: Outcome[] = [];
/** Forms seen on the pages, by the path they post to; query keys seen in GET forms and links, by path. */
const postForms = new Map<string, FormSpec>();
const queryKeys = new Map<string, Set<string>>();
/** Links with a query string, by path: a form may show only for a chosen record (`?menage=…`). */
const links = new Map<string, Set<string>>();
let sent = 0;

/** A valid value for an empty field, from its type and name (the schemas check formats: postcode, IBAN, amounts…). */
function defaultValue(type: string, name: string): string {
  // a sensitive form asks for the password again: the personas' own, so the post goes past that check
  if (type === 'password') return /confirm|current/i.test(name) && !/new/i.test(name) ? TEST_PASSWORD : '';
  if (type === 'email' || /email/i.test(name)) return 'fuzz@exemple.fr';
  if (['date', 'month', 'datetime-local'].includes(type) || /date|_on$|On$/i.test(name)) {
    const day = /birth|entry|since|from|received|answered|held/i.test(name) ? '2020-01-15' : '2026-11-30';
    return type === 'month' ? day.slice(0, 7) : type === 'datetime-local' ? `${day}T10:00` : day;
  }
  if (type === 'time' || /time$/i.test(name)) return '10:00';
  if (type === 'tel' || /phone/i.test(name)) return '01 23 45 67 89';
  if (/postcode/i.test(name)) return '75011';
  if (/iban/i.test(name)) return 'FR7630006000011234567890189';
  if (/bic/i.test(name)) return 'BNPAFRPPXXX';
  if (/siren/i.test(name)) return '732829320';
  if (/siret/i.test(name)) return '73282932000074';
  if (/^groupCode$/.test(name)) return 'loyer';
  if (/^code$/.test(name)) return 'FUZZ';
  if (/^number$/.test(name)) return '6571';
  if (/rent|charges|allowance|resource|amount|ceiling|income|arrears|threshold|increase|regularisation|rate|salary|requested$/i.test(name)) return '100,00';
  if (/months|minutes|instalments|count|days|duration/i.test(name)) return '60';
  if (type === 'number') return '1';
  return 'Texte de test';
}

/** Reads the forms and links of a page: the fields of the POST routes and the query keys of the GET ones. */
function discover(html: string, pageUrl: string, source?: FormSpec['source']): void {
  const $ = cheerio.load(html);
  const pathOf = (href: string) => new URL(href, `http://entraide.test${pageUrl}`);
  $('a[href]').each((_, a) => {
    const u = pathOf($(a).attr('href') as string);
    if (u.host !== 'entraide.test' || !u.search) return;
    const keys = queryKeys.get(u.pathname) ?? new Set<string>();
    for (const k of u.searchParams.keys()) keys.add(k);
    queryKeys.set(u.pathname, keys);
    const seen = links.get(u.pathname) ?? new Set<string>();
    seen.add(u.pathname + u.search);
    links.set(u.pathname, seen);
  });
  $('form').each((_, f) => {
    const form = $(f);
    const action = pathOf(form.attr('action') || pageUrl).pathname;
    const controls = form
      .find('input[name], select[name], textarea[name], button[name]')
      .toArray()
      .map((el) => $(el));
    if ((form.attr('method') ?? 'get').toLowerCase() !== 'post') {
      const keys = queryKeys.get(action) ?? new Set<string>();
      for (const c of controls) keys.add(c.attr('name') as string);
      queryKeys.set(action, keys);
      return;
    }
    if (postForms.has(action)) return;
    const spec: FormSpec = { baseline: [], names: [], types: {}, files: [], multipart: (form.attr('enctype') ?? '').includes('multipart'), source };
    const radios = new Set<string>();
    for (const c of controls) {
      const name = c.attr('name') as string;
      if (name === '_csrf') continue;
      const tag = (c.prop('tagName') as string).toLowerCase();
      const type = (c.attr('type') ?? (tag === 'button' ? 'submit' : 'text')).toLowerCase();
      if (type === 'file') {
        spec.files.push(name);
        continue;
      }
      if (!spec.names.includes(name)) {
        spec.names.push(name);
        spec.types[name] = tag === 'input' ? `${type}${c.attr('inputmode') ? ` ${c.attr('inputmode')}` : ''}` : tag;
      }
      if (tag === 'select') {
        const options = c
          .find('option')
          .toArray()
          .map((o) => $(o));
        const chosen = options.find((o) => o.attr('selected') !== undefined) ?? options.find((o) => (o.attr('value') ?? o.text()) !== '');
        if (chosen) spec.baseline.push([name, chosen.attr('value') ?? chosen.text()]);
      } else if (tag === 'textarea') {
        spec.baseline.push([name, c.text() || defaultValue('textarea', name)]);
      } else if (type === 'checkbox') {
        if (c.attr('checked') !== undefined) spec.baseline.push([name, c.attr('value') ?? 'on']);
      } else if (type === 'radio') {
        const group = form.find(`input[type="radio"][name="${name}"]`);
        if (radios.has(name)) continue;
        radios.add(name);
        const checked = group.filter((_i, r) => $(r).attr('checked') !== undefined).first();
        spec.baseline.push([name, (checked.length ? checked : group.first()).attr('value') ?? 'on']);
      } else if (['submit', 'button', 'image', 'reset'].includes(type)) {
        if (!spec.baseline.some(([k]) => k === name) && c.attr('value') !== undefined) spec.baseline.push([name, c.attr('value') as string]);
      } else {
        spec.baseline.push([name, c.attr('value') || defaultValue(type, name)]);
      }
    }
    postForms.set(action, spec);
  });
}

const CSRF_REFUSAL = 'ne provient pas d’Entraide';
/** zod's default messages: a refused value must be told in French, in words for the person typing. */
const ENGLISH =
  /Invalid (input|option|string|date|uuid|email|format|type|element|key|union)[^.;\n·]{0,60}|expected (string|number|array|object|boolean)[^.;\n·]{0,40}|Too (big|small)[^.;\n·]{0,60}|Required\b|Unrecognized key[^.;\n·]{0,40}/;
const csrfRefusals: Outcome[] = [];

/**
 * Sends a case; a CSRF refusal (a public form that renewed the anonymous session, say) renews the
 * persona's token and sends the case again, so no case is lost to a stale token. A refusal that
 * remains is reported: it would mean the case tested the token and nothing else.
 */
async function send(c: Case): Promise<Outcome> {
  const outcome = await sendOnce(c);
  if (c.method !== 'POST' || outcome.status !== 403 || !outcome.csrf) return outcome;
  outcomes.pop();
  (inSpace(c.url) ? spaceTokens : tokens).set(c.persona, await csrfToken(agents.get(c.persona) as Agent, tokenPage(c.persona, c.url)));
  const again = await sendOnce(c);
  if (again.status === 403 && again.csrf) csrfRefusals.push(again);
  return again;
}

/**
 * The record version each form carries now: a post that went through moved it on, and every later
 * case would only meet the "modified by someone else" conflict, before its value reached the database.
 */
const versions = new Map<string, string>();

/** Reads the form's page again: the version of each form it shows (one record, one version for all its forms). */
async function refreshVersion(form: string): Promise<void> {
  const source = postForms.get(form)?.source;
  if (!source || !versions.has(form)) return;
  const $ = cheerio.load((await (agents.get(source.persona) as Agent).get(source.url)).text);
  $('form').each((_i, f) => {
    const action = new URL($(f).attr('action') || source.url, 'http://entraide.test').pathname;
    const value = $(f).find('input[name="version"]').attr('value');
    if (value && versions.has(action)) versions.set(action, value);
  });
}

/** The body with the form's stale version replaced by the current one (a hostile version stays as it is). */
function withCurrentVersion(c: Case): Pairs {
  const spec = c.form ? postForms.get(c.form) : undefined;
  const stale = spec?.baseline.find(([k]) => k === 'version')?.[1];
  const current = c.form ? versions.get(c.form) : undefined;
  return (c.body ?? []).map(([k, v]) => (k === 'version' && v === stale && current ? [k, current] : [k, v]));
}

async function sendOnce(c: Case): Promise<Outcome> {
  const agent = agents.get(c.persona) as Agent;
  const requestId = `fuzz-${String(++sent).padStart(6, '0')}`;
  const outcome: Outcome = { method: c.method, pattern: c.pattern, persona: c.persona, kind: c.kind, status: 0, requestId };
  try {
    let res: request.Response;
    if (c.method === 'GET') {
      res = await agent.get(c.url).set('X-Request-Id', requestId);
      if (res.status === 200 && /html/.test(String(res.headers['content-type'])))
        discover(res.text, c.url.split('?')[0] as string, { url: c.url, persona: c.persona });
    } else if (c.multipart) {
      let req = agent.post(c.url).set('X-Request-Id', requestId).field('_csrf', tokenFor(c.persona, c.url));
      for (const [k, v] of withCurrentVersion(c)) req = req.field(k, v);
      for (const f of c.files ?? []) req = req.attach(f.field, PDF, { filename: f.filename, contentType: 'application/pdf' });
      res = await req;
    } else {
      const body = new URLSearchParams([['_csrf', tokenFor(c.persona, c.url)], ...withCurrentVersion(c)]).toString();
      res = await agent.post(c.url).set('X-Request-Id', requestId).type('form').send(body);
    }
    outcome.status = res.status;
    if (res.status === 302) outcome.note = res.headers.location;
    if (res.status === 403) outcome.csrf = res.text.includes(CSRF_REFUSAL);
    if (res.status === 400 || (res.status === 200 && c.method === 'POST')) outcome.english = ENGLISH.exec(cheerio.load(res.text)('main').text())?.[0];
    if (c.method === 'POST' && c.form && res.status === 302) await refreshVersion(c.form);
  } catch (err) {
    outcome.note = (err as Error).message.slice(0, 120);
  }
  outcomes.push(outcome);
  return outcome;
}

/** An allowed persona gets the page or a form answer; a refused one 403, 404 or the login page. */
const refused = (o: Outcome) => [401, 403, 404].includes(o.status) || (o.status === 302 && (o.note === '/connexion' || o.note === '/mon-espace/acces'));

/** True when the route sends anonymous visitors to the login page before anything else. */
function isPublic(method: Method, pattern: string): boolean {
  const layers = (ctx.app as unknown as { router: { stack: Layer[] } }).router.stack;
  const find = (stack: Layer[]): Array<{ handle: unknown }> | undefined => {
    for (const layer of stack) {
      const route = layer.route as (Layer['route'] & { stack: Array<{ handle: unknown }> }) | undefined;
      if (route?.path === pattern && route.methods[method.toLowerCase()]) return route.stack;
      const inner = layer.handle?.stack ? find(layer.handle.stack) : undefined;
      if (inner) return inner;
      // the areas' routers behind their dispatcher (src/http/area-routers.ts)
      for (const router of layer.handle?.routers ?? []) {
        const found = find(router.stack);
        if (found) return found;
      }
    }
    return undefined;
  };
  return !(find(layers) ?? []).some((l) => l.handle === requireLogin || l.handle === requireHousehold);
}

/** The URL with the path parameter at segment `index` replaced (the value is sent as written: %00 stays a NUL). */
function withSegment(url: string, index: number, value: string): string {
  const segments = url.split('/');
  segments[index] = /^%|%[0-9A-F]{2}/.test(value) ? value : encodeURIComponent(value);
  return segments.join('/');
}

/** Hostile path parameters: all of them on a page, two in turn on a form's target (its lookup is the page's). */
function pathCases(base: Omit<Case, 'persona' | 'kind' | 'url'>, pattern: string, url: string, n: number): Array<Omit<Case, 'persona'>> {
  const cases: Array<Omit<Case, 'persona'>> = [];
  pattern.split('/').forEach((segment, index) => {
    if (!segment.startsWith(':')) return;
    const all = [
      '%00',
      LONG[0] as string,
      pick(PROTO_WORDS, n + index),
      pick(['-0', 'NaN', '1e400'], n + index),
      pick(['9999-99-99', '%E0%A4%A', '..%2F..%2Fetc'], n + index),
    ];
    const values = base.method === 'GET' ? all : [pick(all, n + index), pick(all, n + index + 1)];
    for (const value of values)
      cases.push({ ...base, kind: `path ${segment}: ${value.length > 20 ? `${value.length} chars` : value}`, url: withSegment(url, index, value) });
  });
  return cases;
}

/**
 * The hostile values sent to one field: a 10,000-character value for all; then a number out of
 * range where a number may go, an impossible date where a date may go, a prototype word where a
 * value is looked up in a table, else in turn a repeated, bracketed or empty key; and, in a
 * multipart body, a bracketed name (the multipart parser nests those).
 */
function kindsFor(name: string, type: string, n: number, multipart: boolean): string[] {
  const kinds = ['long value'];
  if (
    /number|numeric|decimal/.test(type) ||
    /amount|montant|version|count|nombre|minutes|rate|cents|instal|year|annee|index|income|revenu|loyer|rent|page|size|limit/i.test(name)
  )
    kinds.push('number out of range');
  else if (/date|month|datetime/.test(type) || /date|_on$|On$|At$|jour|day|from|to$|since|until|debut|fin|echeance|mois|month|period/i.test(name))
    kinds.push('impossible date');
  else if (/select|radio|checkbox|hidden|submit/.test(type)) kinds.push('prototype word');
  else kinds.push(pick(['repeated key', 'empty value', 'bracketed key', 'prototype word'], n));
  if (multipart && !kinds.includes('bracketed key')) kinds.push('bracketed key');
  return kinds;
}

function getCases(pattern: string, url: string): Array<Omit<Case, 'persona'>> {
  const base = { method: 'GET' as const, pattern };
  // the keys the page's filter forms and links use, or `q` for a page that has none
  const keys = queryKeys.get(url)?.size ? [...(queryKeys.get(url) as Set<string>)] : ['q'];
  const cases: Array<Omit<Case, 'persona'>> = [
    {
      ...base,
      kind: 'query: prototype words as keys',
      url: `${url}?__proto__=1&constructor=1&prototype=1&hasOwnProperty=1&toString=1&a[__proto__]=1&items[constructor]=x&${keys[0]}[__proto__]=1`,
    },
    { ...base, kind: 'query: NUL in every key', url: `${url}?${keys.map((k) => `${encodeURIComponent(k)}=a%00b`).join('&')}` },
    { ...base, kind: 'query: prototype words as values', url: `${url}?${keys.map((k, i) => `${encodeURIComponent(k)}=${pick(PROTO_WORDS, i)}`).join('&')}` },
    { ...base, kind: 'query: every key repeated', url: `${url}?${keys.map((k) => `${encodeURIComponent(k)}=1&${encodeURIComponent(k)}=2`).join('&')}` },
  ];
  let n = 0;
  for (const key of keys) {
    for (const kind of kindsFor(key, '', n, false))
      cases.push({
        ...base,
        kind: `query ${key}: ${kind}`,
        url: `${url}?${new URLSearchParams((FIELD_KINDS[kind] as (k: string, i: number) => Pairs)(key, n)).toString()}`,
      });
    n += 1;
  }
  return [...cases, ...pathCases(base, pattern, url, n)];
}

function postCases(pattern: string, url: string): Array<Omit<Case, 'persona'>> {
  const spec: FormSpec = postForms.get(url) ?? {
    baseline: [['version', '1']],
    names: ['version', 'reason', 'comment', 'date'],
    types: { version: 'hidden' },
    files: [],
    multipart: false,
  };
  const files = spec.files.map((field) => ({ field, filename: 'piece.pdf' }));
  const base = { method: 'POST' as const, pattern, multipart: spec.multipart, files, form: url };
  const version = spec.baseline.find(([k]) => k === 'version')?.[1];
  if (version !== undefined && !versions.has(url)) versions.set(url, version);
  const replace = (name: string, pairs: Pairs): Pairs => [...spec.baseline.filter(([k]) => k !== name), ...pairs];
  const cases: Array<Omit<Case, 'persona'>> = [
    {
      ...base,
      kind: 'body: prototype words as keys',
      url,
      body: [
        ...spec.baseline,
        ...PROTO_WORDS.map((w) => [w, 'x'] as [string, string]),
        ['a[__proto__]', '1'],
        ['items[constructor]', 'x'],
        ['x[constructor][prototype]', '1'],
        [`${spec.names[0] ?? 'x'}[__proto__]`, '1'],
      ],
    },
    { ...base, kind: 'body: the page’s own values', url, body: spec.baseline },
    { ...base, kind: 'body: NUL in every value', url, body: spec.baseline.map(([k, v]) => [k, `${v}\u0000`]) },
    { ...base, kind: 'body: NUL in a key', url, body: [...spec.baseline, ['x\u0000', '1']] },
    { ...base, kind: 'query: NUL', url: `${url}?x=%00`, body: spec.baseline },
    { ...base, kind: 'body: prototype words as values', url, body: spec.names.map((k, i) => [k, pick(PROTO_WORDS, i)]) },
    {
      ...base,
      kind: 'body: every key repeated',
      url,
      body: spec.baseline.flatMap(
        ([k, v]) =>
          [
            [k, v],
            [k, v],
          ] as Pairs,
      ),
    },
  ];
  if (spec.multipart) {
    const field = spec.files[0] ?? 'file';
    for (const filename of ['a\u0000b.pdf', `${'a'.repeat(10_000)}.pdf`, '__proto__', 'constructor.pdf', '../../etc/passwd']) {
      cases.push({
        ...base,
        kind: `file name: ${filename.length > 30 ? `${filename.length} chars` : JSON.stringify(filename)}`,
        url,
        body: spec.baseline,
        files: [{ field, filename }],
      });
    }
  }
  let n = 0;
  for (const name of spec.names) {
    for (const kind of kindsFor(name, spec.types[name] ?? 'text', n, spec.multipart)) {
      cases.push({ ...base, kind: `field ${name}: ${kind}`, url, body: replace(name, (FIELD_KINDS[kind] as (k: string, i: number) => Pairs)(name, n)) });
    }
    n += 1;
  }
  return [...cases, ...pathCases(base, pattern, url, n)];
}

/**
 * Sends every case as the first persona allowed (the association's when one may, else a
 * landlord's), and every fifth case also as another persona in turn, so each group gets its share.
 * Who is allowed is learnt on the way: the first case is sent to each persona of a group until one
 * gets in; a persona of the rotation that turns out refused leaves it.
 */
async function fuzz(method: Method, pattern: string, cases: Array<Omit<Case, 'persona'>>): Promise<Persona[]> {
  const [first, ...rest] = cases;
  if (!first) return [];
  if (isPublic(method, pattern)) {
    // public routes are fuzzed as anonymous only: a login or a logout would end the personas' sessions
    for (const c of cases) await send({ ...c, persona: 'anonymous' });
    return ['anonymous'];
  }
  const allowed: Persona[] = [];
  // a page of the household space: only a household's session gets in
  const groups = inSpace(pattern) ? [HOUSEHOLDS] : [ASSOCIATION, LANDLORDS];
  for (const group of groups) {
    for (const persona of group) {
      if (!refused(await send({ ...first, persona }))) {
        allowed.push(persona);
        break;
      }
    }
  }
  const [primary] = allowed;
  if (!primary) return [];
  const others = (inSpace(pattern) ? HOUSEHOLDS : [...ASSOCIATION, ...LANDLORDS]).filter((p) => p !== primary);
  // the landlord (or association persona) that got in comes first in the rotation
  const rotation = [...allowed.slice(1), ...others.filter((p) => !allowed.includes(p))];
  let turn = 0;
  for (const [i, c] of rest.entries()) {
    await send({ ...c, persona: primary });
    if (i % 5 !== 0 || !rotation.length) continue;
    const persona = rotation[turn % rotation.length] as Persona;
    const outcome = await send({ ...c, persona });
    if (refused(outcome) && !c.kind.startsWith('path')) rotation.splice(rotation.indexOf(persona), 1);
    else turn += 1;
    if (!allowed.includes(persona) && !refused(outcome) && !/^path|NUL/.test(c.kind)) allowed.push(persona);
  }
  return allowed;
}

/**
 * Routes that move a record along its path (submit, close, merge…) are fuzzed after the others, and
 * those that end it (withdraw, dismiss, delete…) last, so the others still find their record as built.
 */
const rank = (path: string) =>
  /\/(retirer|ecarter|supprimer|desactiver|annuler|annuler-echeances)$/.test(path)
    ? 2
    : /\/(deposer|cloturer|fusionner|separer|depart|terminer|interrompre|refus|regler|transmettre|valider)$/.test(path)
      ? 1
      : 0;

function table(rows: Outcome[]): string {
  return rows
    .map(
      (o) =>
        `${o.method.padEnd(4)} ${o.pattern.padEnd(52)} ${o.persona.padEnd(14)} ${o.kind.slice(0, 60).padEnd(60)} ${o.status || 'no answer'} ${o.requestId}${o.note ? ` ${o.note}` : ''}`,
    )
    .join('\n');
}

/** The log lines of the fuzz's requests, parsed; and those at level error, by request id. */
function logsOfRequests(): { seen: number; errors: Map<string, string> } {
  const errors = new Map<string, string>();
  let seen = 0;
  for (const line of ctx.logs) {
    try {
      const entry = JSON.parse(line) as { level?: string; requestId?: string; message?: string; error?: string };
      if (entry.requestId?.startsWith('fuzz-')) seen += 1;
      // a database error ends with its cause (" - duplicate key value…"): keep that part
      const error = entry.error ?? '';
      if (entry.level === 'error')
        errors.set(
          entry.requestId ?? '(no request id)',
          `${entry.message ?? ''}: ${error.includes(' - ') ? error.slice(error.lastIndexOf(' - ') + 3) : error}`.slice(0, 240),
        );
    } catch {
      // not JSON: not ours
    }
  }
  return { seen, errors };
}

describe('hostile input on every route', () => {
  it('answers every route, as every allowed persona, without a 500 or an error log', async () => {
    const started = Date.now();
    const routes = routesOf(ctx.app);
    const gets = routes.filter(([m]) => m === 'GET');
    const posts = routes.filter(([m]) => m === 'POST').sort(([, a], [, b]) => rank(a) - rank(b));
    // the pages holding the forms of the submitted request (notes, messages, decisions…)
    for (const persona of ['operator', 'adminA'] as Persona[]) {
      const agent = agents.get(persona) as Agent;
      const page = (await agent.get(`/demandes/${submittedId}`)).text;
      discover(page, `/demandes/${submittedId}`, { url: `/demandes/${submittedId}`, persona });
      const tabs = new Set(
        cheerio
          .load(page)('a[href]')
          .toArray()
          .map((a) => String(a.attribs.href))
          .filter((h) => h.startsWith(`/demandes/${submittedId}?`)),
      );
      for (const tab of tabs) discover((await agent.get(tab)).text, `/demandes/${submittedId}`, { url: tab, persona });
    }
    for (const url of [`/accompagnement/${pay.proposedMission}`, `/accompagnement/${pay.openMission}`])
      discover((await (agents.get('operator') as Agent).get(url)).text, url, { url, persona: 'operator' });
    const allowedBy = new Map<string, Persona[]>();
    for (const [method, pattern] of [...gets, ...posts]) {
      const url = concrete(pattern);
      if (method === 'POST' && !postForms.has(url)) {
        // the form may show only on its page opened for a record (`/accompagnement/nouvelle?menage=…`)
        const [persona] = allowedBy.get(`GET ${pattern}`) ?? [];
        for (const link of [...(links.get(url) ?? [])].slice(0, 2)) {
          if (persona && !postForms.has(url)) discover((await (agents.get(persona) as Agent).get(link)).text, url, { url: link, persona });
        }
      }
      // an earlier route may have moved the record on
      if (method === 'POST' && postForms.get(url)?.baseline.some(([k]) => k === 'version')) {
        versions.set(url, versions.get(url) ?? (postForms.get(url)?.baseline.find(([k]) => k === 'version')?.[1] as string));
        await refreshVersion(url);
      }
      const allowed = await fuzz(method, pattern, method === 'GET' ? getCases(pattern, url) : postCases(pattern, url));
      allowedBy.set(`${method} ${pattern}`, allowed);
    }
    // no persona lost its session on the way (a lost session would have hidden the routes after it)
    for (const persona of [...ASSOCIATION, ...LANDLORDS])
      expect([persona, (await (agents.get(persona) as Agent).get('/mon-compte')).status]).toEqual([persona, 200]);
    expect(['menage', (await (agents.get('menage') as Agent).get('/mon-espace')).status]).toEqual(['menage', 200]);

    const { seen, errors } = logsOfRequests();
    // the capture works: the refused forms and filters of the fuzz were logged (at level info) with their request id
    expect(seen).toBeGreaterThan(100);
    const failing = outcomes
      .filter((o) => o.status >= 500 || o.status === 0 || errors.has(o.requestId))
      .map((o) => ({ ...o, note: errors.get(o.requestId) ?? o.note }));
    const seconds = Math.round((Date.now() - started) / 1000);
    const personas = new Set(outcomes.filter((o) => !refused(o)).map((o) => `${o.method} ${o.pattern} ${o.persona}`)).size;
    console.log(
      `${routes.length} routes, ${personas} route × persona pairs, ${outcomes.length} requests in ${seconds} s; forms found for ${posts.filter(([, p]) => postForms.has(concrete(p))).length}/${posts.length} POST routes`,
    );
    const unreached = [...allowedBy].filter(([, a]) => a.length === 0).map(([r]) => r);
    expect(table(failing)).toBe('');
    expect(table(outcomes.filter((o) => o.english).map((o) => ({ ...o, note: o.english })))).toBe('');
    expect({ unreached, csrfRefusals: table(csrfRefusals) }).toEqual({ unreached: [], csrfRefusals: '' });
    expect([...errors.keys()].filter((id) => !id.startsWith('fuzz-'))).toEqual([]);
  }, 300_000);
});
