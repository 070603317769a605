import { createTransport } from 'nodemailer';
import { z } from 'zod';
import { DeliveryError, type Notification } from '../types';
import type { ChannelKind } from './types';

export const EmailConfig = z.strictObject({
  /** SMTP server. */
  host: z.string().min(1).max(253),
  port: z.number().int().min(1).max(65535).default(587),
  /** starttls: upgrade and refuse to send in clear; implicit: TLS from the first byte (port 465); none: clear text. */
  tls: z.enum(['starttls', 'implicit', 'none']).default('starttls'),
  /** Check the server's certificate (turn off only for a server with a self-signed certificate you trust). */
  rejectUnauthorized: z.boolean().default(true),
  user: z.string().min(1).max(200).optional(),
  password: z.string().min(1).max(500).optional(),
  from: z.email(),
  to: z.array(z.email()).min(1).max(50),
});
export type EmailConfig = z.infer<typeof EmailConfig>;

const escapeHtml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

export function emailBodies(n: Notification): { text: string; html: string } {
  const text = [
    n.text,
    '',
    ...n.fields.map((f) => `${f.label}: ${f.value}`),
    '',
    `Open in the console: ${n.links.console}`,
  ].join('\n');
  const rows = n.fields
    .map((f) => `<tr><th align="left">${escapeHtml(f.label)}</th><td>${escapeHtml(f.value)}</td></tr>`)
    .join('');
  const html =
    `<!doctype html><html><body style="font-family:sans-serif">` +
    `<h2>${escapeHtml(n.title)}</h2><p>${escapeHtml(n.text)}</p><table cellpadding="4">${rows}</table>` +
    `<p><a href="${escapeHtml(n.links.console)}">Open in the console</a></p></body></html>`;
  return { text, html };
}

/** SMTP codes 4xx and connection trouble pass; 5xx (bad recipient, refused auth) will not. */
function deliveryError(err: unknown, host: string): DeliveryError {
  const e = err as { responseCode?: number; code?: string; message?: string };
  const retryable = e.responseCode !== undefined ? e.responseCode < 500 : e.code !== 'EAUTH' && e.code !== 'EENVELOPE';
  return new DeliveryError(`SMTP ${host}: ${e.message ?? String(err)}`, retryable);
}

/** E-mail over SMTP (nodemailer), text and HTML. */
export const emailChannel: ChannelKind<EmailConfig> = {
  kind: 'email',
  config: EmailConfig,
  secretFields: ['password'],
  redact: (c) => ({ ...c, password: c.password ? '***' : null }),
  destination: (c) => `smtp://${c.host}:${c.port} → ${c.to.join(', ')}`,
  async send(c, n, options) {
    const transport = createTransport({
      host: c.host,
      port: c.port,
      secure: c.tls === 'implicit',
      requireTLS: c.tls === 'starttls',
      ignoreTLS: c.tls === 'none',
      tls: { rejectUnauthorized: c.rejectUnauthorized },
      auth: c.user ? { user: c.user, pass: c.password ?? '' } : undefined,
      connectionTimeout: options.timeoutMs,
      greetingTimeout: options.timeoutMs,
      socketTimeout: options.timeoutMs,
    });
    try {
      await transport.sendMail({
        from: c.from,
        to: c.to,
        subject: n.title,
        ...emailBodies(n),
        headers: { 'X-Mlops-Event': n.event, 'X-Mlops-Delivery': n.id },
      });
    } catch (err) {
      throw deliveryError(err, c.host);
    } finally {
      transport.close();
    }
  },
};
