// Dates in the moment.js format tokens users put in tags, as metadata-action
// formats them with moment-timezone.

// Moment's format letters: a run of one of them that is not supported below is
// refused rather than printed as is.
const MOMENT_LETTERS = 'MDdeEwWYygGQHhkmsSaAZXxNo';

/**
 * moment's `format()` without a format, which is what metadata-action renders
 * when the format is not a quoted string (`{{commit_date YYYY-MM-DD}}`:
 * Handlebars reads the bare word as a variable, which is undefined).
 */
export const MOMENT_DEFAULT_FORMAT = 'YYYY-MM-DD[T]HH:mm:ssZ';

/**
 * A date in the moment.js format tokens (YYYY YY MM M DD D HH H hh h mm m ss
 * s SSS A a Z, `[literal]`), in an IANA time zone. Hand-written:
 * moment-timezone is not a dependency and is in maintenance mode; Intl does
 * the time-zone arithmetic. Throws a message for an unknown zone or token.
 */
export function formatDate(date: Date, format: string, timeZone: string): string {
  let fields: Record<string, string>;
  try {
    const formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      timeZoneName: 'longOffset',
    });
    fields = Object.fromEntries(formatter.formatToParts(date).map((part) => [part.type, part.value]));
  } catch {
    throw new Error(`an unknown time zone tz='${timeZone}'`);
  }
  const hour = Number(fields.hour);
  // `GMT+09:00`, or `GMT` for UTC itself; moment prints UTC as `Z` in its default format, `+00:00` with a Z token.
  const offset = (fields.timeZoneName ?? 'GMT').replace(/^GMT/, '') || '+00:00';
  const tokens: Record<string, string> = {
    YYYY: (fields.year ?? '').padStart(4, '0'),
    YY: (fields.year ?? '').slice(-2),
    MM: fields.month ?? '',
    M: String(Number(fields.month)),
    DD: fields.day ?? '',
    D: String(Number(fields.day)),
    HH: fields.hour ?? '',
    H: String(hour),
    hh: String(hour % 12 || 12).padStart(2, '0'),
    h: String(hour % 12 || 12),
    mm: fields.minute ?? '',
    m: String(Number(fields.minute)),
    ss: fields.second ?? '',
    s: String(Number(fields.second)),
    SSS: String(date.getUTCMilliseconds()).padStart(3, '0'),
    A: hour < 12 ? 'AM' : 'PM',
    a: hour < 12 ? 'am' : 'pm',
    Z: offset,
    ZZ: offset.replace(':', ''),
  };
  if (format === MOMENT_DEFAULT_FORMAT && offset === '+00:00') tokens.Z = 'Z';
  return format.replace(
    /\[([^\]]*)\]|([A-Za-z])\2*/g,
    (run, literal: string | undefined, letter: string | undefined) => {
      if (literal !== undefined) return literal;
      const value = tokens[run];
      if (value !== undefined) return value;
      if (letter && MOMENT_LETTERS.includes(letter)) throw new Error(`an unsupported date token '${run}'`);
      return run;
    },
  );
}
