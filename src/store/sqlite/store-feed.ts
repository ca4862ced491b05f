import type { ChangeEvent } from '../repository';

/** What a SQLite store needs of the in-process change feed (constructed in openSqliteStore). */
export interface SqliteStoreFeed {
  /** Inside the writing transaction: the change is recorded if and only if it commits. */
  record(entity: ChangeEvent['entity'], op: ChangeEvent['op'], id: string, at: string): ChangeEvent;
  /** After the commit. */
  emit(events: ChangeEvent[]): void;
}
