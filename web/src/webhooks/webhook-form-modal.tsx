// New / Edit webhook. The URL's server-side checks (https only, no private hosts) come back as the URL field's
// error, word for word.
import { Button, Group, Modal, NativeSelect, Stack, Switch, TextInput, Textarea } from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { useState, type FormEvent } from 'react';
import { fieldError, messageOf } from '../api/client.js';
import { webhooks } from '../api/endpoints.js';
import type { EventName, RetryPolicy, Webhook, WebhookInput, WebhookFilter, WebhookOrdering } from '../api/types.js';
import { ErrorAlert } from '../components/error-alert.js';
import { EventsPicker } from './events-picker.js';
import { CustomHeadersField } from './custom-headers-field.js';
import { FilterBuilder } from './filter-builder.js';
import { SecretField } from './secret-field.js';

interface WebhookFormModalProps {
  webhook: Webhook | null;
  opened: boolean;
  onClose: () => void;
  onSaved: (webhook: Webhook) => void;
}

export function WebhookFormModal({ webhook, opened, onClose, onSaved }: WebhookFormModalProps) {
  const narrow = useMediaQuery('(max-width: 36em)');
  return (
    <Modal opened={opened} onClose={onClose} title={webhook ? 'Edit webhook' : 'New webhook'} size="lg" fullScreen={narrow}>
      {opened && <WebhookForm webhook={webhook} onClose={onClose} onSaved={onSaved} />}
    </Modal>
  );
}

function WebhookForm({ webhook, onClose, onSaved }: Omit<WebhookFormModalProps, 'opened'>) {
  const [url, setUrl] = useState(webhook?.url ?? '');
  const [description, setDescription] = useState(webhook?.description ?? '');
  const [events, setEvents] = useState<EventName[]>(webhook?.events ?? []);
  const [enabled, setEnabled] = useState(webhook?.enabled ?? true);
  const [retryPolicy, setRetryPolicy] = useState<RetryPolicy>(webhook?.retryPolicy ?? 'none');
  const [ordering, setOrdering] = useState<WebhookOrdering>(webhook?.ordering ?? 'none');
  const [secret, setSecret] = useState<string | null | undefined>(undefined);
  const [headers, setHeaders] = useState<Record<string, string> | null | undefined>(undefined);
  const [filter, setFilter] = useState<WebhookFilter | null | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    const input: WebhookInput = { url: url.trim(), description: description.trim() || null, events, enabled, retryPolicy, ordering };
    if (secret !== undefined) input.secret = secret;
    if (headers !== undefined) input.headers = headers;
    if (filter !== undefined) input.filter = filter;
    try {
      const saved = webhook ? await webhooks.update(webhook.id, input) : await webhooks.create(input);
      notifications.show({ color: 'green', message: webhook ? 'Webhook saved' : 'Webhook created' });
      onSaved(saved);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} noValidate aria-label="Webhook form">
      <Stack>
        <TextInput
          label="URL"
          placeholder="https://example.com/webhooks/switchboard"
          description="HTTPS only. Private, loopback and link-local addresses are refused."
          required
          data-autofocus
          value={url}
          onChange={(e) => {
            setUrl(e.currentTarget.value);
            if (fieldError(error, 'url')) setError(null);
          }}
          error={fieldError(error, 'url')}
        />
        <Textarea label="Description" autosize minRows={1} maxLength={500} value={description} onChange={(e) => setDescription(e.currentTarget.value)} error={fieldError(error, 'description')} />
        <EventsPicker value={events} onChange={setEvents} error={fieldError(error, 'events')} />
        <SecretField webhookId={webhook?.id ?? null} hasSecret={webhook?.hasSecret ?? false} value={secret} onChange={setSecret} error={fieldError(error, 'secret')} />
        <FilterBuilder events={events} value={filter === undefined ? (webhook?.filter ?? null) : filter} onChange={setFilter} error={fieldError(error, 'filter') ? messageOf(error) : undefined} />
        <CustomHeadersField storedNames={webhook?.headerNames ?? []} onChange={setHeaders} error={fieldError(error, 'headers') ? messageOf(error) : undefined} />
        <NativeSelect
          label="Retries"
          description="Automatic retries attempt a failed delivery again when it can succeed later (timeouts, connection errors, 408, 425, 429, 5xx), on a schedule from seconds to hours."
          data={[
            { value: 'none', label: 'None: each delivery is attempted once' },
            { value: 'exponential', label: 'Exponential: retry failures that can succeed later' },
          ]}
          value={retryPolicy}
          onChange={(e) => setRetryPolicy(e.currentTarget.value as RetryPolicy)}
          error={fieldError(error, 'retryPolicy')}
        />
        <NativeSelect
          label="Ordering"
          description="Per record: one record's deliveries are sent one at a time, oldest version first; a failing one holds back only that record's later ones until it succeeds or fails for good."
          data={[
            { value: 'none', label: 'None: deliveries are independent' },
            { value: 'per-record', label: 'Per record: in record-version order' },
          ]}
          value={ordering}
          onChange={(e) => setOrdering(e.currentTarget.value as WebhookOrdering)}
          error={fieldError(error, 'ordering')}
        />
        <Switch label="Enabled" description="A disabled webhook gets no new deliveries" checked={enabled} onChange={(e) => setEnabled(e.currentTarget.checked)} />
        <ErrorAlert error={error} shownFields={['url', 'description', 'events', 'secret', 'retryPolicy', 'ordering', 'headers', 'filter']} title="Not saved" />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button type="submit" loading={busy}>
            {webhook ? 'Save' : 'Create webhook'}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
