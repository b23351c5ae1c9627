// Store and NATS URLs carry passwords (`postgres://user:password@host/db`, `?password=…`); an
// error message or log line that repeats such a URL must not repeat its secret (STYLE 12, X5).

/**
 * redactUrlCredentials is `text`, a URL that is about to appear in a message, without anything
 * that may be a secret: a URL with a scheme is cut after it (`postgres://…`); a text without one
 * (a mistyped scheme, `postgres:/user:password@host`) loses everything up to its last "@" and
 * its query string.
 */
export function redactUrlCredentials(text: string): string {
  const schemeEnd = text.indexOf("://");
  if (schemeEnd !== -1) return `${text.slice(0, schemeEnd)}://…`;
  const at = text.lastIndexOf("@");
  const host = at === -1 ? text : `…${text.slice(at)}`;
  return host.replace(/\?.*$/su, "?…");
}
