// "Rotate secret…" on a webhook: a new signing secret (generated, or one the admin chose), with an overlap during
// which the previous secret still signs a second webhook-signature entry. The new secret is shown once, in this
// dialog; closing it forgets it (later only through Reveal on the edit form).
import { Alert, Button, Code, CopyButton, Group, Modal, NumberInput, PasswordInput, Stack, Text } from '@mantine/core';
import { useState } from 'react';
import { fieldError } from '../api/client.js';
import { webhooks } from '../api/endpoints.js';
import type { Webhook } from '../api/types.js';
import { ErrorAlert } from '../components/error-alert.js';
import { formatDateTime } from '../lib/format.js';

export function RotateSecretButton({ webhook, onRotated }: { webhook: Webhook; onRotated?: () => void }) {
  const [opened, setOpened] = useState(false);
  return (
    <>
      <Button size="xs" variant="default" onClick={() => setOpened(true)} aria-label={`Rotate the secret of ${webhook.url}`}>
        Rotate secret…
      </Button>
      <Modal opened={opened} onClose={() => setOpened(false)} title="Rotate signing secret" size="lg">
        {opened && <RotateForm webhook={webhook} onDone={() => setOpened(false)} onRotated={onRotated} />}
      </Modal>
    </>
  );
}

function RotateForm({ webhook, onDone, onRotated }: { webhook: Webhook; onDone: () => void; onRotated?: () => void }) {
  const [secret, setSecret] = useState('');
  const [overlapHours, setOverlapHours] = useState<number | string>(24);
  const [result, setResult] = useState<{ secret: string; previousSecretExpiresAt: string | null } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const rotate = async () => {
    setBusy(true);
    setError(null);
    try {
      const input: { secret?: string; overlapHours?: number } = { overlapHours: typeof overlapHours === 'number' ? overlapHours : Number(overlapHours) };
      if (secret) input.secret = secret;
      setResult(await webhooks.rotateSecret(webhook.id, input));
      setSecret('');
      onRotated?.();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  if (result) {
    return (
      <Stack>
        <Alert color="green" variant="light" title="Secret rotated" role="status">
          Deliveries are signed with the new secret from now on.{' '}
          {result.previousSecretExpiresAt
            ? `Until ${formatDateTime(result.previousSecretExpiresAt)} webhook-signature also carries a signature made with the previous secret.`
            : 'The previous secret no longer signs anything.'}
        </Alert>
        <Text size="sm">Copy the new secret now: it is shown only once here.</Text>
        <Group gap="xs" wrap="nowrap">
          <Code data-testid="rotated-secret" style={{ overflowWrap: 'anywhere', flex: 1 }}>
            {result.secret}
          </Code>
          <CopyButton value={result.secret}>
            {({ copied, copy }) => (
              <Button size="xs" variant="default" color={copied ? 'teal' : undefined} onClick={copy}>
                {copied ? 'Copied' : 'Copy'}
              </Button>
            )}
          </CopyButton>
        </Group>
        <Group justify="flex-end">
          <Button onClick={onDone}>Done</Button>
        </Group>
      </Stack>
    );
  }

  return (
    <Stack>
      <Text size="sm">
        Receivers that verify <b>webhook-signature</b> (Standard Webhooks) can switch to the new secret at any time during the overlap. Receivers that verify{' '}
        <b>X-Webhook-Signature</b> must accept both secrets first: enter the new secret below, configure it on the receiver beside the old one, rotate, then drop the
        old one.
      </Text>
      <PasswordInput
        label="New secret"
        description="Leave empty to generate a random one."
        value={secret}
        onChange={(e) => setSecret(e.currentTarget.value)}
        error={fieldError(error, 'secret')}
        styles={{ input: { fontFamily: 'monospace' } }}
      />
      <NumberInput
        label="Overlap (hours)"
        description="How long the previous secret keeps signing webhook-signature: 0–168. Rotating again ends an earlier overlap."
        min={0}
        max={168}
        allowDecimal={false}
        value={overlapHours}
        onChange={setOverlapHours}
        error={fieldError(error, 'overlapHours')}
      />
      <ErrorAlert error={error} shownFields={['secret', 'overlapHours']} title="Not rotated" />
      <Group justify="flex-end">
        <Button variant="default" onClick={onDone}>
          Cancel
        </Button>
        <Button color="orange" onClick={() => void rotate()} loading={busy}>
          Rotate secret
        </Button>
      </Group>
    </Stack>
  );
}
