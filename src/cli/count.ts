/**
 * Numbers as people read them in command output: grouped thousands and the noun in the singular for
 * one.
 *
 * @example
 * ```ts
 * count(1, "API request"); // "1 API request"
 * count(2200, "bug"); // "2,200 bugs"
 * count(3, "user story", "user stories"); // "3 user stories"
 * ```
 */
export function count(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString("en-US")} ${n === 1 ? one : many}`;
}
