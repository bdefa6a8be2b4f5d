import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { parse } from 'yaml';
import { useWorld } from '../support/world';

/**
 * Issue 18: the alert rules of docs/monitoring/alerts.yml name only metrics that /metrics really
 * exposes, and `promtool check rules` accepts them (Debian's `prometheus` package; .ci/run
 * installs it).
 */
const RULES = path.resolve(__dirname, '../../docs/monitoring/alerts.yml');
const TOKEN = 'metrics-token-for-the-tests-0123456789abcdef';
const t = useWorld({ METRICS_TOKEN: TOKEN });
const promtool = ['/usr/bin/promtool', '/usr/local/bin/promtool'].find((p) => fs.existsSync(p));

describe('the alert rules', () => {
  it('use only metrics /metrics exposes (histogram series included)', async () => {
    const rules = (parse(fs.readFileSync(RULES, 'utf8')) as { groups: Array<{ rules: Array<{ alert: string; expr: string }> }> }).groups.flatMap(
      (g) => g.rules,
    );
    expect(rules.map((r) => r.alert)).toEqual(
      expect.arrayContaining([
        'EntraideTacheEnEchec',
        'EntraideSauvegardeTropAncienne',
        'EntraideFileDeCourrielsBloquee',
        'EntraideErreurs5xx',
        'EntraidePagesLentes',
      ]),
    );
    await request(t.ctx.app).get('/connexion');
    const exposed = (await request(t.ctx.app).get('/metrics').set('Authorization', `Bearer ${TOKEN}`)).text;
    const families = new Set(
      [...exposed.matchAll(/^# TYPE (\S+) (\S+)$/gm)].flatMap((m) =>
        m[2] === 'histogram' ? [`${m[1]}_bucket`, `${m[1]}_count`, `${m[1]}_sum`] : [m[1] as string],
      ),
    );
    for (const r of rules) for (const name of r.expr.match(/entraide_[a-z0-9_]+/g) ?? []) expect([r.alert, families.has(name)]).toEqual([r.alert, true]);
  });

  it('pass promtool check rules (Debian’s prometheus package; .ci/run installs it)', () => {
    if (!promtool) throw new Error('promtool is missing: apt-get install --no-install-recommends prometheus');
    const out = execFileSync(promtool, ['check', 'rules', RULES], { encoding: 'utf8' });
    expect(out).toMatch(/SUCCESS: \d+ rules found/);
  });
});
