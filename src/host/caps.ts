/**
 * The capabilities this process may hand on: its bounding set, read from
 * /proc/self/status. A container cannot get a capability berthd lacks (this
 * machine's berthd has no CAP_SYS_RESOURCE, for one); capset would fail deep
 * in the runtime, so the engine refuses or trims up front.
 */
import { readFileSync } from 'node:fs';

/** Names of the capabilities whose bits are set in `mask`, given names in bit order. */
export function capsFromMask(mask: bigint, namesInBitOrder: readonly string[]): string[] {
  return namesInBitOrder.filter((_, bit) => (mask >> BigInt(bit)) & 1n);
}

export function boundingCaps(
  namesInBitOrder: readonly string[],
  status = readFileSync('/proc/self/status', 'utf8'),
): string[] {
  const hex = /^CapBnd:\s*([0-9a-f]+)$/m.exec(status)?.[1];
  return hex ? capsFromMask(BigInt(`0x${hex}`), namesInBitOrder) : [...namesInBitOrder];
}
