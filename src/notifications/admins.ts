import type { Db } from '../db/types';

/** The association's active administrators: who is told about security alerts and failed jobs. */
export async function associationAdmins(db: Db): Promise<Array<{ email: string; firstName: string }>> {
  const rows = await db('users as u').join('organisations as o', 'o.id', 'u.organisation_id')
    .where({ 'u.role': 'admin', 'u.status': 'active', 'o.kind': 'association' })
    .orderBy('u.email')
    .select('u.email', 'u.first_name');
  return rows.map((r: { email: string; first_name: string }) => ({ email: r.email, firstName: r.first_name }));
}
