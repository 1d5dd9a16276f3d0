/**
 * Schemas of the JSON request bodies berthd accepts, mirroring the Engine API
 * types in src/engine/types.ts field for field (only the fields berth honours).
 */
import { any, arr, bool, int, map, nullable, obj, oneOf, required, type Schema, str, strslice } from './schema.ts';

const emptyObjects = nullable(map(any));

const healthConfig = obj({
  Test: arr(str),
  Interval: int,
  Timeout: int,
  Retries: int,
  StartPeriod: int,
  StartInterval: int,
});

/** ContainerConfig fields (the create body's top level). */
const containerConfigFields: Record<string, Schema> = {
  Hostname: str,
  Domainname: str,
  User: str,
  AttachStdin: bool,
  AttachStdout: bool,
  AttachStderr: bool,
  ExposedPorts: emptyObjects,
  Tty: bool,
  OpenStdin: bool,
  StdinOnce: bool,
  Env: nullable(arr(str)),
  Cmd: nullable(strslice),
  Healthcheck: healthConfig,
  Image: str,
  Volumes: emptyObjects,
  WorkingDir: str,
  Entrypoint: nullable(strslice),
  NetworkDisabled: bool,
  Labels: nullable(map(str)),
  StopSignal: str,
  StopTimeout: int,
};

const mount = obj({
  Type: required(oneOf('bind', 'volume', 'tmpfs')),
  Source: str,
  Target: str,
  ReadOnly: bool,
  Consistency: str,
  BindOptions: obj({
    Propagation: oneOf('private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave'),
    NonRecursive: bool,
    CreateMountpoint: bool,
  }),
  VolumeOptions: obj({
    NoCopy: bool,
    Labels: nullable(map(str)),
    DriverConfig: obj({ Name: str, Options: nullable(map(str)) }),
    Subpath: str,
  }),
  TmpfsOptions: obj({ SizeBytes: int, Mode: int }),
});

const weightDevice = obj({ Path: str, Weight: int });
const throttleDevice = obj({ Path: str, Rate: int });

/** The resource fields HostConfig and the update body share. */
const resourceFields: Record<string, Schema> = {
  CpuShares: int,
  Memory: int,
  NanoCpus: int,
  CpuPeriod: int,
  CpuQuota: int,
  CpuRealtimePeriod: int,
  CpuRealtimeRuntime: int,
  CpusetCpus: str,
  CpusetMems: str,
  BlkioWeight: int,
  BlkioWeightDevice: nullable(arr(weightDevice)),
  BlkioDeviceReadBps: nullable(arr(throttleDevice)),
  BlkioDeviceWriteBps: nullable(arr(throttleDevice)),
  BlkioDeviceReadIOps: nullable(arr(throttleDevice)),
  BlkioDeviceWriteIOps: nullable(arr(throttleDevice)),
  KernelMemory: int,
  MemoryReservation: int,
  MemorySwap: int,
  MemorySwappiness: nullable(int),
  OomKillDisable: nullable(bool),
  PidsLimit: nullable(int),
};

const restartPolicy = obj({
  Name: oneOf('', 'no', 'always', 'unless-stopped', 'on-failure'),
  MaximumRetryCount: int,
});

const hostConfig = obj({
  ...resourceFields,
  Binds: nullable(arr(str)),
  Mounts: nullable(arr(mount)),
  Tmpfs: nullable(map(str)),
  VolumesFrom: nullable(arr(str)),
  Devices: nullable(arr(obj({ PathOnHost: required(str), PathInContainer: str, CgroupPermissions: str }))),
  DeviceCgroupRules: nullable(arr(str)),
  StorageOpt: nullable(map(str)),
  NetworkMode: str,
  AutoRemove: bool,
  RestartPolicy: restartPolicy,
  Privileged: bool,
  Init: nullable(bool),
  ReadonlyRootfs: bool,
  CapAdd: nullable(arr(str)),
  CapDrop: nullable(arr(str)),
  SecurityOpt: nullable(arr(str)),
  Ulimits: nullable(arr(obj({ Name: required(str), Soft: required(int), Hard: required(int) }))),
  ShmSize: int,
  LogConfig: obj({ Type: str, Config: map(str) }),
  PortBindings: nullable(map(nullable(arr(obj({ HostIp: str, HostPort: str }))))),
  PublishAllPorts: bool,
  Links: nullable(arr(str)),
  GroupAdd: nullable(arr(str)),
  Sysctls: nullable(map(str)),
  OomScoreAdj: int,
  ExtraHosts: nullable(arr(str)),
  Dns: nullable(arr(str)),
  DnsSearch: nullable(arr(str)),
  DnsOptions: nullable(arr(str)),
  PidMode: str,
  IpcMode: str,
  UTSMode: str,
  CgroupnsMode: str,
  UsernsMode: str,
});

