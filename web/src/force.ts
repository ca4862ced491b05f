import { useEffect, useState } from 'react';
import type { FeatureCollection, Point } from 'geojson';
// Wire types from the server's domain modules (type-only: nothing of them is bundled).
import type { Commitment, CommitmentDocument, Fate } from '../../src/domain/commitments';
import type { Capability, GenerationRow, LeadNation, Pledge, PledgeStatus, Unit } from '../../src/domain/force';
import type { UnitFeatureProps } from '../../src/services/force.service';
import { request } from './api';

export type { Capability, GenerationRow, PledgeStatus };

type Meta = { version: number; updatedAt: string; updatedBy: string };
export type PledgeView = Pledge & Meta;
export type UnitView = Unit & Meta;
export type DocumentView = CommitmentDocument & Meta;
export type LeadNationView = LeadNation & Meta;
export type Wording = { versionId: string; text: string } | null;
export type CommitmentView = Commitment &
  Meta & {
    fate: Fate;
    draft: Wording;
    final: Wording;
    documentTitle: string | null;
    delivery: { committedTroops: number; deliveredTroops: number; pledges: { id: string; status: PledgeStatus; troops: number; capability: Capability }[]; missingPledgeIds: string[] };
  };

export interface Generation {
  byCapability: GenerationRow[];
  byNation: GenerationRow[];
  total: GenerationRow;
  capabilities: { id: Capability; label: string; unit: string }[];
}

export interface NationRecord {
  nation: string;
  committedTroops: number;
  deliveredTroops: number;
  pledgedTroops: number;
  deployedTroops: number;
  commitments: CommitmentView[];
  pledges: PledgeView[];
  units: UnitView[];
}

/** A unit on the map, as GET /api/force/map answers it (the server's type; nothing of it is bundled). */
export type UnitProps = UnitFeatureProps;
export type UnitCollection = FeatureCollection<Point, UnitProps>;

export const STATUS_LABELS: Record<PledgeStatus, string> = {
  pledged: 'Pledged',
  approved_by_parliament: 'Approved by parliament',
  deploying: 'Deploying',
  deployed: 'Deployed',
  withdrawn: 'Withdrawn',
};
export const FATE_LABELS: Record<Fate, string> = { kept: 'Kept', reworded: 'Reworded', dropped: 'Dropped', added: 'Added in the final', final: 'In the final text', draft_only: 'Draft only' };

export const getGeneration = () => request<Generation>('/api/force/generation');
export const getNation = (nation: string) => request<NationRecord>(`/api/force/nations/${encodeURIComponent(nation)}`);
export const getCommitments = () => request<CommitmentView[]>('/api/force/commitments');
export const getDeployments = () => request<({ id: string; unitId: string; place: string; check: { flagged: boolean; reasons: string[]; distanceToLineM: number | null } } & Meta)[]>('/api/force/deployments');
export const getUnits = () => request<UnitView[]>('/api/force/units');
export const getLeadNations = () => request<LeadNationView[]>('/api/force/lead-nations');
export const getDocuments = () => request<DocumentView[]>('/api/force/documents');

const REFRESH_MS = 60_000;

/**
 * The force's units where they are now, for the map; null for the public (the register is not
 * public) or until the first answer. `viewer` changes on login and logout, which reloads.
 */
export function useForceUnits(viewer: string): UnitCollection | null {
  const [units, setUnits] = useState<UnitCollection | null>(null);
  useEffect(() => {
    if (viewer === '' || viewer === 'public') {
      setUnits(null);
      return;
    }
    let live = true;
    const load = () =>
      request<UnitCollection>('/api/force/map').then(
        (u) => live && setUnits(u),
        () => live && setUnits(null),
      );
    void load();
    const timer = setInterval(() => void load(), REFRESH_MS);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [viewer]);
  return units;
}

export const km = (m: number | null) => (m === null ? '–' : `${(m / 1000).toFixed(1)} km`);
export const n = (v: number) => v.toLocaleString('en-GB');
