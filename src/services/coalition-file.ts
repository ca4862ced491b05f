import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { COALITION_PRESET } from '../domain/coalition';
import { Nation, type CoalitionConfig } from '../domain/identity';

const CoalitionFile = z
  .object({
    members: z.array(Nation).min(1).describe('Coalition nations (ISO 3166-1 alpha-3)'),
    guarantors: z.array(Nation).min(1).describe('Nations whose officers must acknowledge guarantee alerts'),
  })
  .refine((c) => c.guarantors.every((g) => c.members.includes(g)), { message: 'every guarantor must be a member', path: ['guarantors'] });

/** The coalition in force: the preset, or the operator's file (members and guarantors change by decision, not by release). */
export function loadCoalition(path: string | undefined): CoalitionConfig {
  if (!path) return COALITION_PRESET;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`coalition file ${path}: ${(e as Error).message}`);
  }
  const parsed = CoalitionFile.safeParse(json);
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    throw new Error(`coalition file ${path}: ${i.path.join('.') || '(root)'} ${i.message}`);
  }
  return parsed.data;
}
