// A server error shown where it belongs: a red box with the server's message. Errors about a field that the
// form shows under its input (`shownFields`) are left to that input.
import { Alert } from '@mantine/core';
import { ApiError, messageOf } from '../api/client.js';

export function ErrorAlert({ error, shownFields = [], title }: { error: unknown; shownFields?: string[]; title?: string }) {
  if (!error) return null;
  if (error instanceof ApiError && error.field) {
    const field = error.field;
    if (shownFields.some((shown) => field === shown || field.startsWith(`${shown}.`))) return null;
  }
  return (
    <Alert color="red" variant="light" title={title ?? 'Something went wrong'} role="alert">
      {messageOf(error)}
    </Alert>
  );
}
