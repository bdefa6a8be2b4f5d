const parisDay = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris', year: 'numeric', month: '2-digit', day: '2-digit' });

/** Today's date in Paris, as "AAAA-MM-JJ" (the day people mean when they type a date). */
export function parisDate(now: Date): string {
  return parisDay.format(now);
}
