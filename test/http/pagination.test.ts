import express from 'express';
import * as cheerio from 'cheerio';
import { LABELS } from '../../src/labels';
import { configureViews, pageLinks } from '../../src/http/views';

/**
 * The pagination under every list: the first and last pages, two either side of the current one,
 * « … » where pages are skipped. Computed from the page count (not by walking every page: the
 * association's list has ten thousand of them, and walking them was most of its view's time).
 */
describe('pagination', () => {
  it('lists the first, the last, two either side of the current page, and the gaps', () => {
    expect(pageLinks(1, 1)).toEqual([1]);
    expect(pageLinks(1, 3)).toEqual([1, 2, 3]);
    expect(pageLinks(1, 10_000)).toEqual([1, 2, 3, null, 10_000]);
    expect(pageLinks(6, 20)).toEqual([1, null, 4, 5, 6, 7, 8, null, 20]);
    expect(pageLinks(4, 20)).toEqual([1, 2, 3, 4, 5, 6, null, 20]);
    expect(pageLinks(20, 20)).toEqual([1, null, 18, 19, 20]);
    // a gap of one page only is shown as « … » too (as before: the page just outside the window)
    expect(pageLinks(5, 20)).toEqual([1, null, 3, 4, 5, 6, 7, null, 20]);
  });

  it('renders those links with the query kept and the current page marked', () => {
    const env = configureViews(express(), { watch: false, labels: LABELS });
    const html = env.renderString('{% import "macros/ui.njk" as ui %}{{ ui.pagination(page, "/demandes", query) }}', {
      page: { page: 6, pageCount: 10_000 },
      query: { q: 'dupont é', status: 'closed', page: '6' },
    });
    const $ = cheerio.load(html);
    expect(
      $('.page-item')
        .map((_i, el) => $(el).text().trim())
        .get(),
    ).toEqual(['1', '…', '4', '5', '6', '7', '8', '…', '10000']);
    expect($('[aria-current="page"]').text()).toBe('6');
    expect($('a.page-link').first().attr('href')).toBe('/demandes?q=dupont%20%C3%A9&status=closed&page=1');
  });

  it('shows nothing for a single page', () => {
    const env = configureViews(express(), { watch: false, labels: LABELS });
    expect(env.renderString('{% import "macros/ui.njk" as ui %}{{ ui.pagination(page, "/x", {}) }}', { page: { page: 1, pageCount: 1 } }).trim()).toBe('');
  });
});
