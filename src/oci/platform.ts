/** Platform names in OCI (Go) terms for the host Node runs on. */
import type { Platform } from './image.ts';

const archByNode: Record<string, string> = {
  x64: 'amd64',
  arm64: 'arm64',
  arm: 'arm',
  ia32: '386',
  ppc64: 'ppc64le',
  s390x: 's390x',
  riscv64: 'riscv64',
  loong64: 'loong64',
};

/** The OCI platform of this host, e.g. `{ os: 'linux', architecture: 'amd64' }`. */
export function hostPlatform(): Platform {
  const architecture = archByNode[process.arch] ?? process.arch;
  const p: Platform = { architecture, os: process.platform === 'win32' ? 'windows' : process.platform };
  if (architecture === 'arm') p.variant = 'v7';
  else if (architecture === 'arm64') p.variant = 'v8';
  return p;
}
