// The signing secret. A new secret is generated here and shown while the form is open; once saved it is never
// listed again, and an existing secret is only fetched through an explicit "Reveal" (an audited server call).
import { Button, CopyButton, Group, PasswordInput, Stack, Text } from '@mantine/core';
import { useState } from 'react';
import { messageOf } from '../api/client.js';
import { webhooks } from '../api/endpoints.js';
import { randomSecret } from '../lib/format.js';

interface SecretFieldProps {
  webhookId: string | null;
  hasSecret: boolean;
  /** undefined: keep the stored secret; null: remove it; a string: set it. */
  value: string | null | undefined;
  onChange: (value: string | null | undefined) => void;
  error?: string;
}

export function SecretField({ webhookId, hasSecret, value, onChange, error }: SecretFieldProps) {
  const [visible, setVisible] = useState(false);
  const [revealError, setRevealError] = useState<string | null>(null);
  const [revealing, setRevealing] = useState(false);
  const [revealed, setRevealed] = useState<string | null>(null);
  const keeping = value === undefined && hasSecret;
  const shown = value ?? revealed ?? '';

  const reveal = async () => {
    if (!webhookId) return;
    setRevealing(true);
    setRevealError(null);
    try {
      const { secret } = await webhooks.revealSecret(webhookId);
      setRevealed(secret ?? '');
      setVisible(true);
    } catch (caught) {
      setRevealError(messageOf(caught));
    } finally {
      setRevealing(false);
    }
  };

  return (
    <Stack gap={4}>
      <PasswordInput
        label="Signing secret"
        description={
          keeping && revealed === null
            ? 'A secret is set. It is hidden; reveal it or generate a new one.'
            : 'Receivers verify X-Webhook-Signature (HMAC-SHA256 of the body) with this secret.'
        }
        placeholder={keeping ? '••••••••••••••••' : 'No secret (requests are not signed)'}
        value={shown}
        readOnly={keeping}
        visible={visible}
        onVisibilityChange={setVisible}
        onChange={(e) => onChange(e.currentTarget.value || (hasSecret ? null : undefined))}
        error={error ?? revealError ?? undefined}
        styles={{ input: { fontFamily: 'monospace' } }}
      />
      <Group gap="xs">
        <Button
          size="xs"
          variant="light"
          onClick={() => {
            onChange(randomSecret());
            setVisible(true);
          }}
        >
          Generate
        </Button>
        {keeping && revealed === null && (
          <Button size="xs" variant="default" loading={revealing} onClick={reveal}>
            Reveal
          </Button>
        )}
        {shown && (
          <CopyButton value={shown}>
            {({ copied, copy }) => (
              <Button size="xs" variant="default" color={copied ? 'teal' : undefined} onClick={copy}>
                {copied ? 'Copied' : 'Copy'}
              </Button>
            )}
          </CopyButton>
        )}
        {(hasSecret || value) && value !== null && (
          <Button size="xs" variant="subtle" color="red" onClick={() => onChange(hasSecret ? null : undefined)}>
            Remove secret
          </Button>
        )}
      </Group>
      {value && (
        <Text size="xs" c="orange">
          Copy the new secret now: after saving it is shown only through Reveal.
        </Text>
      )}
      {value === null && (
        <Text size="xs" c="orange">
          The secret will be removed when you save; requests will no longer be signed.
        </Text>
      )}
    </Stack>
  );
}
