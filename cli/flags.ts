import { CliApiError } from './client';

/**
 * Runs an API call and, when the API refuses the request body, names the command's flags instead of the body fields
 * they fill (`body.interval` → `--every`), so the message says what to type.
 */
export async function withFlagNames<T>(flags: Record<string, string>, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (!(err instanceof CliApiError)) throw err;
    const rename = (text: string) =>
      text.replace(/\bbody\.([A-Za-z]+)\b/g, (found, field: string) => flags[field] ?? found);
    const issues = (err.details.issues as Array<{ path: string; message: string }> | undefined) ?? [];
    throw new CliApiError(err.status, err.code, rename(err.message), {
      ...err.details,
      ...(issues.length ? { issues: issues.map((i) => ({ path: rename(i.path), message: rename(i.message) })) } : {}),
    });
  }
}

/** The API's message without the list of issues it repeats (the CLI prints them one per line). */
export function messageWithoutIssues(message: string, issues: Array<{ path: string; message: string }>): string {
  const listed = issues.map((i) => `${i.path}: ${i.message}`).join('; ');
  if (!listed || !message.includes(listed)) return message;
  return message.replace(listed, '').replace(/[\s:;,.]+$/, '');
}
