import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isCode } from '../../lib/errors.ts';
import { createRouter, json, type Route } from './router.ts';
import { API_VERSION, compareVersions, negotiateVersion, splitVersion } from './version.ts';

const route = (method: Route['method'], path: string): Route => ({ method, path, handle: async () => json(path) });

describe('router', () => {
  const router = createRouter([
    route('GET', '/images/json'),
    route('GET', '/images/{name*}/json'),
    route('POST', '/images/{name*}/tag'),
    route('DELETE', '/images/{name*}'),
    route('GET', '/containers/{id}/json'),
    route('POST', '/exec/{id}/start'),
  ]);

  it('matches literal paths before parameterized ones registered later', () => {
    assert.equal(router.match('GET', '/images/json')?.route.path, '/images/json');
  });

  it('matches image names with slashes and colons greedily', () => {
    const m = router.match('GET', '/images/localhost:5000/a/b:t/json');
    assert.equal(m?.route.path, '/images/{name*}/json');
    assert.deepEqual(m?.params, { name: 'localhost:5000/a/b:t' });
    assert.deepEqual(router.match('DELETE', '/images/docker.io/library/busybox:1.36')?.params, {
      name: 'docker.io/library/busybox:1.36',
    });
    assert.deepEqual(router.match('POST', '/images/a/b/tag')?.params, { name: 'a/b' });
  });

  it('decodes percent-encoded parameters', () => {
    assert.deepEqual(router.match('GET', '/images/a%2Fb%3A1/json')?.params, { name: 'a/b:1' });
    assert.equal(router.match('GET', '/images/%E0%A4%A/json'), undefined);
  });

  it('keeps single-segment parameters to one segment', () => {
    assert.deepEqual(router.match('GET', '/containers/web/json')?.params, { id: 'web' });
    assert.equal(router.match('GET', '/containers/a/b/json'), undefined);
  });

  it('matches on method', () => {
    assert.equal(router.match('GET', '/exec/x/start'), undefined);
    assert.equal(router.match('POST', '/exec/x/start')?.params.id, 'x');
  });

  it('does not match an empty parameter', () => {
    assert.equal(router.match('GET', '/images//json'), undefined);
  });
});

describe('API versions', () => {
  it('splits the /vN.NN prefix', () => {
    assert.deepEqual(splitVersion('/v1.45/containers/json'), { version: '1.45', path: '/containers/json' });
    assert.deepEqual(splitVersion('/containers/json'), { version: undefined, path: '/containers/json' });
    assert.deepEqual(splitVersion('/v1.47/_ping'), { version: '1.47', path: '/_ping' });
    assert.deepEqual(splitVersion('/volumes'), { version: undefined, path: '/volumes' });
  });

  it('compares numerically by segment', () => {
    assert.equal(compareVersions('1.47', '1.5'), 1);
    assert.equal(compareVersions('1.24', '1.24'), 0);
    assert.equal(compareVersions('1.9', '1.10'), -1);
    assert.equal(compareVersions('1.40.1', '1.40'), 1);
  });

  it('serves the current version when there is no prefix, and any in range', () => {
    assert.equal(negotiateVersion(undefined), API_VERSION);
    assert.equal(negotiateVersion('1.24'), '1.24');
    assert.equal(negotiateVersion('1.41'), '1.41');
    assert.equal(negotiateVersion(API_VERSION), API_VERSION);
  });

  it('refuses versions out of range with Docker wording', () => {
    assert.throws(
      () => negotiateVersion('1.99'),
      (err) =>
        isCode(err, 'invalid-argument') &&
        err.message === 'client version 1.99 is too new. Maximum supported API version is 1.47',
    );
    assert.throws(
      () => negotiateVersion('1.12'),
      (err) =>
        isCode(err, 'invalid-argument') &&
        err.message ===
          'client version 1.12 is too old. Minimum supported API version is 1.24, please upgrade your client to a newer version',
    );
  });
});
