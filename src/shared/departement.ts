/**
 * The département of a French postcode, as SQL over a column: the first two digits; Corsica's
 * 20xxx split at 20200 into 2A (Corse-du-Sud) and 2B (Haute-Corse), or its own 2A/2B when written
 * so; overseas 97x/98x on three digits. Used wherever figures are placed on a map-free table
 * (REPORTING to the funder, the statistics).
 */
export const departementSql = (postcode: string): string => `case
  when ${postcode} ~ '^2[AB]' then substr(${postcode}, 1, 2)
  when ${postcode} ~ '^20' then case when ${postcode} < '20200' then '2A' else '2B' end
  when ${postcode} ~ '^9[78]' then substr(${postcode}, 1, 3)
  else substr(${postcode}, 1, 2)
end`;
