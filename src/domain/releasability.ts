import { z } from 'zod';

/**
 * One label per record (architecture.md): PUBLIC, COALITION, MECHANISM, or REL TO a list of
 * ISO 3166-1 alpha-3 nations (who see it, plus the mechanism).
 */
export const RELEASABILITY_PATTERN = /^(PUBLIC|COALITION|MECHANISM|REL TO [A-Z]{3}(, ?[A-Z]{3})*)$/;

export const Releasability = z
  .string()
  .regex(RELEASABILITY_PATTERN, 'must be PUBLIC, COALITION, MECHANISM or "REL TO USA, UKR, ..." (ISO 3166-1 alpha-3)')
  .describe('Who may see the record: PUBLIC, COALITION, MECHANISM or "REL TO USA, UKR, FRA"');
export type Releasability = z.infer<typeof Releasability>;

/** Normalises "REL TO usa,ukr" spelling variants to one canonical form so equal labels compare equal. */
export function canonicalReleasability(label: string): string {
  const m = /^REL TO (.*)$/.exec(label.trim());
  if (!m) return label.trim();
  const nations = [...new Set(m[1]!.split(',').map((s) => s.trim().toUpperCase()).filter(Boolean))].sort();
  return `REL TO ${nations.join(', ')}`;
}
