/**
 * The sides in the order round `round` runs them: rotated by one each round, so that each side
 * follows every other about equally often and a slow moment of the machine hits them all.
 */
export function rotated<S>(sides: readonly S[], round: number): S[] {
  return sides.map((_, i) => sides[(i + round) % sides.length] as S);
}
