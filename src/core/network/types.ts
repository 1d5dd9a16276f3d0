/**
 * Records of the network module. A network is a record (and, for the bridge
 * driver, a Linux bridge plus elements in berth's nftables table). An
 * endpoint is a container's attachment to a network: it exists from the
 * container's create (or `connect`) to its removal (or `disconnect`); while
 * the container runs it also holds a lease: an address, a MAC and the host
 * side of a veth pair. Published ports belong to the running container.
 */
import type { PublishedPort } from './nft.ts';

export type NetworkDriver = 'bridge' | 'host' | 'null';

export interface NetworkRecord {
  /** 64 hex digits. */
  id: string;
  name: string;
  driver: NetworkDriver;
  created: string;
  /** The Linux bridge ('' for host and null). */
  bridge: string;
  /** CIDR of the IPv4 subnet ('' for host and null). */
  subnet: string;
  gateway: string;
  /** CIDR addresses are allocated from; '' means the whole subnet. */
  ipRange: string;
  internal: boolean;
  /** The default bridge network ("bridge"), or one of the predefined host/none. */
  predefined: boolean;
  labels: Record<string, string>;
  options: Record<string, string>;
  mtu: number;
  /** Whether berthd answers DNS on the gateway (user-defined bridge networks). */
  dns: boolean;
}

/** What a container asked for on one network. */
export interface EndpointConfig {
  /** A fixed IPv4 address (`--ip`); otherwise one is allocated at each start. */
  ip?: string;
  aliases: string[];
  mac?: string;
  /** Legacy links, `container:alias`. */
  links: string[];
}

export interface EndpointRecord {
  containerId: string;
  /** The container's name (without '/'), answered by the embedded DNS. */
  containerName: string;
  networkId: string;
  /** Order of attachment: eth0, eth1, ... */
  seq: number;
  config: EndpointConfig;
  /** Set while the container runs. */
  lease?: Lease;
}

export interface Lease {
  ip: string;
  mac: string;
  /** Host side of the veth pair. */
  veth: string;
  /** Name inside the container. */
  ifname: string;
}

/** A published port and the container it leads to. */
export interface PortRecord extends PublishedPort {
  containerId: string;
}
