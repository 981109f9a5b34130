// Which push failures are worth another attempt. The Docker CLI and buildx
// report a registry's answer only as text, so the text is what we classify.
// Auth and manifest errors are never retried: another attempt cannot fix them
// and would only delay the real error (or lock an account).

const PERMANENT = [
  /unauthorized/i,
  /authentication required/i,
  /no basic auth credentials/i,
  /denied/i,
  /forbidden/i,
  /\b40[13]\b/,
  /manifest (invalid|unknown)/i,
  /MANIFEST_INVALID|NAME_INVALID|TAG_INVALID|BLOB_UNKNOWN/,
  /name unknown|repository .* not found/i,
  /tag invalid|immutable/i,
];

const TRANSIENT = [
  /\b5\d\d\b/, // 500 Internal Server Error, 502, 503, 504
  /\b429\b|toomanyrequests|too many requests/i,
  /connection reset|connection refused|broken pipe/i,
  /: EOF\b|unexpected EOF/,
  /i\/o timeout|timeout exceeded|TLS handshake timeout|context deadline exceeded|request canceled/i,
  /service unavailable|bad gateway|gateway timeout|internal server error/i,
];

/** Whether a failed push (its error output) is a transient fault: 5xx, 429, a reset or a timeout. */
export function isTransientPushError(text: string): boolean {
  if (PERMANENT.some((pattern) => pattern.test(text))) return false;
  return TRANSIENT.some((pattern) => pattern.test(text));
}
