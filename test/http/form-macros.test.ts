import { LABELS } from '../../src/labels';
import express from 'express';
import * as cheerio from 'cheerio';
import { configureViews } from '../../src/http/views';

/** Each form macro renders label, hint, inline error and aria-describedby, with id == name. */
const env = configureViews(express(), { watch: false, labels: LABELS });
const form = {
  values: { nom: 'Dupont', montant: '1 234,56', motif: 'perte_emploi', accord: 'on', note: 'Texte <b>saisi</b>' },
  errors: { nom: 'Saisissez le nom', montant: 'Le montant dépasse le plafond' },
  errorSummary: [
    { href: '#nom', text: 'Saisissez le nom' },
    { href: '#montant', text: 'Le montant dépasse le plafond' },
  ],
};

function render(call: string) {
  return cheerio.load(env.renderString(`{% import "macros/form.njk" as f %}${call}`, { form }));
}

describe('form macros', () => {
  it('text: label for the field, value kept, error linked by aria-describedby', () => {
    const $ = render(`{{ f.text(form, 'nom', 'Nom', hint='Comme sur la pièce d’identité') }}`);
    expect($('label[for="nom"]').text()).toBe('Nom');
    expect($('#nom').attr('name')).toBe('nom');
    expect($('#nom').attr('value')).toBe('Dupont');
    expect($('#nom').attr('aria-invalid')).toBe('true');
    expect($('#nom').attr('aria-describedby')).toBe('nom-hint nom-error');
    expect($('#nom-error').text()).toContain('Saisissez le nom');
  });

  it('amount, date, email, textarea, select, radios, checkbox and file keep values and name their fields', () => {
    const $ = render(`
      {{ f.amount(form, 'montant', 'Montant') }}
      {{ f.date(form, 'le', 'Date', required=false) }}
      {{ f.email(form, 'courriel', 'E-mail', required=false) }}
      {{ f.textarea(form, 'note', 'Note', required=false) }}
      {{ f.select(form, 'motif', 'Motif', [{value: 'perte_emploi', text: 'Perte d’emploi'}, {value: 'maladie', text: 'Maladie'}]) }}
      {{ f.radios(form, 'motif', 'Motif', [{value: 'perte_emploi', text: 'Perte d’emploi'}, {value: 'maladie', text: 'Maladie'}]) }}
      {{ f.checkbox(form, 'accord', 'J’ai informé le locataire') }}
      {{ f.file(form, 'piece', 'Justificatif') }}`);
    expect($('#montant').attr('inputmode')).toBe('decimal');
    expect($('#montant').attr('aria-describedby')).toContain('montant-error');
    expect($('#le').attr('type')).toBe('date');
    expect($('label[for="le"]').text()).toContain('(facultatif)');
    expect($('#courriel').attr('type')).toBe('email');
    expect($('#note').text()).toBe('Texte <b>saisi</b>');
    expect($('select#motif option[selected]').attr('value')).toBe('perte_emploi');
    expect($('input[type=radio][checked]').attr('value')).toBe('perte_emploi');
    expect($('fieldset legend').text()).toContain('Motif');
    expect($('#accord').attr('checked')).toBeDefined();
    expect($('#piece').attr('accept')).toBe('application/pdf,image/jpeg,image/png');
  });

  it('error summary links to each field', () => {
    const $ = render(`{{ f.errorSummary(form) }}`);
    expect($('.error-summary h2').text()).toBe('Le formulaire contient 2 erreurs');
    expect(
      $('.error-summary a')
        .map((_i, a) => $(a).attr('href'))
        .get(),
    ).toEqual(['#nom', '#montant']);
  });
});
