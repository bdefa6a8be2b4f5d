import { z } from 'zod';
import '../../src/http/forms';
import { $, csrfToken, loginAs } from '../support/http';
import { useWorld } from '../support/world';

/**
 * A schema that does not word a rule itself fell back on zod's English ("Invalid input: expected
 * string, received array" for a repeated key, "Invalid option: expected one of…" for a value off
 * the list). Every refusal is told in French, the schema's own message first.
 */
const t = useWorld();
const ENGLISH = /Invalid (input|option)|expected (string|number|one of)|Too (big|small)/;

describe('French messages for the rules a schema does not word', () => {
  it('words a repeated key, a missing field, a value off the list, a too long text and a number out of range', () => {
    const message = (schema: z.ZodType, value: unknown) => {
      const r = schema.safeParse(value);
      return r.success ? 'accepted' : r.error.issues[0]?.message;
    };
    expect(message(z.string(), ['1', '2'])).toBe('Une seule valeur est attendue pour ce champ');
    expect(message(z.object({ a: z.string() }), {})).toBe('Ce champ est à remplir');
    expect(message(z.enum(['mme', 'm']), 'constructor')).toBe('Choisissez une valeur dans la liste');
    expect(message(z.string().max(5), 'abcdefgh')).toBe('Ce champ ne doit pas dépasser 5 caractères');
    expect(message(z.number().max(10), 11)).toBe('La valeur ne doit pas dépasser 10');
    expect(message(z.number().min(1), 0)).toBe('La valeur doit être au moins 1');
    expect(message(z.uuid(), 'x')).toBe('Cette valeur n’a pas le format attendu');
    // a schema's own sentence still wins
    expect(message(z.string({ error: 'Saisissez le nom' }), undefined)).toBe('Saisissez le nom');
  });

  it('re-renders a form posted with a repeated field with French messages only', async () => {
    const admin = await loginAs(t.ctx.app, t.world.users.admin.email);
    const token = await csrfToken(admin, '/utilisateurs/nouveau');
    const body = new URLSearchParams([
      ['_csrf', token],
      ['organisationId', t.world.landlordA.id],
      ['firstName', 'Léa'],
      ['lastName', 'Petit'],
      ['email', 'lea.petit@alpha.test'],
      ['phone', '0123456789'],
      ['phone', '0123456789'],
      ['role', 'landlord_admin'],
    ]);
    const res = await admin.post('/utilisateurs').type('form').send(body.toString());
    expect(res.status).toBe(400);
    const main = $(res.text)('main').text();
    expect(main).not.toMatch(ENGLISH);
    expect(main).toContain('Une seule valeur est attendue pour ce champ');
    expect($(res.text)('#firstName').val()).toBe('Léa');
  });
});
