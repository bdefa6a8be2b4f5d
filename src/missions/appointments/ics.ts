/** An iCalendar (RFC 5545) event, for people to add an appointment to their calendar. */
const stamp = (d: Date) =>
  d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
const escape = (s: string) => s.replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/,/g, '\\,').replace(/\r?\n/g, '\\n');

/** Lines longer than 75 octets are folded (RFC 5545 3.1). */
function fold(line: string): string {
  const out: string[] = [];
  let rest = line;
  while (Buffer.byteLength(rest) > 75) {
    let cut = 74;
    while (Buffer.byteLength(rest.slice(0, cut)) > 74) cut--;
    out.push(rest.slice(0, cut));
    rest = ` ${rest.slice(cut)}`;
  }
  out.push(rest);
  return out.join('\r\n');
}

export function appointmentIcs(a: {
  uid: string;
  startsAt: Date;
  durationMinutes: number;
  summary: string;
  location: string;
  description: string;
  organizer: string;
  now: Date;
  cancelled?: boolean;
  sequence?: number;
}): string {
  const end = new Date(a.startsAt.getTime() + a.durationMinutes * 60_000);
  return (
    [
      'BEGIN:VCALENDAR',
      'VERSION:2.0',
      'PRODID:-//Entraide//Accompagnement//FR',
      `METHOD:${a.cancelled ? 'CANCEL' : 'REQUEST'}`,
      'BEGIN:VEVENT',
      `UID:${a.uid}`,
      `SEQUENCE:${a.sequence ?? 0}`,
      `DTSTAMP:${stamp(a.now)}`,
      `DTSTART:${stamp(a.startsAt)}`,
      `DTEND:${stamp(end)}`,
      `SUMMARY:${escape(a.summary)}`,
      `LOCATION:${escape(a.location)}`,
      `DESCRIPTION:${escape(a.description)}`,
      `ORGANIZER;CN=${escape(a.organizer)}:mailto:ne-pas-repondre@entraide.local`,
      `STATUS:${a.cancelled ? 'CANCELLED' : 'CONFIRMED'}`,
      'END:VEVENT',
      'END:VCALENDAR',
    ]
      .map(fold)
      .join('\r\n') + '\r\n'
  );
}
