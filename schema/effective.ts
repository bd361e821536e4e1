// What a control amounts to for a domain: the configured value, or the value Xen uses when the
// control is absent (registry `xenDefault.value`), for emitters that must write a concrete value
// (e.g. the createdomain flags of a boot-time domain).
import type { Domain } from './config.js';
import type { Feature } from './registry.js';

/** The configured value of `f` in `d`, or undefined when the domain does not set it. */
export function configuredValue(d: Domain, f: Feature): unknown {
  return (d as Record<string, unknown>)[f.key];
}

/** The configured value, else Xen's default when the registry states one, else undefined. */
export function effectiveValue(d: Domain, f: Feature): unknown {
  return configuredValue(d, f) ?? f.xenDefault.value;
}