const endpointSettings = obj({
  IPAMConfig: nullable(obj({ IPv4Address: str, IPv6Address: str, LinkLocalIPs: nullable(arr(str)) })),
  Links: nullable(arr(str)),
  Aliases: nullable(arr(str)),
  MacAddress: str,
  DriverOpts: nullable(map(str)),
  NetworkID: str,
  EndpointID: str,
  Gateway: str,
  IPAddress: str,
  IPPrefixLen: int,
  IPv6Gateway: str,
  GlobalIPv6Address: str,
  GlobalIPv6PrefixLen: int,
  DNSNames: nullable(arr(str)),
});

/** Body of POST /networks/create. */
export const networkCreateSchema: Schema = obj({
  Name: required(str),
  CheckDuplicate: bool,
  Driver: str,
  Scope: str,
  Internal: bool,
  Attachable: bool,
  Ingress: bool,
  ConfigOnly: bool,
  EnableIPv4: bool,
  EnableIPv6: bool,
  IPAM: nullable(
    obj({
      Driver: str,
      Config: nullable(arr(obj({ Subnet: str, IPRange: str, Gateway: str, AuxiliaryAddresses: nullable(map(str)) }))),
      Options: nullable(map(str)),
    }),
  ),
  Options: nullable(map(str)),
  Labels: nullable(map(str)),
});

/** Body of POST /networks/{id}/connect. */
export const networkConnectSchema: Schema = obj({
  Container: required(str),
  EndpointConfig: nullable(endpointSettings),
});

/** Body of POST /networks/{id}/disconnect. */
export const networkDisconnectSchema: Schema = obj({
  Container: required(str),
  Force: bool,
});

/** Body of POST /containers/{id}/ports (berth extension). */
export const containerPortsSchema: Schema = obj({
  Add: nullable(arr(str)),
  Remove: nullable(arr(str)),
});

/** Body of POST /containers/{id}/update. */
export const containerUpdateSchema: Schema = obj({ ...resourceFields, RestartPolicy: restartPolicy });
/** Body of POST /commit: container config fields for the new image. */
export const commitConfigSchema: Schema = nullable(obj(containerConfigFields));

/** Body of POST /containers/create. */
export const containerCreateSchema: Schema = obj({
  ...containerConfigFields,
  HostConfig: hostConfig,
  MacAddress: str,
  NetworkingConfig: obj({ EndpointsConfig: nullable(map(endpointSettings)) }),
});

const consoleSize = nullable(arr({ type: 'integer', min: 0 }, 2));

/** Body of POST /containers/{id}/exec. */
export const execCreateSchema: Schema = obj({
  AttachStdin: bool,
  AttachStdout: bool,
  AttachStderr: bool,
  DetachKeys: str,
  Tty: bool,
  ConsoleSize: consoleSize,
  Env: nullable(arr(str)),
  Cmd: nullable(arr(str)),
  Privileged: bool,
  User: str,
  WorkingDir: str,
});

/** Body of POST /exec/{id}/start. */
export const execStartSchema: Schema = obj({
  Detach: bool,
  Tty: bool,
  ConsoleSize: consoleSize,
});

/** Body of POST /berth/images/bootstrap. */
export const imageBootstrapSchema: Schema = obj({
  Kind: required(str),
  Tag: str,
});

/** Body of POST /volumes/create. */
export const volumeCreateSchema: Schema = obj({
  Name: str,
  Driver: str,
  DriverOpts: nullable(map(str)),
  Labels: nullable(map(str)),
});
