import { v7 as uuidv7 } from 'uuid';
import { NotFoundError } from '../domain/errors';
import type { Actor, Visibility } from '../domain/identity';
import { canonicalReleasability } from '../domain/releasability';
import type { Observation } from '../domain/observation';
import type { Store } from '../store/repository';
import { actorLabel } from './auth';

/**
 * Changes who may see an observation, with the reason, in the audit log (old and new label).
 * The reader must see the record to relabel it: an unreleased one is "not found".
 */
export async function relabelObservation(store: Store, by: Actor, visibility: Visibility, id: string, label: string, reason: string): Promise<Observation> {
  const before = await store.observations.get(id, visibility);
  if (!before) throw new NotFoundError('observation', id);
  const releasability = canonicalReleasability(label);
  if (before.releasability === releasability) return before;
  const after = await store.observations.relabel(id, releasability, visibility);
  if (!after) throw new NotFoundError('observation', id);
  await store.audit.append({
    id: uuidv7(),
    at: new Date().toISOString(),
    actor: actorLabel(by),
    action: 'observation.relabel',
    entity: 'observation',
    entityId: id,
    detail: { from: before.releasability, to: releasability, reason },
  });
  return after;
}
