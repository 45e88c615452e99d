// Catches a page that fails to render or to load. The usual cause is a new release: the page's code chunk of
// the old build no longer exists on the server, so the fix offered is a reload.
import { Alert, Button, Stack, Text } from '@mantine/core';
import { Component, type ReactNode } from 'react';

interface State {
  error: Error | null;
}

export class PageErrorBoundary extends Component<{ children: ReactNode; resetKey: string }, State> {
  override state: State = { error: null };

  static getDerivedStateFromError(error: Error): State {
    return { error };
  }

  override componentDidUpdate(previous: { resetKey: string }) {
    if (previous.resetKey !== this.props.resetKey && this.state.error) this.setState({ error: null });
  }

  override render() {
    if (!this.state.error) return this.props.children;
    const stale = /dynamically imported module|Importing a module script failed|Failed to fetch/i.test(this.state.error.message);
    return (
      <Alert color="red" title={stale ? 'Switchboard was updated' : 'This page failed'} role="alert">
        <Stack gap="xs" align="flex-start">
          <Text size="sm">{stale ? 'Reload to get the new version.' : this.state.error.message}</Text>
          <Button size="xs" onClick={() => window.location.reload()}>
            Reload
          </Button>
        </Stack>
      </Alert>
    );
  }
}
