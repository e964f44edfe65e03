/** `Quirkwatch <alerts@example.com>` (or a bare address) -> `alerts@example.com`. */
export function addressOf(from: string): string {
  const match = /<([^<>]+)>\s*$/.exec(from);
  return (match?.[1] ?? from).trim();
}
