// Sign in and sign up: the two forms a visitor sees before the app.
import { Anchor, Button, Center, Paper, PasswordInput, Stack, Text, TextInput, Title } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { fieldError } from '../api/client.js';
import { auth } from '../api/endpoints.js';
import { ErrorAlert } from '../components/error-alert.js';
import { Link, navigate } from '../lib/router.js';
import { useSession } from './session.js';

export function AuthPage({ mode }: { mode: 'login' | 'signup' }) {
  const { signedIn } = useSession();
  const [form, setForm] = useState({ companyName: '', firstName: '', lastName: '', email: '', password: '' });
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const set = (key: keyof typeof form) => (event: { currentTarget: { value: string } }) => setForm({ ...form, [key]: event.currentTarget.value });

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const result = mode === 'signup' ? await auth.signup(form) : await auth.login({ email: form.email, password: form.password });
      signedIn(result.user);
      navigate('/contacts', { replace: true });
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  const signup = mode === 'signup';
  return (
    <Center mih="100vh" p="md">
      <Paper withBorder shadow="sm" p="xl" radius="md" w="100%" maw={420}>
        <form onSubmit={submit} noValidate>
          <Stack>
            <Title order={2}>{signup ? 'Create your company' : 'Sign in to Switchboard'}</Title>
            {signup && <TextInput label="Company name" required value={form.companyName} onChange={set('companyName')} error={fieldError(error, 'companyName')} />}
            {signup && <TextInput label="First name" required value={form.firstName} onChange={set('firstName')} error={fieldError(error, 'firstName')} />}
            {signup && <TextInput label="Last name" required value={form.lastName} onChange={set('lastName')} error={fieldError(error, 'lastName')} />}
            <TextInput label="Email" type="email" autoComplete="email" required value={form.email} onChange={set('email')} error={fieldError(error, 'email')} />
            <PasswordInput
              label="Password"
              autoComplete={signup ? 'new-password' : 'current-password'}
              description={signup ? 'At least 10 characters' : undefined}
              required
              value={form.password}
              onChange={set('password')}
              error={fieldError(error, 'password')}
            />
            <ErrorAlert error={error} shownFields={signup ? ['companyName', 'firstName', 'lastName', 'email', 'password'] : ['email', 'password']} />
            <Button type="submit" loading={busy}>
              {signup ? 'Sign up' : 'Sign in'}
            </Button>
            <Text size="sm" ta="center">
              {signup ? 'Already have an account? ' : 'New to Switchboard? '}
              <Anchor component={Link} to={signup ? '/login' : '/signup'}>
                {signup ? 'Sign in' : 'Sign up'}
              </Anchor>
            </Text>
          </Stack>
        </form>
      </Paper>
    </Center>
  );
}
