// How a zod failure reads, for every surface: the dotted field path first, then what is allowed.
// REST (src/http/errors.ts), MCP (src/mcp/server.ts) and the commands' own parsing (src/crm/validate.ts)
// all word their errors through here, so the same bad input gets the same message everywhere.
import type { z } from 'zod';

/** The message of one issue; unknown keys are listed by name. */
export function zodIssueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  return issue.message;
}

/** "events.2: Invalid option: expected one of …" — the path first, so the field is named. */
export function describeZodError(error: z.ZodError): { message: string; field?: string } {
  const issue = error.issues[0];
  if (!issue) return { message: 'invalid input' };
  const field = issue.path.map(String).join('.');
  const message = zodIssueMessage(issue);
  const more = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more problem${error.issues.length > 2 ? 's' : ''})` : '';
  return field ? { message: `${field}: ${message}${more}`, field } : { message: `${message}${more}` };
}
