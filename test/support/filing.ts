import { $, csrfToken, postForm, type Agent } from './http';

export const PDF = Buffer.from('%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n');

export const IBAN = 'FR76 3000 6000 0112 3456 7890 189';

/** The version a request's page carries in its forms (what a browser would post back). */
export async function pageVersion(agent: Agent, path: string): Promise<string> {
  const page = $((await agent.get(path)).text);
  const v = page('input[name="version"]').first().attr('value');
  if (!v) throw new Error(`no version field on ${path}`);
  return v;
}

/** Uploads a file the way the browser form does (the CSRF field first, then the fields, then the file). */
export async function upload(agent: Agent, id: string, kind: string, data: Buffer, name: string) {
  const token = await csrfToken(agent, `/demandes/${id}`);
  return agent.post(`/demandes/${id}/pieces`).field('_csrf', token).field('kind', kind).attach('file', data, name);
}

export interface Filing {
  householdId: string;
  aidTypeId: string;
  situation?: Record<string, string>;
  amount: string;
  months?: string;
  payeeKind?: string;
  payeeName?: string;
  iban?: string;
  documents?: string[];
  submit?: boolean;
}

/** A landlord files a request through every step of the wizard, as a browser would; returns its id. */
export async function fileRequest(agent: Agent, f: Filing): Promise<string> {
  const created = await postForm(agent, '/demandes', { householdId: f.householdId, aidTypeId: f.aidTypeId }, `/demandes/nouvelle?menage=${f.householdId}`);
  if (created.status !== 302) throw new Error(`draft not created: ${created.status}`);
  const id = (created.headers.location as string).split('/')[2] as string;
  const step = async (path: string, fields: Record<string, string>) => {
    const res = await postForm(agent, `/demandes/${id}/${path}`, { ...fields, version: await pageVersion(agent, `/demandes/${id}/${path}`), suite: '1' });
    if (res.status !== 302) throw new Error(`step ${path} refused (${res.status}): ${$(res.text)('.invalid-feedback, .alert-danger').text()}`);
  };
  const page = $((await agent.get(`/demandes/${id}/situation`)).text);
  const prefilled: Record<string, string> = {};
  page('form input[name], form select[name], form textarea[name]').each((_i, e) => {
    const name = page(e).attr('name') as string;
    if (!['_csrf', 'version', 'step'].includes(name)) prefilled[name] = (page(e).attr('value') ?? page(e).val() ?? '') as string;
  });
  await step('situation', { ...prefilled, cause: 'job_loss', ...f.situation });
  await step('aide', { requested: f.amount, requestedMonths: f.months ?? '' });
  await step('versement', {
    payeeKind: f.payeeKind ?? 'landlord',
    payeeName: f.payeeName ?? 'Bailleur Alpha',
    payeeIban: f.iban ?? IBAN,
    payeeBic: 'BNPAFRPPXXX',
  });
  for (const kind of f.documents ?? []) {
    const res = await upload(agent, id, kind, PDF, `${kind}.pdf`);
    if (res.status !== 302) throw new Error(`upload ${kind}: ${res.status}`);
  }
  await step('consentement', { consentInformed: 'on', consentDate: '2026-11-20', consentMethod: 'paper_signed' });
  if (f.submit !== false) {
    const res = await postForm(
      agent,
      `/demandes/${id}/deposer`,
      { version: await pageVersion(agent, `/demandes/${id}/recapitulatif`) },
      `/demandes/${id}/recapitulatif`,
    );
    if (res.status !== 302 || res.headers.location !== `/demandes/${id}`) throw new Error(`submit refused: ${res.status} ${res.headers.location}`);
  }
  return id;
}

export const MANDATORY: Record<string, string[]> = {
  AQ: ['rent_receipt', 'payslips', 'tax_notice'],
  AE: ['charges_statement', 'tax_notice'],
  AD: ['debt_statement', 'tax_notice'],
};
