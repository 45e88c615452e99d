// Parsing command input: zod failures become one validation error naming the field as a dotted path,
// prefixed for bulk items (`items.3.emails.0`, or `contacts.3.…` when a surface names its list that way).
import type { z } from 'zod';
import { AppError } from '../errors.js';
import { zodIssueMessage } from '../validation.js';

export function fieldPath(prefix: string | undefined, field: string): string {
  return prefix ? (field ? `${prefix}.${field}` : prefix) : field;
}

export function parseInput<T extends z.ZodType>(schema: T, value: unknown, prefix?: string): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const message = zodIssueMessage(issue);
  const path = fieldPath(prefix, issue.path.map(String).join('.'));
  throw new AppError('validation_error', path ? `${path}: ${message}` : message, path || undefined);
}
