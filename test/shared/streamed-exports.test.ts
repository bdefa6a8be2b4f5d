import express from 'express';
import request from 'supertest';
import { primed, sendCsv } from '../../src/shared/csv';
import { sendXlsx } from '../../src/shared/xlsx';

/** Rows whose reading fails at once, as a query the database refuses would. */
// eslint-disable-next-line require-yield -- it throws before its first row, on purpose
async function* failing(): AsyncGenerator<{ n: number }> {
  throw new Error('the query failed');
}
async function* rows(n: number): AsyncGenerator<{ n: number }> {
  for (let i = 1; i <= n; i++) yield { n: i };
}

const appWith = (send: (res: express.Response, source: AsyncIterable<{ n: number }>) => Promise<void>, source: () => AsyncIterable<{ n: number }>) => {
  const app = express();
  app.get('/export', async (_req, res) => send(res, source()));
  app.use((err: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    res.status(500).type('text/html').send(`<p>Erreur : ${err.message}</p>`);
  });
  return app;
};
const csv = (res: express.Response, source: AsyncIterable<{ n: number }>) => sendCsv(res, 'x.csv', ['N'], source, (r) => [r.n]);
const xlsx = (res: express.Response, source: AsyncIterable<{ n: number }>) =>
  sendXlsx(res, 'x.xlsx', 'X', [{ header: 'N', format: 'integer' }], source, (r) => [r.n]);

describe('streamed exports', () => {
  it.each([
    ['CSV', csv],
    ['XLSX', xlsx],
  ] as const)('%s: a query failing before its first row answers the error page, never a download cut after its header', async (_kind, send) => {
    const res = await request(appWith(send, failing)).get('/export');
    expect(res.status).toBe(500);
    expect(res.headers['content-disposition']).toBeUndefined();
    expect(res.text).toContain('Erreur');
  });

  it('streams every row, the empty export included', async () => {
    expect((await request(appWith(csv, () => rows(3))).get('/export')).text).toBe('\ufeffN\r\n1\r\n2\r\n3\r\n');
    expect((await request(appWith(csv, () => rows(0))).get('/export')).text).toBe('\ufeffN\r\n');
    const read: number[] = [];
    for await (const r of await primed(rows(4))) read.push(r.n);
    expect(read).toEqual([1, 2, 3, 4]);
  });
});
