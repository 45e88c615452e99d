// Routes. Pages are loaded on demand so the first paint only needs the shell and the sign-in form.
import { lazy, Suspense, useEffect, type ComponentType, type LazyExoticComponent } from 'react';
import type { RecordType } from './api/types.js';
import { AuthPage } from './auth/auth-page.js';
import { useSession } from './auth/session.js';
import { PageErrorBoundary } from './components/error-boundary.js';
import { PageLoader } from './components/states.js';
import { matchPath, navigate, useLocation } from './lib/router.js';
import { AppLayout } from './shell/app-layout.js';

const RecordListPage = lazy(() => import('./records/record-list-page.js').then((m) => ({ default: m.RecordListPage })));
const RecordEditPage = lazy(() => import('./records/record-edit-page.js').then((m) => ({ default: m.RecordEditPage })));
const WebhooksPage = lazy(() => import('./webhooks/webhooks-page.js').then((m) => ({ default: m.WebhooksPage })));
const DeliveriesPage = lazy(() => import('./deliveries/deliveries-page.js').then((m) => ({ default: m.DeliveriesPage })));
const ApiKeysPage = lazy(() => import('./company/api-keys-page.js').then((m) => ({ default: m.ApiKeysPage })));
const UsersPage = lazy(() => import('./company/users-page.js').then((m) => ({ default: m.UsersPage })));
const CustomFieldsPage = lazy(() => import('./company/custom-fields-page.js').then((m) => ({ default: m.CustomFieldsPage })));
const ImportPage = lazy(() => import('./company/import-page.js').then((m) => ({ default: m.ImportPage })));

const RECORD_ROUTES: Record<string, RecordType> = {
  contacts: 'contact',
  organizations: 'organization',
  deals: 'deal',
  services: 'service',
  tasks: 'task',
};

const COMPANY_ROUTES: Record<string, LazyExoticComponent<ComponentType>> = {
  webhooks: WebhooksPage,
  deliveries: DeliveriesPage,
  'api-keys': ApiKeysPage,
  users: UsersPage,
  'custom-fields': CustomFieldsPage,
  import: ImportPage,
};

function Redirect({ to }: { to: string }) {
  useEffect(() => navigate(to, { replace: true }), [to]);
  return null;
}

function SignedInRoutes({ path }: { path: string }) {
  const list = matchPath('/:records', path);
  if (list && RECORD_ROUTES[list.records!]) {
    const type = RECORD_ROUTES[list.records!]!;
    return <RecordListPage key={type} type={type} />;
  }
  const edit = matchPath('/:records/:id', path);
  if (edit && RECORD_ROUTES[edit.records!]) {
    const type = RECORD_ROUTES[edit.records!]!;
    return <RecordEditPage key={`${type}/${edit.id}`} type={type} id={edit.id === 'new' ? null : edit.id!} />;
  }
  const company = matchPath('/company/:page', path);
  const Page = company ? COMPANY_ROUTES[company.page!] : undefined;
  if (Page) return <Page />;
  return <Redirect to="/contacts" />;
}

export function App() {
  const { user, loading } = useSession();
  const { path } = useLocation();
  if (loading) return <PageLoader />;
  if (!user) {
    if (path === '/signup') return <AuthPage mode="signup" />;
    if (path === '/login') return <AuthPage mode="login" />;
    return <Redirect to="/login" />;
  }
  if (path === '/login' || path === '/signup') return <Redirect to="/contacts" />;
  return (
    <AppLayout>
      <PageErrorBoundary resetKey={path}>
        <Suspense fallback={<PageLoader />}>
          <SignedInRoutes path={path} />
        </Suspense>
      </PageErrorBoundary>
    </AppLayout>
  );
}
