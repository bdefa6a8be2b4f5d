import { LABELS } from '../../src/labels';
import nunjucks from 'nunjucks';
import express from 'express';
import { formatCount, formatLongDateTime, formatQuotation, formatShortWeekday, formatWeekday } from '../../src/shared/format';
import { appointmentWhen } from '../../src/missions/appointments/mails';
import { configureViews } from '../../src/http/views';

describe('long French dates', () => {
  it('writes the first of the month "1er" and the other days as numbers', () => {
    expect(formatWeekday('2026-12-01')).toBe('mardi 1er décembre');
    expect(formatWeekday('2026-12-02')).toBe('mercredi 2 décembre');
    expect(formatWeekday('2026-12-11')).toBe('vendredi 11 décembre');
    expect(formatWeekday('2026-12-21')).toBe('lundi 21 décembre');
    expect(formatWeekday('2027-01-01')).toBe('vendredi 1er janvier');
    expect(formatWeekday('not a date')).toBe('');
    expect(formatShortWeekday('2026-11-30')).toBe('lun. 30');
    expect(formatShortWeekday('2026-12-01')).toBe('mar. 1er');
  });

  it('writes an instant on the Paris clock, the first of the month "1er", with the year when asked', () => {
    expect(formatLongDateTime(new Date('2026-12-01T13:30:00Z'))).toBe('mardi 1er décembre à 14:30');
    expect(formatLongDateTime(new Date('2026-11-30T23:30:00Z'))).toBe('mardi 1er décembre à 00:30');
    expect(formatLongDateTime(new Date('2026-12-03T13:30:00Z'), { year: true })).toBe('jeudi 3 décembre 2026 à 14:30');
    expect(formatLongDateTime(new Date('2026-07-01T07:05:00Z'), { year: true })).toBe('mercredi 1er juillet 2026 à 09:05');
  });

  it('dates the appointment mails the same way', () => {
    expect(appointmentWhen(new Date('2026-12-01T09:00:00Z'))).toBe('mardi 1er décembre 2026 à 10:00');
  });
});

describe('counts in words', () => {
  it('says "Aucune aide" instead of "0 aide", then "1 aide", "2 aides"', () => {
    expect(formatCount(0, 'aide', { feminine: true })).toBe('Aucune aide');
    expect(formatCount(0, 'dossier')).toBe('Aucun dossier');
    expect(formatCount(1, 'aide', { feminine: true })).toBe('1 aide');
    expect(formatCount(2, 'aide', { feminine: true })).toBe('2 aides');
    expect(formatCount('12', 'rendez-vous', { plural: 'rendez-vous' })).toBe('12 rendez-vous');
    expect(formatCount(null, 'échéance', { feminine: true })).toBe('Aucune échéance');
  });

  it('groups thousands the French way', () => {
    expect(formatCount(12_500, 'ménage')).toBe('12\u202f500 ménages');
  });
});

describe('quotations', () => {
  it('sit in guillemets held by non-breaking spaces', () => {
    expect(formatQuotation(' Aide accordée pour trois mois ')).toBe('«\u00a0Aide accordée pour trois mois\u00a0»');
    expect(formatQuotation('')).toBe('');
    expect(formatQuotation(null)).toBe('');
  });
});

describe('the view filters', () => {
  const env: nunjucks.Environment = configureViews(express(), { watch: false, labels: LABELS });
  const render = (template: string, context: object = {}) => env.renderString(template, context);

  it('render long dates with "1er", counts in words and references that never break', () => {
    expect(render('{{ "2026-12-01" | weekday }}')).toBe('mardi 1er décembre');
    expect(render('{{ at | longDateTime }}', { at: new Date('2026-12-01T08:55:00Z') })).toBe('mardi 1er décembre à 09:55');
    expect(render('{{ r | ref }}', { r: '2026-00008' })).toBe('<span class="ref">2026-00008</span>');
    expect(render('{{ r | ref }}', { r: '<b>' })).toBe('<span class="ref">&lt;b&gt;</span>');
    expect(render('{{ r | ref }}', { r: null })).toBe('');
    expect(render('le {{ at | datetime }} : {{ c | guillemets }}', { at: new Date('2026-12-01T08:55:00Z'), c: 'Aide <b>' })).toBe(
      'le 01/12/2026 à 09:55 : «\u00a0Aide &lt;b&gt;\u00a0»',
    );
    expect(render('{{ 0 | compte("aide", "aides", "f") }} · {{ 3 | compte("aide", "aides", "f") }} · {{ 0 | compte("lot") }}')).toBe(
      'Aucune aide · 3 aides · Aucun lot',
    );
  });
});
