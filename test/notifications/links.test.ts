import { bodySegments } from '../../src/notifications/links';

describe('links in a mail shown in the outbox', () => {
  it('turns http and https addresses into links and leaves the rest as text', () => {
    expect(bodySegments('Définissez votre mot de passe : https://entraide.test/mot-de-passe/definir/abc123.\nMerci.')).toEqual([
      { text: 'Définissez votre mot de passe : ' },
      { text: 'https://entraide.test/mot-de-passe/definir/abc123', href: 'https://entraide.test/mot-de-passe/definir/abc123' },
      { text: '.\nMerci.' },
    ]);
    expect(bodySegments('(voir http://exemple.fr/a?b=1&c=2), puis')).toEqual([
      { text: '(voir ' },
      { text: 'http://exemple.fr/a?b=1&c=2', href: 'http://exemple.fr/a?b=1&c=2' },
      { text: '), puis' },
    ]);
  });

  it('never links another scheme, and keeps markup as text', () => {
    const text = 'javascript:alert(1) data:text/html,<b>x</b> ftp://exemple.fr <a href="https://x.fr">';
    expect(bodySegments(text).filter((s) => s.href)).toEqual([{ text: 'https://x.fr', href: 'https://x.fr/' }]);
    expect(
      bodySegments(text)
        .map((s) => s.text)
        .join(''),
    ).toBe(text);
  });

  it('gives back the whole text when it holds no link', () => {
    expect(bodySegments('Bonjour,\n\nAucun lien ici.')).toEqual([{ text: 'Bonjour,\n\nAucun lien ici.' }]);
    expect(bodySegments('')).toEqual([]);
  });
});
