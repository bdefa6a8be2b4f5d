import express from 'express';
import * as cheerio from 'cheerio';
import { LABELS } from '../../src/labels';
import { configureViews } from '../../src/http/views';

/** One way to show what is wrong with a form: the errorSummary macro, form-level error first, then the field errors. */
const env = configureViews(express(), { watch: false, labels: LABELS });
const render = (form: unknown) => cheerio.load(env.renderString(`{% import "macros/form.njk" as f %}{{ f.errorSummary(form) }}`, { form }));

describe('error summary', () => {
  it('a form-level error alone: the message, no count, no link', () => {
    const $ = render({
      values: {},
      errors: { _form: 'Cette fiche a été modifiée par quelqu’un d’autre entre-temps.' },
      errorSummary: [{ href: '#main', text: 'Cette fiche a été modifiée par quelqu’un d’autre entre-temps.' }],
    });
    expect($('.alert-danger.error-summary[role=alert]').length).toBe(1);
    expect($('.error-summary #form-error').text()).toBe('Cette fiche a été modifiée par quelqu’un d’autre entre-temps.');
    expect($('.error-summary h2').length).toBe(0);
    expect($('.error-summary a').length).toBe(0);
    expect($('.error-summary').attr('aria-labelledby')).toBeUndefined();
  });

  it('a form-level error and field errors: the message first, then the count and links of the field errors only', () => {
    const $ = render({
      values: {},
      errors: { _form: 'Vérifiez la saisie.', nom: 'Saisissez le nom' },
      errorSummary: [
        { href: '#main', text: 'Vérifiez la saisie.' },
        { href: '#nom', text: 'Saisissez le nom' },
      ],
    });
    expect($('.error-summary').length).toBe(1);
    expect($('.error-summary #form-error').text()).toBe('Vérifiez la saisie.');
    expect($('.error-summary h2').text()).toBe('Le formulaire contient 1 erreur');
    expect(
      $('.error-summary a')
        .map((_i, a) => $(a).attr('href'))
        .get(),
    ).toEqual(['#nom']);
    expect($('.error-summary').attr('aria-labelledby')).toBe('error-summary-title');
  });

  it('no error, or no form at all: nothing', () => {
    expect(render({ values: {}, errors: {}, errorSummary: [] })('.error-summary').length).toBe(0);
    expect(render(undefined)('.error-summary').length).toBe(0);
  });
});
