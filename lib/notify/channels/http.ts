import { z } from 'zod';
import { DeliveryError } from '../types';

export function httpUrl(what: string) {
  return z
    .string()
    .max(2000)
    .refine((v) => {
      try {
        const url = new URL(v);
        return (url.protocol === 'https:' || url.protocol === 'http:') && !url.username && !url.password;
      } catch {
        return false;
      }
    }, `${what} must be an http(s) URL without user:password@`);
}

/** Where a URL goes, without its path or query (which can be the secret, as in Slack's incoming webhooks). */
export function originOf(url: string): string {
  return new URL(url).origin;
}

/** A URL as the API shows it: the origin, and *** for a path or query that may carry a token. */
export function maskedUrl(url: string): string {
  const parsed = new URL(url);
  return parsed.pathname === '/' && !parsed.search ? parsed.origin : `${parsed.origin}/***`;
}

/**
 * POSTs a JSON body. Redirects are not followed (the admin's URL is the allow-list, a redirect could leave it).
 * Network errors, timeouts, 408, 429 and 5xx are worth retrying; any other answer is not.
 */
export async function postJson(
  url: string,
  body: string,
  options: { headers?: Record<string, string>; timeoutMs: number },
): Promise<void> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      body,
      redirect: 'manual',
      headers: { 'content-type': 'application/json', 'user-agent': 'mlops-pipelines-notify/1', ...options.headers },
      signal: AbortSignal.timeout(options.timeoutMs),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message ?? (err as Error).message;
    throw new DeliveryError(`POST to ${originOf(url)} failed: ${why}`, true);
  }
  if (res.ok) {
    await res.body?.cancel();
    return;
  }
  const text = (await res.text().catch(() => '')).replace(/\s+/g, ' ').trim().slice(0, 200);
  const retryable = res.status >= 500 || res.status === 429 || res.status === 408;
  const redirect = res.status >= 300 && res.status < 400 ? ' (redirects are not followed: set the final URL)' : '';
  throw new DeliveryError(`${originOf(url)} answered ${res.status}${redirect}${text ? `: ${text}` : ''}`, retryable);
}
