// The limits of one CSV import, shared by the server (enforced while reading) and the web UI (checked before
// uploading). Documented in docs/operations.md ("Bounds of a write").

/** Data rows per import: all of them are written in one transaction (bench: `npm run bench -- import`). */
export const IMPORT_MAX_ROWS = 20_000;
/** Columns per row: the own fields plus up to 200 custom values a record takes, with room for skipped columns. */
export const IMPORT_MAX_COLUMNS = 250;
/** The CSV text, in UTF-8 bytes (the request itself may be 10 MiB, JSON escaping included). */
export const IMPORT_MAX_CSV_BYTES = 8 * 1024 * 1024;
