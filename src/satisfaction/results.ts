import type { AnswerRow, InvitationKind, Question } from './repository';

export const KIND_LABELS: Record<InvitationKind, string> = { mission: 'Fin d’accompagnement', appointment: 'Rendez-vous' };

/** One question's figures in a group: how many answered it, the average (one decimal), how many gave each step 1 to 5. */
export interface QuestionFigures {
  key: string;
  text: string;
  count: number;
  average: number | null;
  /** « 4,3 », or « — » when nobody answered */
  averageText: string;
  /** index 0 = step 1 … index 4 = step 5 */
  distribution: number[];
  /** the share of each step, in whole percent */
  shares: number[];
}

export interface Group {
  key: string;
  label: string;
  count: number;
  /** the average of every score given in the group */
  average: number | null;
  averageText: string;
  questions: QuestionFigures[];
}

export interface ResultComment {
  text: string;
  missionType: string;
  kind: string;
  period: string;
}

const round1 = (n: number) => Math.round(n * 10) / 10;
/** An average out of 5 the French way: 4.25 → « 4,3 ». */
export const averageText = (n: number | null): string => (n === null ? '—' : n.toFixed(1).replace('.', ','));

/** The figures of a set of answers, question by question (the questions of the questionnaire in force). */
export function group(key: string, label: string, rows: readonly AnswerRow[], questions: readonly Question[]): Group {
  let total = 0;
  let sum = 0;
  const figures = questions.map((q) => {
    const distribution = [0, 0, 0, 0, 0];
    let qSum = 0;
    let count = 0;
    for (const r of rows) {
      const score = r.scores[q.key];
      if (typeof score !== 'number' || !Number.isInteger(score) || score < 1 || score > 5) continue;
      distribution[score - 1] = (distribution[score - 1] ?? 0) + 1;
      qSum += score;
      count++;
    }
    total += count;
    sum += qSum;
    return {
      key: q.key,
      text: q.text,
      count,
      average: count ? round1(qSum / count) : null,
      averageText: averageText(count ? round1(qSum / count) : null),
      distribution,
      shares: distribution.map((d) => (count ? Math.round((100 * d) / count) : 0)),
    };
  });
  const average = total ? round1(sum / total) : null;
  return { key, label, count: rows.length, average, averageText: averageText(average), questions: figures };
}

/** Groups answers by a key (mission type, adviser…), largest group first, then by label. */
export function groupBy(
  rows: readonly AnswerRow[],
  questions: readonly Question[],
  keyOf: (r: AnswerRow) => string,
  labelOf: (r: AnswerRow) => string,
): Group[] {
  const sets = new Map<string, { label: string; rows: AnswerRow[] }>();
  for (const r of rows) {
    const k = keyOf(r);
    const set = sets.get(k) ?? { label: labelOf(r), rows: [] };
    set.rows.push(r);
    sets.set(k, set);
  }
  return [...sets.entries()].map(([k, s]) => group(k, s.label, s.rows, questions)).sort((a, b) => b.count - a.count || a.label.localeCompare(b.label, 'fr'));
}
