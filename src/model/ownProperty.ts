// Client JSON may carry a "__proto__" key. JSON.parse makes it an own property, but assigning it
// with `obj[key] = value` sets the object's prototype instead: its fields would then be
// inherited, unseen by unknown-field checks and Object.keys, and read as if the client had sent
// them (a spec smuggled in under "__proto__" became the Service's spec). Go has no such key; to
// kube-apiserver it is an unknown field like any other. Every copy of client data goes through
// here.

export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

/** The own value of a key, never an inherited one (Object.prototype's included). */
export function getOwn(source: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(source, key) ? source[key] : undefined;
}
