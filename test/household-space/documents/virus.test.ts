import { insertAidTypes } from '../../../seeds/demo';
import { EICAR, INFECTED_PDF, useClamd } from '../../support/clamd';
import { PDF } from '../../support/filing';
import { householdAgent } from '../../support/household';
import { useWorld } from '../../support/world';
import { askHousehold, flash, freshHousehold, JPEG, reviewedRequest, send, uploadsOf } from './helpers';

/**
 * Issue 17 with the virus scan on (a real clamd, test/support/clamd.ts): the household's files go
 * through it like every upload; an infected file is refused alone, the clean ones of the same
 * sending are kept, and the security log says so without the file's name.
 */
const c = useClamd();
const t = useWorld(c.env);

let aqId: string;
beforeAll(async () => {
  await insertAidTypes(t.ctx.knex);
  aqId = (await t.ctx.knex('aid_types').where({ code: 'AQ' }).first()).id;
});

it('refuses EICAR and a PDF carrying it, and keeps the clean files sent with them', async () => {
  const h = await freshHousehold(t);
  const id = await reviewedRequest(t, h.householdId, aqId);
  const askId = await askHousehold(t, id);
  const agent = await householdAgent(t.ctx, h.personId);
  const res = await send(agent, askId, [
    [PDF, 'avis.pdf'],
    [EICAR, 'photo.jpg'],
    [INFECTED_PDF, 'quittance piégée.pdf'],
    [JPEG, 'page 2.jpg'],
  ]);
  expect(res.status).toBe(302);
  expect((await uploadsOf(t, id)).map((u) => u.filename).sort()).toEqual(['avis.pdf', 'page 2.jpg']);
  const said = await flash(agent);
  // EICAR has no PDF/JPEG/PNG signature: refused by its type before the scan; the PDF carrying it by the scan
  expect(said).toContain('« photo.jpg » — ce n’est ni une photo');
  expect(said).toContain('« quittance piégée.pdf » — il contient un virus');
  const infected = t.ctx.logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.event === 'upload.infected');
  expect(infected).toHaveLength(1);
  expect(JSON.stringify(infected)).not.toContain('piégée');
});
