/**
 * A value built on first use: a Proxy that creates its target the first time anything reads it.
 * The view build (scripts/build_views.ts) wraps the protocol schemas of the MCP SDK and ext-apps in
 * it, so that a view builds only the schemas it uses (Zod builds each schema when its module loads,
 * and `App` refers to every message shape it could ever send or receive).
 */
export function lazySchema<T extends object>(build: () => T): T {
  let target: T | undefined;
  const real = () => (target ??= build());
  return new Proxy({} as T, {
    get: (_, key) => Reflect.get(real(), key),
    set: (_, key, value) => Reflect.set(real(), key, value),
    has: (_, key) => Reflect.has(real(), key),
    ownKeys: () => Reflect.ownKeys(real()),
    getOwnPropertyDescriptor: (_, key) => {
      const d = Reflect.getOwnPropertyDescriptor(real(), key);
      // A proxy may not report a property as non-configurable unless its own target has it so.
      return d && { ...d, configurable: true };
    },
    defineProperty: (_, key, d) => Reflect.defineProperty(real(), key, d),
    deleteProperty: (_, key) => Reflect.deleteProperty(real(), key),
    getPrototypeOf: () => Reflect.getPrototypeOf(real()),
  });
}
