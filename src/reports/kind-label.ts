/** "Explosion (impact)", "Access restriction": the kind as a reader says it. */
export function kindLabel(o: { kind: string; subkind?: string }): string {
  const k = o.kind.replace(/_/g, ' ');
  return `${k[0]!.toUpperCase()}${k.slice(1)}${o.subkind ? ` (${o.subkind})` : ''}`;
}
