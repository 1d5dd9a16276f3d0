import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ContainerSummary, ImageSummary } from '../engine/types.ts';
import {
  containerRow,
  DEFAULT_PS_FORMAT,
  displayablePorts,
  ellipsis,
  PS_HEADER,
  PS_JSON_FIELDS,
} from './container-format.ts';
import { CliError } from './errors.ts';
import { renderRows, tabwrite } from './format.ts';
import { DEFAULT_IMAGES_FORMAT, IMAGES_HEADER, IMAGES_JSON_FIELDS, imageRow, imageRows } from './image-format.ts';

const NOW = Date.UTC(2026, 0, 10, 12, 0, 0);
const nowS = NOW / 1000;

const web: ContainerSummary = {
  Id: 'b'.repeat(64),
  Names: ['/web', '/other/link'],
  Image: 'busybox',
  ImageID: `sha256:${'c'.repeat(64)}`,
  Command: "sh -c 'while true; do sleep 1; done'",
  Created: nowS - 150,
  Ports: [
    { PrivatePort: 80, Type: 'tcp' },
    { IP: '0.0.0.0', PrivatePort: 443, PublicPort: 8443, Type: 'tcp' },
  ],
  Labels: { b: '2', a: '1' },
  State: 'running',
  Status: 'Up 2 minutes',
  HostConfig: { NetworkMode: 'bridge' },
  NetworkSettings: { Networks: { bridge: {} } },
  Mounts: [
    { Type: 'bind', Source: '/a', Destination: '/b', Mode: '', RW: true, Propagation: 'rprivate' },
    {
      Type: 'volume',
      Name: 'v'.repeat(40),
      Source: '/x',
      Destination: '/y',
      Driver: 'local',
      Mode: '',
      RW: true,
      Propagation: '',
    },
  ],
};
const job: ContainerSummary = {
  ...web,
  Id: 'd'.repeat(64),
  Names: ['/job'],
  Image: `sha256:${'e'.repeat(64)}`,
  ImageID: `sha256:${'e'.repeat(64)}`,
  Command: 'true',
  Created: nowS - 7200 * 30,
  Ports: [],
  Labels: {},
  State: 'exited',
  Status: 'Exited (0) 2 days ago',
  NetworkSettings: { Networks: {} },
  Mounts: [],
};

const ps = (format: string | undefined, trunc = true) =>
  renderRows({
    format,
    defaultFormat: DEFAULT_PS_FORMAT,
    rows: [web, job].map((c) => containerRow(c, { trunc, nowMs: NOW })),
    header: PS_HEADER,
    jsonFields: PS_JSON_FIELDS,
  });

test('ps renders Docker’s default table byte for byte', () => {
  assert.equal(
    ps(undefined),
    [
      'CONTAINER ID   IMAGE          COMMAND                  CREATED         STATUS                  PORTS                           NAMES',
      'bbbbbbbbbbbb   busybox        "sh -c \'while true; …"   2 minutes ago   Up 2 minutes            80/tcp, 0.0.0.0:8443->443/tcp   web',
      'dddddddddddd   eeeeeeeeeeee   "true"                   2 days ago      Exited (0) 2 days ago                                   job',
      '',
    ].join('\n'),
  );
});

test('ps with no containers prints the header only', () => {
  const out = renderRows({
    format: undefined,
    defaultFormat: DEFAULT_PS_FORMAT,
    rows: [],
    header: PS_HEADER,
    jsonFields: [],
  });
  assert.equal(out, 'CONTAINER ID   IMAGE     COMMAND   CREATED   STATUS    PORTS     NAMES\n');
});

test('ps --no-trunc shows full IDs, commands and every name', () => {
  const out = ps(undefined, false).split('\n');
  assert.ok(out[1]!.startsWith(`${'b'.repeat(64)}   busybox`));
  assert.ok(out[1]!.includes('"sh -c \'while true; do sleep 1; done\'"'));
  assert.ok(out[1]!.endsWith('web,other/link'));
});

