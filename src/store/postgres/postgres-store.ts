import type { Store } from '../repository';

export async function openPostgresStore(_url: string): Promise<Store> {
  throw new Error('PostgreSQL store: being written (issue 3)');
}
