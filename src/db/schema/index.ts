// Drizzle table definitions, one file per area; the SQL in migrations/ is the source of truth.
export * from './auth.js';
export * from './events.js';
export * from './crm.js';
export * from './webhooks.js';