test('ps --format with a table template, a plain template and json', () => {
  assert.equal(
    ps('table {{.ID}}\\t{{.Names}}\\t{{.Label "a"}}\\t{{.Labels}}\\t{{.Mounts}}\\t{{.Networks}}'),
    [
      'CONTAINER ID   NAMES     a         LABELS    MOUNTS               NETWORKS',
      'bbbbbbbbbbbb   web       1         a=1,b=2   /a,vvvvvvvvvvvvvv…   bridge',
      'dddddddddddd   job                                                ',
      '',
    ].join('\n'),
  );
  assert.equal(ps('{{.Names}}\\t{{.Status}}'), 'web\tUp 2 minutes\njob\tExited (0) 2 days ago\n');
  const first = JSON.parse(ps('json').split('\n')[0]!);
  assert.deepEqual(Object.keys(first), [...PS_JSON_FIELDS]);
  assert.equal(first.Ports, '80/tcp, 0.0.0.0:8443->443/tcp');
  assert.equal(first.CreatedAt, '2026-01-10 11:57:30 +0000 UTC');
  assert.equal(first.LocalVolumes, '1');
  assert.ok(ps('json').includes('-\\u003e443'));
  assert.throws(() => ps('{{.Nope}}'), CliError);
  assert.throws(() => ps('{{.ID'), /template parsing error/);
});

test('displayablePorts() groups consecutive ports and lists published ones last', () => {
  assert.equal(
    displayablePorts([
      { PrivatePort: 82, Type: 'tcp' },
      { PrivatePort: 80, Type: 'tcp' },
      { PrivatePort: 81, Type: 'tcp' },
      { PrivatePort: 53, Type: 'udp' },
      { IP: '0.0.0.0', PrivatePort: 8080, PublicPort: 8080, Type: 'tcp' },
      { IP: '::', PrivatePort: 22, PublicPort: 2222, Type: 'tcp' },
    ]),
    '53/udp, 80-82/tcp, 0.0.0.0:8080->8080/tcp, [::]:2222->22/tcp',
  );
});

test('ellipsis() cuts to the width with a trailing …', () => {
  assert.equal(ellipsis('abcdef', 4), 'abc…');
  assert.equal(ellipsis('abc', 4), 'abc');
});

test('tabwrite() aligns columns as Go’s tabwriter with Docker’s settings', () => {
  assert.equal(tabwrite('A\tBB\tC\nlong value\tx\ty\n'), 'A            BB        C\nlong value   x         y\n');
  assert.equal(tabwrite('a\tb\nc\n'), 'a         b\nc\n');
});

const images: ImageSummary[] = [
  {
    Id: `sha256:${'f'.repeat(64)}`,
    ParentId: '',
    RepoTags: ['busybox:latest', 'docker.io/foo/bar:1'],
    RepoDigests: [`busybox@sha256:${'1'.repeat(64)}`],
    Created: nowS - 86400 * 400,
    Size: 4261000,
    SharedSize: -1,
    Labels: {},
    Containers: -1,
  },
  {
    Id: `sha256:${'2'.repeat(64)}`,
    ParentId: '',
    RepoTags: [],
    RepoDigests: [],
    Created: nowS - 3600,
    Size: 999950,
    SharedSize: -1,
    Labels: {},
    Containers: -1,
  },
];

test('images renders one row per tag, untagged images as <none>, sizes as Docker', () => {
  const rows = imageRows(images, { digests: false }).map((r) => imageRow(r, { trunc: true, nowMs: NOW }));
  assert.equal(
    renderRows({
      format: undefined,
      defaultFormat: DEFAULT_IMAGES_FORMAT,
      rows,
      header: IMAGES_HEADER,
      jsonFields: [],
    }),
    [
      'REPOSITORY   TAG       IMAGE ID       CREATED             SIZE',
      'busybox      latest    ffffffffffff   13 months ago       4.26MB',
      'foo/bar      1         ffffffffffff   13 months ago       4.26MB',
      '<none>       <none>    222222222222   About an hour ago   1e+03kB',
      '',
    ].join('\n'),
  );
  const json = JSON.parse(
    renderRows({
      format: 'json',
      defaultFormat: '',
      rows,
      header: IMAGES_HEADER,
      jsonFields: IMAGES_JSON_FIELDS,
    }).split('\n')[0]!,
  );
  assert.deepEqual(json, {
    Containers: 'N/A',
    CreatedAt: '2024-12-06 12:00:00 +0000 UTC',
    CreatedSince: '13 months ago',
    Digest: '<none>',
    ID: 'ffffffffffff',
    Repository: 'busybox',
    SharedSize: 'N/A',
    Size: '4.26MB',
    Tag: 'latest',
    UniqueSize: 'N/A',
    VirtualSize: '4.261MB',
  });
});

test('images --digests adds a row per digest', () => {
  const rows = imageRows(images, { digests: true });
  assert.deepEqual(
    rows.map((r) => [r.repo, r.tag, r.digest]),
    [
      ['busybox', 'latest', `sha256:${'1'.repeat(64)}`],
      ['foo/bar', '1', '<none>'],
      ['<none>', '<none>', '<none>'],
    ],
  );
});
