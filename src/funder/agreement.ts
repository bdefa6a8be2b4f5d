/** A file sent to Action Logement and not acknowledged after this many hours is flagged (interface agreement §3). */
export const ACKNOWLEDGEMENT_DUE_HOURS = 48;
