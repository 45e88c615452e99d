// Typed calls for every route the UI uses, grouped by area. Field names follow the spec exactly.
import { api, request, type Query } from './client.js';
import type {
  ApiKey,
  CreatedApiKey,
  CustomColumn,
  Delivery,
  DeliveryDetail,
  DeliveryPage,
  EventName,
  ImportReport,
  Page,
  RecordData,
  RecordType,
  RecoverResult,
  RotateSecretResult,
  Session,
  User,
  FilterPreview,
  Webhook,
  WebhookBackfill,
  WebhookExplanation,
  WebhookFilter,
  WebhookInput,
  WebhookStats,
  WebhookUpdate,
  WebhookWithSecret,
  WebhookStatsWindow,
} from './types.js';

export const RECORD_PATHS: Record<RecordType, string> = {
  contact: 'contacts',
  organization: 'organizations',
  deal: 'deals',
  service: 'services',
  task: 'tasks',
};

export const auth = {
  signup: (input: { companyName: string; firstName: string; lastName: string; email: string; password: string }) =>
    api.post<Session>('/auth/signup', input),
  login: (input: { email: string; password: string }) => api.post<Session>('/auth/login', input),
  logout: () => api.post<void>('/auth/logout'),
  me: () => api.get<User>('/users/me'),
};

export const users = {
  list: () => api.get<{ items: User[] }>('/users'),
  create: (input: { email: string; firstName: string; lastName: string; role: User['role']; password: string }) => api.post<User>('/users', input),
  update: (id: string, input: Partial<{ role: User['role']; firstName: string; lastName: string }>) => api.patch<User>(`/users/${id}`, input),
  remove: (id: string) => api.delete(`/users/${id}`),
};

export const apiKeys = {
  list: () => api.get<{ items: ApiKey[] }>('/api-keys'),
  create: (name: string) => api.post<CreatedApiKey>('/api-keys', { name }),
  revoke: (id: string) => api.delete(`/api-keys/${id}`),
};

export const records = {
  list: (type: RecordType, query: { searchTerm?: string; page?: number; pageSize?: number }) =>
    api.get<Page<RecordData>>(`/${RECORD_PATHS[type]}`, query),
  get: (type: RecordType, id: string) => api.get<RecordData>(`/${RECORD_PATHS[type]}/${id}`),
  create: (type: RecordType, input: Record<string, unknown>) => api.post<RecordData>(`/${RECORD_PATHS[type]}`, input),
  update: (type: RecordType, id: string, input: Record<string, unknown>) => api.patch<RecordData>(`/${RECORD_PATHS[type]}/${id}`, input),
  remove: (type: RecordType, id: string) => api.delete(`/${RECORD_PATHS[type]}/${id}`),
};

export const customColumns = {
  list: (entityType?: RecordType) => api.get<{ items: CustomColumn[] }>('/custom-columns', { entityType }),
  update: (id: string, input: { name?: string; options?: { value?: string; label: string }[] }) => api.patch<CustomColumn>(`/custom-columns/${id}`, input),
  create: (input: { entityType: RecordType; name: string; type: CustomColumn['type']; options?: { label: string }[] }) =>
    api.post<CustomColumn>('/custom-columns', input),
  remove: (id: string) => api.delete(`/custom-columns/${id}`),
};

export const imports = {
  run: (entity: 'contact' | 'organization', csv: string, mapping: Record<string, string | null>, dryRun: boolean) =>
    request<ImportReport>('POST', `/import/${RECORD_PATHS[entity]}`, { body: { csv, mapping, dryRun } }),
};

export const webhooks = {
  list: () => api.get<{ items: Webhook[] }>('/webhooks'),
  get: (id: string) => api.get<Webhook>(`/webhooks/${id}`),
  create: (input: WebhookInput) => api.post<Webhook>('/webhooks', input),
  update: (id: string, input: WebhookUpdate) => api.patch<Webhook>(`/webhooks/${id}`, input),
  remove: (id: string) => api.delete(`/webhooks/${id}`),
  revealSecret: (id: string) => api.post<WebhookWithSecret>(`/webhooks/${id}/secret/reveal`),
  /** A new signing secret (generated when none is given); the previous one keeps signing webhook-signature for overlapHours. */
  rotateSecret: (id: string, input: { secret?: string; overlapHours?: number }) =>
    api.post<RotateSecretResult>(`/webhooks/${id}/secret/rotate`, input),
  /** Re-send the events of [since, until) whose deliveries to this webhook all failed; dryRun only counts them. */
  recover: (id: string, input: { since: string; until?: string; dryRun?: boolean }) =>
    api.post<RecoverResult>(`/webhooks/${id}/recover`, input),
  /** Send the current state of every matching record to this webhook (a job; poll backfill for its progress). */
  startBackfill: (id: string, input: { types?: RecordType[]; filter?: WebhookFilter | null } = {}) => api.post<WebhookBackfill>(`/webhooks/${id}/backfill`, input),
  backfill: (id: string, jobId: string) => api.get<WebhookBackfill>(`/webhooks/${id}/backfills/${jobId}`),
  cancelBackfill: (id: string, jobId: string) => request<WebhookBackfill>('DELETE', `/webhooks/${id}/backfills/${jobId}`),
  /** Queue a signed webhook.test to this webhook; poll deliveries.get for the outcome. */
  sendTest: (id: string) => api.post<Delivery>(`/webhooks/${id}/test`),
  /** Success, failure and p95 duration per bucket over the last 24 hours or 7 days. */
  stats: (id: string, window: WebhookStatsWindow) => api.get<WebhookStats>(`/webhooks/${id}/stats`, { window }),
  /** Which of the newest `limit` events of these names a draft filter matches. */
  previewFilter: (input: { events: EventName[]; filter: WebhookFilter; limit?: number }) => api.post<FilterPreview>('/webhooks/filter-preview', input),
  /** Why this webhook did or did not get a delivery for an event (or for the event of a delivery). */
  explain: (id: string, target: { eventId: string } | { deliveryId: string }) => api.post<WebhookExplanation>(`/webhooks/${id}/explain`, target),
};

export interface DeliveryQuery extends Query {
  searchTerm?: string;
  status?: string;
  event?: string;
  webhookId?: string;
  entityId?: string;
  /** ISO-8601: deliveries created at or after / before. */
  from?: string;
  to?: string;
  page?: number;
  pageSize?: number;
}

export const deliveries = {
  list: (query: DeliveryQuery) => api.get<DeliveryPage>('/webhook-deliveries', query),
  get: (id: string) => api.get<DeliveryDetail>(`/webhook-deliveries/${id}`),
  resend: (id: string) => api.post<Delivery>(`/webhook-deliveries/${id}/resend`),
};
